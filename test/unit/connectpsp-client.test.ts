import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectPspClient, type ConnectPspClientOptions } from '../../connectpsp/client';
import { ConnectPspError } from '../../connectpsp/errors';
import { digitalSignature } from '../../domain/connectpsp/signatures';
import { parseConfig, SANDBOX_CREDENTIALS } from '../../runtime/config';
import { createConnectPspClientFromConfig } from '../../runtime/psp-client';

// A tiny stand-in PSP on 127.0.0.1:0 that records every request; routes are keyed 'METHOD /path'.

interface Recorded {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}
type Reply =
  | { status: number; json?: unknown; raw?: string; headers?: Record<string, string> }
  | 'hang'
  | 'drop';
type Route = (request: Recorded) => Reply;

const CREDENTIALS = {
  clientId: '42',
  clientSecret: 'client-secret-0001',
  applicationToken: 'application-token-0001',
  cryptoToken: 'crypto-token-0001',
};

const BALANCE = {
  currency: 'BRL',
  referenceDate: '2026-03-10',
  consolidated: { totalBalance: 1500.1, transactionalBalance: 1000.05, proprietaryBalance: 500.05 },
  banks: [
    {
      ispb: '13935893',
      bank: 'CELCOIN IP S.A.',
      accounts: {
        transactional: { branch: '0001', account: '123', balance: 1000.05 },
        proprietary: { branch: '0001', account: '456', balance: 500.05 },
      },
    },
  ],
  updatedAt: '2026-03-10T12:00:00Z',
};

const problem = (status: number, code: string, detail: string) => ({
  status,
  json: { type: `https://docs.connectpsp.com/errors/${code}`, title: code, status, code, detail },
  headers: { 'content-type': 'application/problem+json' },
});

interface FakePsp {
  url: string;
  requests: Recorded[];
  count(key: string): number;
  routes: Record<string, Route>;
}

const servers: Server[] = [];
const clients: ConnectPspClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function startFakePsp(routes: Record<string, Route> = {}, tokenExpiresIn = 3600): Promise<FakePsp> {
  const requests: Recorded[] = [];
  let issued = 0;
  const allRoutes: Record<string, Route> = {
    'POST /auth/token': () => {
      issued += 1;
      return {
        status: 200,
        json: {
          accessToken: `jwt-${issued}`,
          tokenType: 'Bearer',
          expiresIn: tokenExpiresIn,
          issuedAt: '2026-03-10T12:00:00Z',
        },
      };
    },
    'GET /account/balance': () => ({ status: 200, json: BALANCE }),
    ...routes,
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      requests.push(recorded);
      const route = allRoutes[`${recorded.method} ${recorded.path}`];
      const reply: Reply = route ? route(recorded) : problem(404, 'NOT_FOUND', 'no route');
      if (reply === 'hang') return;
      if (reply === 'drop') {
        req.socket.destroy();
        return;
      }
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.raw ?? JSON.stringify(reply.json));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    routes: allRoutes,
    count: (key) => requests.filter((r) => `${r.method} ${r.path}` === key).length,
  };
}

function clientFor(psp: { url: string }, options: Partial<ConnectPspClientOptions> = {}): ConnectPspClient {
  const client = new ConnectPspClient({ baseUrl: psp.url, credentials: CREDENTIALS, ...options });
  clients.push(client);
  return client;
}

async function rejection(promise: Promise<unknown>): Promise<ConnectPspError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConnectPspError);
  return err as ConnectPspError;
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
}

const validCashIn = {
  externalReference: 'order-1',
  amountCents: 1050,
  payer: { name: 'Maria Silva', document: '11144477735' },
};

