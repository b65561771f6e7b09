import { randomUUID } from 'node:crypto';
import type { ApplicationFailure } from '@temporalio/common';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toActivityFailure } from '../../activities/connectpsp';
import { ConnectPspClient, type ConnectPspClientOptions } from '../../connectpsp/client';
import { ConnectPspError } from '../../connectpsp/errors';
import type { CreateCashOutInput } from '../../connectpsp/types';
import { idempotencyKey } from '../../domain/ids';
import { SANDBOX_CREDENTIALS } from '../../runtime/config';
import { type RunningSandbox, startSandbox } from '../../sandbox/server';

// The real client against the real sandbox over HTTP: every endpoint and every error the contract lists.

let sandbox: RunningSandbox;
const clients: ConnectPspClient[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
});
afterAll(async () => {
  await sandbox?.close();
});
beforeEach(async () => {
  await control('POST', '/_sandbox/reset');
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

function newClient(
  options: Partial<ConnectPspClientOptions> = {},
  target: RunningSandbox = sandbox,
): ConnectPspClient {
  const client = new ConnectPspClient({
    baseUrl: target.url,
    credentials: { ...SANDBOX_CREDENTIALS },
    ...options,
  });
  clients.push(client);
  return client;
}

async function control<T = unknown>(
  method: string,
  path: string,
  body?: unknown,
  target = sandbox,
): Promise<T> {
  const response = await fetch(`${target.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status} ${await response.text()}`);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

interface LoggedRequest {
  method: string;
  path: string;
  idempotencyKey: string | null;
  status: number | null;
}
const requestLog = async (target = sandbox) =>
  (await control<{ requests: LoggedRequest[] }>('GET', '/_sandbox/requests', undefined, target)).requests;
const transactions = () =>
  control<{ cashIns: { transactionId: string }[]; cashOuts: { transactionId: string }[] }>(
    'GET',
    '/_sandbox/transactions',
  );

async function rejection(promise: Promise<unknown>): Promise<ConnectPspError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConnectPspError);
  return err as ConnectPspError;
}

const key = () => randomUUID();

const cashInInput = (externalReference = `order-${randomUUID()}`) => ({
  externalReference,
  amountCents: 12_345,
  payer: { name: 'Maria Silva', document: '11144477735' },
});

const cashOutInput = (
  externalReference = `payout-${randomUUID()}`,
  amountCents = 5_000,
): CreateCashOutInput => ({
  externalReference,
  amountCents,
  description: 'withdrawal',
  payee: {
    name: 'João Souza',
    document: '11144477735',
    destination: { type: 'PIX', pixKeyType: 'EMAIL', pixKey: 'joao@example.com' },
  },
});

const PARTNER_ISPBS = ['38224857', '13935893', '20018183'];

/** Puts the whole wallet at Celcoin (the other partners emptied), amounts in reais. */
const setWallet = (transactional: number, proprietary: number) =>
  control('PUT', '/_sandbox/wallet', {
    banks: PARTNER_ISPBS.map((ispb) =>
      ispb === '13935893' ? { ispb, transactional, proprietary } : { ispb, transactional: 0, proprietary: 0 },
    ),
  });

/** Gives the wallet transactional money so cash-outs can go out. */
const fundTransactional = (reais: number) => setWallet(reais, 1_000);

describe('ConnectPSP client against the sandbox: endpoints', () => {
  it('issues a Bearer token', async () => {
    const token = await newClient().issueToken();
    expect(token).toMatchObject({ tokenType: 'Bearer', expiresIn: 3600 });
    expect(token.accessToken.split('.')).toHaveLength(3);
  });

  it('runs a cash-in through create, get, pay and refund, in centavos', async () => {
    const client = newClient();
    const input = cashInInput();
    const created = await client.createCashIn(input, { idempotencyKey: key() });
    expect(created).toMatchObject({ externalReference: input.externalReference, amountCents: 12_345 });
    expect(created.transactionId).toMatch(/^[0-9a-z]{35}$/);
    expect(created.copyAndPaste.startsWith('000201')).toBe(true);
    expect(Buffer.from(created.qrCodeImageBase64, 'base64').subarray(1, 4).toString()).toBe('PNG');
    expect(created.paymentUrl).toBeUndefined();

    const byCode = await client.getCashIn(created.internalCode as string);
    expect(byCode).toMatchObject({
      transactionId: created.transactionId,
      status: 'AWAITING_PAYMENT',
      endToEndId: null,
    });

    const paidRecord = await control<{ payer: { bankData: unknown } }>(
      'POST',
      `/_sandbox/cash-in/${created.transactionId}/pay`,
    );
    const paid = await client.getCashIn(created.transactionId);
    expect(paid).toMatchObject({ status: 'PAID', amountCents: 12_345 });
    expect(paid.endToEndId).toMatch(/^E/);
    expect(paidRecord.payer.bankData).not.toBeNull();
    expect(await client.getCashIn(paid.endToEndId as string)).toMatchObject({
      transactionId: created.transactionId,
    });

    const refund = await client.refundCashIn(
      created.transactionId,
      { reason: 'CUSTOMER_REQUEST', description: 'asked by the customer' },
      { idempotencyKey: key() },
    );
    expect(refund).toMatchObject({ transactionId: created.transactionId });
    expect(refund.endToEndId).toMatch(/^D/);
    const refunded = await client.getCashIn(created.transactionId);
    expect(refunded).toMatchObject({ status: 'REFUNDED', endToEndId: refund.endToEndId });
    const { cashIns } = await control<{
      cashIns: Array<{ transactionId: string; originalEndToEndId: string }>;
    }>('GET', '/_sandbox/transactions');
    expect(cashIns.find((c) => c.transactionId === created.transactionId)).toMatchObject({
      internalCode: created.internalCode,
      originalEndToEndId: paid.endToEndId,
    });
  });

  it('returns paymentUrl for an OpenFinance cash-in', async () => {
    const created = await newClient().createCashIn(
      { ...cashInInput(), openFinanceRedirectUrl: 'https://shop.example.com/back' },
      { idempotencyKey: key() },
    );
    expect(created.paymentUrl).toMatch(/^https?:\/\//);
  });

  it('sends a cash-out and reads it back as it completes or fails', async () => {
    await fundTransactional(1_000);
    const client = newClient();
    const input = cashOutInput();
    const created = await client.createCashOut(input, { idempotencyKey: key() });
    expect(created).toMatchObject({ externalReference: input.externalReference, amountCents: 5_000 });
    expect(created.internalCode).toMatch(/^[A-Z0-9]{10}$/);
    expect(await client.getCashOut(created.internalCode as string)).toMatchObject({
      status: 'PROCESSING',
      endToEndId: null,
      failure: null,
    });

    await control('POST', `/_sandbox/cash-out/${created.internalCode}/complete`);
    const completed = await client.getCashOut(created.transactionId);
    expect(completed).toMatchObject({ status: 'COMPLETED', amountCents: 5_000, failure: null });
    expect(completed.endToEndId).toMatch(/^E/);

    const other = await client.createCashOut(cashOutInput(), { idempotencyKey: key() });
    await control('POST', `/_sandbox/cash-out/${other.transactionId}/fail`);
    expect(await client.getCashOut(other.transactionId)).toMatchObject({
      status: 'FAILED',
      endToEndId: null,
      failure: { code: 'PIX_KEY_NOT_FOUND' },
    });
  });

  it('reads the balance in centavos and rebalances to an absolute target', async () => {
    await setWallet(100.5, 900);
    const client = newClient();
    const before = await client.getBalance();
    expect(before).toMatchObject({ currency: 'BRL', transactionalCents: 10_050, proprietaryCents: 90_000 });
    expect(before.totalCents).toBe(100_050);
    expect(before.banks.find((b) => b.ispb === '13935893')?.transactional.balanceCents).toBe(10_050);

    await expect(client.rebalance(50_000, { idempotencyKey: key() })).resolves.toMatchObject({
      success: true,
    });
    const after = await client.getBalance();
    expect(after).toMatchObject({ transactionalCents: 50_000, totalCents: 100_050 });
  });
});

describe('ConnectPSP client against the sandbox: errors', () => {
  it('INVALID_CREDENTIALS is a non-retryable 401', async () => {
    const client = newClient({ credentials: { ...SANDBOX_CREDENTIALS, clientSecret: randomUUID() } });
    const err = await rejection(client.getBalance());
    expect(err).toMatchObject({ status: 401, code: 'INVALID_CREDENTIALS', retryable: false });
    expect(err.message).not.toContain(SANDBOX_CREDENTIALS.clientSecret);
  });

  it('INVALID_APPLICATION_TOKEN is a non-retryable 401', async () => {
    const client = newClient({ credentials: { ...SANDBOX_CREDENTIALS, applicationToken: randomUUID() } });
    expect(await rejection(client.getBalance())).toMatchObject({
      status: 401,
      code: 'INVALID_APPLICATION_TOKEN',
      retryable: false,
    });
  });

  it('INVALID_SIGNATURE on signed calls when the CryptoToken is wrong; unsigned calls still pass', async () => {
    await fundTransactional(1_000);
    const client = newClient({
      credentials: { ...SANDBOX_CREDENTIALS, cryptoToken: 'not-the-crypto-token' },
    });
    await expect(client.getBalance()).resolves.toMatchObject({ currency: 'BRL' });
    const err = await rejection(client.createCashOut(cashOutInput(), { idempotencyKey: key() }));
    expect(err).toMatchObject({ status: 422, code: 'INVALID_SIGNATURE', retryable: false });
    expect(await rejection(client.rebalance(1_000, { idempotencyKey: key() }))).toMatchObject({
      code: 'INVALID_SIGNATURE',
    });
    expect((await transactions()).cashOuts).toHaveLength(0);
  });

  it('renews an expired token transparently (TOKEN_EXPIRED → new token → same call again)', async () => {
    const shortLived = await startSandbox({ port: 0, tokenTtlSeconds: 1 });
    try {
      // A frozen clock keeps the client from renewing on its own, so it really sends the expired token.
      const client = newClient({ now: () => 0 }, shortLived);
      await client.getBalance();
      const probe = await fetch(`${shortLived.url}/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          clientId: SANDBOX_CREDENTIALS.clientId,
          clientSecret: SANDBOX_CREDENTIALS.clientSecret,
        }),
      }).then((r) => r.json() as Promise<{ accessToken: string }>);
      // The probe was issued after the client's token, so once it is expired the client's is too.
      let probeStatus = 0;
      for (let i = 0; i < 60 && probeStatus !== 401; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        probeStatus = (
          await fetch(`${shortLived.url}/account/balance`, {
            headers: {
              authorization: `Bearer ${probe.accessToken}`,
              applicationtoken: SANDBOX_CREDENTIALS.applicationToken,
            },
          })
        ).status;
      }
      expect(probeStatus).toBe(401);

      await expect(client.getBalance()).resolves.toMatchObject({ currency: 'BRL' });
      const log = await requestLog(shortLived);
      const tokenCalls = log.filter((r) => r.path === '/auth/token');
      expect(tokenCalls.map((r) => r.status)).toEqual([200, 200, 200]);
      expect(log.at(-3)).toMatchObject({ method: 'GET', path: '/account/balance', status: 401 });
      expect(log.at(-2)).toMatchObject({ method: 'POST', path: '/auth/token', status: 200 });
      expect(log.at(-1)).toMatchObject({ method: 'GET', path: '/account/balance', status: 200 });
    } finally {
      await shortLived.close();
    }
  });

  it('INSUFFICIENT_FUNDS for a cash-out above the transactional balance and a top-up above proprietary', async () => {
    await setWallet(10, 20);
    const client = newClient();
    const cashOut = await rejection(
      client.createCashOut(cashOutInput(undefined, 10_001), { idempotencyKey: key() }),
    );
    expect(cashOut).toMatchObject({ status: 422, code: 'INSUFFICIENT_FUNDS', retryable: false });
    expect(cashOut.detail).toBeTruthy();
    const failure = toActivityFailure(cashOut) as ApplicationFailure;
    expect(failure).toMatchObject({ type: 'INSUFFICIENT_FUNDS', nonRetryable: true });

    const topUp = await rejection(client.rebalance(5_000_00, { idempotencyKey: key() }));
    expect(topUp).toMatchObject({ status: 422, code: 'INSUFFICIENT_FUNDS', retryable: false });
  });

  it('refuses refunds with CASH_IN_NOT_PAID, _ALREADY_REFUNDED, _EXPIRED, _CANCELLED and MISSING_END_TO_END_ID', async () => {
    const client = newClient();
    const create = async () =>
      (await client.createCashIn(cashInInput(), { idempotencyKey: key() })).transactionId;
    const refund = (id: string) =>
      rejection(client.refundCashIn(id, { reason: 'FRAUD' }, { idempotencyKey: key() }));

    const awaiting = await create();
    const refunded = await create();
    await control('POST', `/_sandbox/cash-in/${refunded}/pay`);
    await client.refundCashIn(refunded, { reason: 'DUPLICATED_PAYMENT' }, { idempotencyKey: key() });
    const expired = await create();
    await control('POST', `/_sandbox/cash-in/${expired}/expire`);
    const cancelled = await create();
    await control('POST', `/_sandbox/cash-in/${cancelled}/cancel`);
    const withoutE2e = await create();
    await control('POST', `/_sandbox/cash-in/${withoutE2e}/pay`, { withoutEndToEndId: true });

    const codes = [];
    for (const id of [awaiting, refunded, expired, cancelled, withoutE2e]) {
      const err = await refund(id);
      expect(err).toMatchObject({ status: 422, retryable: false });
      codes.push(err.code);
    }
    expect(codes).toEqual([
      'CASH_IN_NOT_PAID',
      'CASH_IN_ALREADY_REFUNDED',
      'CASH_IN_EXPIRED',
      'CASH_IN_CANCELLED',
      'MISSING_END_TO_END_ID',
    ]);
  });

  it('404 NOT_FOUND for unknown ids', async () => {
    const client = newClient();
    expect(await rejection(client.getCashIn('unknown-id'))).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
      retryable: false,
    });
    expect(await rejection(client.getCashOut('UNKNOWN999'))).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
    });
    expect(
      await rejection(client.refundCashIn('unknown-id', { reason: 'FRAUD' }, { idempotencyKey: key() })),
    ).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('409 for a duplicate cash-out externalReference under a new key', async () => {
    await fundTransactional(1_000);
    const client = newClient();
    const input = cashOutInput();
    await client.createCashOut(input, { idempotencyKey: key() });
    const err = await rejection(client.createCashOut(input, { idempotencyKey: key() }));
    expect(err).toMatchObject({ status: 409, code: 'DUPLICATE_EXTERNAL_REFERENCE', retryable: false });
  });

  it('422 IDEMPOTENCY_KEY_REUSED when one key carries a different body', async () => {
    await fundTransactional(1_000);
    const client = newClient();
    const reused = key();
    await client.createCashOut(cashOutInput(), { idempotencyKey: reused });
    const err = await rejection(client.createCashOut(cashOutInput(), { idempotencyKey: reused }));
    expect(err).toMatchObject({ status: 422, code: 'IDEMPOTENCY_KEY_REUSED', retryable: false });
  });

  it('400 field details: the client refuses locally with the same field the sandbox names, sending nothing', async () => {
    const client = newClient();
    const invalid = { ...cashInInput(), payer: { name: '', document: '123' } };
    const local = await rejection(client.createCashIn(invalid, { idempotencyKey: key() }));
    expect(local).toMatchObject({ code: 'INVALID_REQUEST', retryable: false, status: undefined });
    expect(await requestLog()).toHaveLength(0);

    // The same body sent by hand: the sandbox's 400 names the same fields.
    const { accessToken } = await client.issueToken();
    const response = await fetch(`${sandbox.url}/cash-in`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${accessToken}`,
        applicationtoken: SANDBOX_CREDENTIALS.applicationToken,
        'x-idempotency-key': key(),
      },
      body: JSON.stringify({
        amount: 123.45,
        externalReference: invalid.externalReference,
        payer: invalid.payer,
      }),
    });
    const problem = (await response.json()) as { code: string; errors: { field: string }[] };
    expect(response.status).toBe(400);
    expect(problem.code).toBe('INVALID_REQUEST');
    expect(problem.errors.map((e) => e.field).sort()).toEqual(local.fieldProblems.map((p) => p.field).sort());
  });
});

describe('ConnectPSP client against the sandbox: concurrency and faults', () => {
  it('100 concurrent calls on a fresh client make exactly one POST /auth/token', async () => {
    const client = newClient();
    await Promise.all(Array.from({ length: 100 }, () => client.getBalance()));
    const log = await requestLog();
    expect(log.filter((r) => r.method === 'POST' && r.path === '/auth/token')).toHaveLength(1);
    expect(log.filter((r) => r.path === '/account/balance' && r.status === 200)).toHaveLength(100);
  });

  it.each(['cash-out', 'cash-in'] as const)(
    'replays the original %s when a retry follows a commitThenDrop',
    async (kind) => {
      await fundTransactional(1_000);
      await control('POST', '/_sandbox/faults', { kind: 'commitThenDrop', method: 'POST', path: `/${kind}` });
      const client = newClient({ timeouts: { headersMs: 2_000 } });
      const idempotency = idempotencyKey(`${kind}:contract-test-${randomUUID()}:create`);
      const create = () =>
        kind === 'cash-out'
          ? client.createCashOut(cashOutInput('payout-drop'), { idempotencyKey: idempotency })
          : client.createCashIn(cashInInput('order-drop'), { idempotencyKey: idempotency });

      const first = await rejection(create());
      expect(['NETWORK_ERROR', 'TIMEOUT']).toContain(first.code);
      expect(first).toMatchObject({ status: undefined, retryable: true });

      const retried = await create();
      const stored = await transactions();
      const records = kind === 'cash-out' ? stored.cashOuts : stored.cashIns;
      expect(records.map((r) => r.transactionId)).toEqual([retried.transactionId]);
      const attempts = (await requestLog()).filter((r) => r.path === `/${kind}`);
      expect(attempts.map((r) => [r.idempotencyKey, r.status])).toEqual([
        [idempotency, null],
        [idempotency, kind === 'cash-out' ? 202 : 201],
      ]);
    },
  );

  it('reports Retry-After from a 429 and turns it into the activity nextRetryDelay', async () => {
    await control('POST', '/_sandbox/faults', {
      kind: 'rate429',
      retryAfterSeconds: 7,
      path: '/account/balance',
    });
    const client = newClient();
    const err = await rejection(client.getBalance());
    expect(err).toMatchObject({ status: 429, code: 'RATE_LIMITED', retryable: true, retryAfterMs: 7_000 });
    expect(toActivityFailure(err)).toMatchObject({
      type: 'RATE_LIMITED',
      nonRetryable: false,
      nextRetryDelay: 7_000,
    });
    await expect(client.getBalance()).resolves.toMatchObject({ currency: 'BRL' });
  });

  it('a 500 is retryable and the next attempt succeeds', async () => {
    await control('POST', '/_sandbox/faults', { kind: 'error500', path: '/account/balance' });
    const client = newClient();
    expect(await rejection(client.getBalance())).toMatchObject({
      status: 500,
      code: 'INTERNAL_ERROR',
      retryable: true,
    });
    await expect(client.getBalance()).resolves.toMatchObject({ currency: 'BRL' });
  });
});