describe('token manager', () => {
  it('makes exactly one POST /auth/token for 100 concurrent calls without a token', async () => {
    const psp = await startFakePsp();
    const client = clientFor(psp);
    const balances = await Promise.all(Array.from({ length: 100 }, () => client.getBalance()));
    expect(balances).toHaveLength(100);
    expect(psp.count('POST /auth/token')).toBe(1);
    expect(psp.count('GET /account/balance')).toBe(100);
    expect(new Set(psp.requests.slice(1).map((r) => r.headers.authorization))).toEqual(
      new Set(['Bearer jwt-1']),
    );
  });

  it('reuses the token until 80% of expiresIn, then renews it before use', async () => {
    const psp = await startFakePsp({}, 100);
    let now = 1_000_000;
    const client = clientFor(psp, { now: () => now });
    await client.getBalance();
    now += 79_999;
    await client.getBalance();
    expect(psp.count('POST /auth/token')).toBe(1);
    now += 1;
    await client.getBalance();
    expect(psp.count('POST /auth/token')).toBe(2);
    expect(psp.requests.at(-1)?.headers.authorization).toBe('Bearer jwt-2');
  });

  it('renews on 401 TOKEN_EXPIRED and sends the call once more, re-signed, with the same idempotency key', async () => {
    const psp = await startFakePsp({
      'POST /account/rebalance': (req) =>
        req.headers.authorization === 'Bearer jwt-1'
          ? problem(401, 'TOKEN_EXPIRED', 'token expired')
          : { status: 200, json: { success: true, message: 'rebalanced' } },
    });
    const client = clientFor(psp);
    const key = randomUUID();
    await expect(client.rebalance(250_000, { idempotencyKey: key })).resolves.toEqual({
      success: true,
      message: 'rebalanced',
    });
    const attempts = psp.requests.filter((r) => r.path === '/account/rebalance');
    expect(psp.count('POST /auth/token')).toBe(2);
    expect(attempts.map((r) => r.headers.digitalsignature)).toEqual([
      digitalSignature('jwt-1', CREDENTIALS.cryptoToken),
      digitalSignature('jwt-2', CREDENTIALS.cryptoToken),
    ]);
    expect(attempts.map((r) => r.headers['x-idempotency-key'])).toEqual([key, key]);
    expect(attempts.map((r) => JSON.parse(r.body))).toEqual([{ targetAmount: 2500 }, { targetAmount: 2500 }]);
  });

  it('gives up after one renewal when the PSP keeps answering TOKEN_EXPIRED', async () => {
    const psp = await startFakePsp({
      'GET /account/balance': () => problem(401, 'TOKEN_EXPIRED', 'token expired'),
    });
    const err = await rejection(clientFor(psp).getBalance());
    expect(err.code).toBe('TOKEN_EXPIRED');
    expect(psp.count('GET /account/balance')).toBe(2);
    expect(psp.count('POST /auth/token')).toBe(2);
  });

  it('fails every waiter with INVALID_CREDENTIALS, non-retryable, and tries again on the next call', async () => {
    const psp = await startFakePsp({
      'POST /auth/token': () => problem(401, 'INVALID_CREDENTIALS', 'bad client credentials'),
    });
    const client = clientFor(psp);
    const errors = await Promise.all([rejection(client.getBalance()), rejection(client.getBalance())]);
    expect(errors.map((e) => [e.status, e.code, e.retryable])).toEqual([
      [401, 'INVALID_CREDENTIALS', false],
      [401, 'INVALID_CREDENTIALS', false],
    ]);
    expect(psp.count('POST /auth/token')).toBe(1);
    await rejection(client.getBalance());
    expect(psp.count('POST /auth/token')).toBe(2);
  });
});

describe('requests', () => {
  it('sends reais, headers and the idempotency key, and returns centavos', async () => {
    const psp = await startFakePsp({
      'POST /cash-in': (req) => ({
        status: 201,
        json: {
          transactionId: 'kk6g232xel65a0daee4dd13kk2912714964',
          internalCode: 'US7B1JQ',
          externalReference: 'order-1',
          status: 'AWAITING_PAYMENT',
          amount: JSON.parse(req.body).amount,
          payer: { name: 'Maria Silva', document: '11144477735' },
          pixData: { copyAndPaste: '000201...6304ABCD', qrCodeImageBase64: 'iVBORw0KGgo=' },
          requestedAt: '2026-03-10T09:00:00-03:00',
        },
      }),
    });
    const key = randomUUID();
    const created = await clientFor(psp).createCashIn(validCashIn, { idempotencyKey: key });
    expect(created).toEqual({
      transactionId: 'kk6g232xel65a0daee4dd13kk2912714964',
      internalCode: 'US7B1JQ',
      externalReference: 'order-1',
      amountCents: 1050,
      copyAndPaste: '000201...6304ABCD',
      qrCodeImageBase64: 'iVBORw0KGgo=',
      requestedAt: '2026-03-10T09:00:00-03:00',
    });
    const sent = psp.requests.find((r) => r.path === '/cash-in');
    expect(JSON.parse(sent?.body ?? '')).toEqual({
      amount: 10.5,
      externalReference: 'order-1',
      payer: { name: 'Maria Silva', document: '11144477735' },
    });
    expect(sent?.headers).toMatchObject({
      authorization: 'Bearer jwt-1',
      applicationtoken: CREDENTIALS.applicationToken,
      'x-idempotency-key': key,
      'content-type': 'application/json',
    });
    expect(sent?.headers.digitalsignature).toBeUndefined();
    const token = psp.requests.find((r) => r.path === '/auth/token');
    expect(JSON.parse(token?.body ?? '')).toEqual({ clientId: '42', clientSecret: CREDENTIALS.clientSecret });
    expect(token?.headers.applicationtoken).toBeUndefined();
    expect(token?.headers['x-idempotency-key']).toBeUndefined();
  });

  it('converts every balance to centavos', async () => {
    const psp = await startFakePsp();
    const balance = await clientFor(psp).getBalance();
    expect(balance).toMatchObject({
      totalCents: 150010,
      transactionalCents: 100005,
      proprietaryCents: 50005,
    });
    expect(balance.banks[0]?.transactional.balanceCents).toBe(100005);
  });

  it('rejects an invalid request naming the field and the rule, sending nothing', async () => {
    const psp = await startFakePsp();
    const client = clientFor(psp);
    const bad = await rejection(
      client.createCashIn(
        { ...validCashIn, payer: { name: 'Maria Silva', document: '123' } },
        { idempotencyKey: randomUUID() },
      ),
    );
    expect(bad).toMatchObject({ code: 'INVALID_REQUEST', retryable: false, status: undefined });
    // The rule's wording belongs to domain/connectpsp; the client must carry the field and that rule.
    expect(bad.message).toMatch(/not sent.*payer\.document: must be a CPF/);
    expect(bad.fieldProblems).toEqual([
      { field: 'payer.document', message: expect.stringMatching(/^must be a CPF/) },
    ]);

    const fractional = await rejection(
      client.createCashOut(
        {
          externalReference: 'payout-1',
          amountCents: 10.5,
          payee: {
            name: 'João',
            document: '11144477735',
            destination: { type: 'PIX', pixKeyType: 'CPF', pixKey: '11144477735' },
          },
        },
        { idempotencyKey: 'not-a-uuid' },
      ),
    );
    expect(fractional.fieldProblems.map((p) => p.field).sort()).toEqual(['amountCents', 'idempotencyKey']);
    expect(fractional.message).toContain('amountCents: must be an integer number of centavos');

    const zero = await rejection(client.rebalance(-1, { idempotencyKey: randomUUID() }));
    expect(zero.message).toContain('targetAmount: must not be negative');
    expect(psp.requests).toHaveLength(0);
  });

  it('reports a response that breaks the schema as a non-retryable CONTRACT_VIOLATION naming the path', async () => {
    const broken = { ...BALANCE, consolidated: { ...BALANCE.consolidated, transactionalBalance: '1000.05' } };
    const psp = await startFakePsp({ 'GET /account/balance': () => ({ status: 200, json: broken }) });
    const err = await rejection(clientFor(psp).getBalance());
    expect(err).toMatchObject({ code: 'CONTRACT_VIOLATION', retryable: false, status: 200 });
    expect(err.fieldProblems.map((p) => p.field)).toEqual(['consolidated.transactionalBalance']);
    expect(err.message).toContain('consolidated.transactionalBalance');
  });

  it('reads PSP records liberally: only the fields it uses, absent nullable fields as null, unknown fields ignored', async () => {
    const psp = await startFakePsp({
      'GET /cash-in/tx-1': () => ({
        status: 200,
        json: {
          transactionId: 'TX-1/not-35-chars',
          externalReference: 'order-1',
          status: 'PAID',
          amount: 10.5,
          payer: { name: 'M*** S***', document: '***.444.777-**' },
          paidAt: 'today, more or less',
          somethingNew: { nested: [1, 2] },
        },
      }),
      'GET /cash-out/tx-2': () => ({
        status: 200,
        json: {
          transactionId: 'tx-2',
          internalCode: '',
          externalReference: 'payout-1',
          status: 'FAILED',
          amount: 80,
          failure: { code: 'NIGHT_LIMIT_EXCEEDED', message: 'Night limit', extra: true },
        },
      }),
    });
    const client = clientFor(psp);
    expect(await client.getCashIn('tx-1')).toEqual({
      transactionId: 'TX-1/not-35-chars',
      internalCode: null,
      externalReference: 'order-1',
      endToEndId: null,
      status: 'PAID',
      amountCents: 1050,
    });
    expect(await client.getCashOut('tx-2')).toEqual({
      transactionId: 'tx-2',
      internalCode: null,
      externalReference: 'payout-1',
      endToEndId: null,
      status: 'FAILED',
      amountCents: 8000,
      failure: { code: 'NIGHT_LIMIT_EXCEEDED', message: 'Night limit' },
    });
  });

  it('still refuses a record without what it relies on: status, amount, ids', async () => {
    const psp = await startFakePsp({
      'GET /cash-in/tx-3': () => ({
        status: 200,
        json: { transactionId: 'tx-3', externalReference: 'order-3', status: 'SOMETHING_NEW', amount: '10' },
      }),
    });
    const err = await rejection(clientFor(psp).getCashIn('tx-3'));
    expect(err).toMatchObject({ code: 'CONTRACT_VIOLATION', retryable: false });
    expect(err.fieldProblems.map((p) => p.field).sort()).toEqual(['amount', 'status']);
  });

  it('reports a non-JSON success body and a non-problem 4xx as CONTRACT_VIOLATION', async () => {
    const psp = await startFakePsp({
      'GET /account/balance': () => ({ status: 200, raw: '<html>' }),
      'GET /cash-in/x': () => ({ status: 404, raw: 'Not Found', headers: { 'content-type': 'text/plain' } }),
    });
    const client = clientFor(psp);
    expect(await rejection(client.getBalance())).toMatchObject({
      code: 'CONTRACT_VIOLATION',
      retryable: false,
    });
    expect(await rejection(client.getCashIn('x'))).toMatchObject({
      code: 'CONTRACT_VIOLATION',
      status: 404,
      retryable: false,
    });
  });
});

describe('error classification over HTTP', () => {
  it.each([
    [
      { ...problem(429, 'RATE_LIMITED', 'slow down'), headers: { 'retry-after': '3' } },
      'RATE_LIMITED',
      true,
      3000,
    ],
    [problem(503, 'SERVICE_UNAVAILABLE', 'maintenance'), 'SERVICE_UNAVAILABLE', true, undefined],
    [
      { status: 502, raw: '<html>bad gateway</html>', headers: { 'content-type': 'text/html' } },
      'INTERNAL_ERROR',
      true,
      undefined,
    ],
    [
      problem(422, 'INSUFFICIENT_FUNDS', 'requested 10.00, available 5.00'),
      'INSUFFICIENT_FUNDS',
      false,
      undefined,
    ],
    [problem(404, 'NOT_FOUND', 'unknown balance'), 'NOT_FOUND', false, undefined],
  ])('%j → %s retryable=%s', async (reply, code, retryable, retryAfterMs) => {
    const psp = await startFakePsp({ 'GET /account/balance': () => reply });
    const err = await rejection(clientFor(psp).getBalance());
    expect(err).toMatchObject({ status: reply.status, code, retryable, retryAfterMs });
  });

  it('honours Retry-After given as an HTTP-date', async () => {
    const at = new Date(Date.now() + 30_000).toUTCString();
    const psp = await startFakePsp({
      'GET /account/balance': () => ({
        ...problem(429, 'RATE_LIMITED', 'slow down'),
        headers: { 'retry-after': at },
      }),
    });
    const err = await rejection(clientFor(psp).getBalance());
    expect(err.retryAfterMs).toBeGreaterThan(25_000);
    expect(err.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it('keeps field details of a 400', async () => {
    const psp = await startFakePsp({
      'GET /account/balance': () => ({
        status: 400,
        json: {
          ...problem(400, 'INVALID_REQUEST', 'invalid fields').json,
          errors: [{ field: 'payer.document', message: 'invalid CPF' }],
        },
      }),
    });
    const err = await rejection(clientFor(psp).getBalance());
    expect(err).toMatchObject({ code: 'INVALID_REQUEST', retryable: false });
    expect(err.fieldProblems).toEqual([{ field: 'payer.document', message: 'invalid CPF' }]);
    expect(err.message).toContain('payer.document: invalid CPF');
  });

  it('times out as a retryable TIMEOUT when the response headers never come', async () => {
    const psp = await startFakePsp({ 'GET /account/balance': () => 'hang' });
    const err = await rejection(clientFor(psp, { timeouts: { headersMs: 150 } }).getBalance());
    expect(err).toMatchObject({ code: 'TIMEOUT', status: undefined, retryable: true });
  });

  it('reports a refused connection as a retryable CONNECT_FAILED: the request never left', async () => {
    const psp = await startFakePsp();
    const server = servers.pop() as Server;
    await new Promise((resolve) => server.close(resolve));
    const err = await rejection(clientFor(psp).getBalance());
    expect(err).toMatchObject({ code: 'CONNECT_FAILED', status: undefined, retryable: true });
  });

  it('reports a connection dropped after the request was sent as a retryable NETWORK_ERROR: it may have been done', async () => {
    const psp = await startFakePsp({ 'GET /account/balance': () => 'drop' });
    const err = await rejection(clientFor(psp).getBalance());
    expect(err).toMatchObject({ code: 'NETWORK_ERROR', status: undefined, retryable: true });
  });

  it('rejects with the abort reason when the caller aborts mid-request', async () => {
    const psp = await startFakePsp({ 'GET /account/balance': () => 'hang' });
    const controller = new AbortController();
    const call = clientFor(psp).getBalance({ signal: controller.signal });
    await until(() => psp.count('GET /account/balance') === 1);
    const reason = new Error('activity cancelled');
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);
  });

  it('never puts the JWT, signature or credentials in an error message', async () => {
    const echoed = [
      'jwt-1',
      digitalSignature('jwt-1', CREDENTIALS.cryptoToken),
      CREDENTIALS.applicationToken,
      CREDENTIALS.clientSecret,
      CREDENTIALS.cryptoToken,
    ].join(' ');
    const psp = await startFakePsp({
      'POST /cash-out': () => problem(422, 'INVALID_SIGNATURE', `expected ${echoed}`),
    });
    const err = await rejection(
      clientFor(psp).createCashOut(
        {
          externalReference: 'payout-1',
          amountCents: 1000,
          payee: {
            name: 'João',
            document: '11144477735',
            destination: { type: 'PIX', pixKeyType: 'CPF', pixKey: '11144477735' },
          },
        },
        { idempotencyKey: randomUUID() },
      ),
    );
    expect(err.code).toBe('INVALID_SIGNATURE');
    for (const secret of echoed.split(' ')) {
      expect(err.message).not.toContain(secret);
      expect(err.detail).not.toContain(secret);
    }
    expect(err.detail).toContain('[redacted]');
  });
});

describe('createConnectPspClientFromConfig', () => {
  it('in sandbox mode talks to the local sandbox port with the sandbox credentials', async () => {
    const psp = await startFakePsp();
    const client = createConnectPspClientFromConfig(
      parseConfig({ CONNECTPSP_MODE: 'sandbox', SANDBOX_PORT: new URL(psp.url).port }),
    );
    clients.push(client);
    await client.getBalance();
    const [token, balance] = psp.requests;
    expect(JSON.parse(token?.body ?? '')).toEqual({
      clientId: SANDBOX_CREDENTIALS.clientId,
      clientSecret: SANDBOX_CREDENTIALS.clientSecret,
    });
    expect(balance?.headers.applicationtoken).toBe(SANDBOX_CREDENTIALS.applicationToken);
  });

  it('in live mode uses CONNECTPSP_BASE_URL (with a path prefix) and the CONNECTPSP_* secrets', async () => {
    const psp = await startFakePsp({
      'POST /v2/auth/token': (req) => psp.routes['POST /auth/token']?.(req) ?? 'hang',
      'GET /v2/account/balance': () => ({ status: 200, json: BALANCE }),
    });
    const client = createConnectPspClientFromConfig(
      parseConfig({
        CONNECTPSP_MODE: 'live',
        PAYLOAD_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
        CONNECTPSP_BASE_URL: `${psp.url}/v2`,
        CONNECTPSP_CLIENT_ID: CREDENTIALS.clientId,
        CONNECTPSP_CLIENT_SECRET: CREDENTIALS.clientSecret,
        CONNECTPSP_APPLICATION_TOKEN: CREDENTIALS.applicationToken,
        CONNECTPSP_CRYPTO_TOKEN: CREDENTIALS.cryptoToken,
      }),
    );
    clients.push(client);
    await client.getBalance();
    expect(psp.requests.map((r) => r.path)).toEqual(['/v2/auth/token', '/v2/account/balance']);
    expect(JSON.parse(psp.requests[0]?.body ?? '')).toEqual({
      clientId: '42',
      clientSecret: CREDENTIALS.clientSecret,
    });
    expect(psp.requests[1]?.headers.applicationtoken).toBe(CREDENTIALS.applicationToken);
  });

  it('without CONNECTPSP_MODE refuses to build a client rather than fall back to the sandbox keys', () => {
    expect(() => createConnectPspClientFromConfig(parseConfig({}))).toThrow(/CONNECTPSP_MODE: is required/);
  });
});

describe('the call observer (what the worker turns into metrics)', () => {
  function observed() {
    const calls: Array<{ endpoint: string; outcome: string; status: number | undefined }> = [];
    const renewals: Array<{ reason: string; ok: boolean }> = [];
    return {
      calls,
      renewals,
      observer: {
        onCall: ({ endpoint, outcome, status }: { endpoint: string; outcome: string; status?: number }) =>
          calls.push({ endpoint, outcome, status }),
        onTokenRenewal: (renewal: { reason: string; ok: boolean }) => renewals.push(renewal),
      },
    };
  }

  it('reports each exchange by documented endpoint and outcome, and why each token was fetched', async () => {
    const psp = await startFakePsp(
      {
        'GET /cash-out/tx-1': (req) =>
          req.headers.authorization === 'Bearer jwt-2'
            ? problem(401, 'TOKEN_EXPIRED', 'token expired')
            : problem(404, 'NOT_FOUND', 'no such cash-out'),
      },
      100,
    );
    let now = 1_000_000;
    const seen = observed();
    const client = clientFor(psp, { now: () => now, observer: seen.observer });
    await client.getBalance();
    now += 80_000; // the token reaches its renewal time
    await expect(client.getCashOut('tx-1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(seen.calls).toEqual([
      { endpoint: 'POST /auth/token', outcome: 'OK', status: 200 },
      { endpoint: 'GET /account/balance', outcome: 'OK', status: 200 },
      { endpoint: 'POST /auth/token', outcome: 'OK', status: 200 },
      { endpoint: 'GET /cash-out/{id}', outcome: 'TOKEN_EXPIRED', status: 401 },
      { endpoint: 'POST /auth/token', outcome: 'OK', status: 200 },
      { endpoint: 'GET /cash-out/{id}', outcome: 'NOT_FOUND', status: 404 },
    ]);
    expect(seen.renewals).toEqual([
      { reason: 'first', ok: true },
      { reason: 'expiring', ok: true },
      { reason: 'rejected', ok: true },
    ]);
  });

  it('reports a call that never got an answer, and a failed renewal', async () => {
    const psp = await startFakePsp({ 'GET /account/balance': () => 'drop' });
    const seen = observed();
    await expect(clientFor(psp, { observer: seen.observer }).getBalance()).rejects.toMatchObject({
      code: 'NETWORK_ERROR',
    });
    expect(seen.calls.at(-1)).toEqual({
      endpoint: 'GET /account/balance',
      outcome: 'NETWORK_ERROR',
      status: undefined,
    });

    const refusing = await startFakePsp({
      'POST /auth/token': () => problem(401, 'INVALID_CREDENTIALS', 'bad client credentials'),
    });
    const refused = observed();
    await expect(clientFor(refusing, { observer: refused.observer }).getBalance()).rejects.toMatchObject({
      code: 'INVALID_CREDENTIALS',
    });
    expect(refused.calls).toEqual([
      { endpoint: 'POST /auth/token', outcome: 'INVALID_CREDENTIALS', status: 401 },
    ]);
    expect(refused.renewals).toEqual([{ reason: 'first', ok: false }]);
  });
});
