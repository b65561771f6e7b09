/**
 * The HTTP wallet's error taxonomy against a small fake wallet service that answers whatever the
 * case needs (the reference service never breaks the contract on its own): only a refusal the
 * contract defines, with its status and a readable body, refuses; everything else may be retried.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWalletSignature } from '../../domain/platform-wallet/signature';
import { WalletRefusal, WalletUnavailableError } from '../../wallet/errors';
import { HttpWallet } from '../../wallet/http-wallet';

const SECRET = 'http-wallet-test-secret';
type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

let server: Server;
let handler: Handler;
let wallet: HttpWallet;
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  wallet = new HttpWallet({
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/wallet`,
    secret: SECRET,
    timeouts: { connectMs: 500, responseMs: 300 },
  });
});
afterAll(async () => {
  await wallet?.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const hold = {
  transferId: 'cash-out:r1:hold',
  userId: 'ana',
  amountCents: 10_00,
  reference: 'r1',
  code: 'CASH_OUT_HOLD',
};
const transfer = (overrides: Record<string, unknown> = {}) => ({
  transferId: hold.transferId,
  type: 'HOLD',
  userId: 'ana',
  amountCents: 10_00,
  holdId: null,
  code: 'CASH_OUT_HOLD',
  reference: 'r1',
  createdAt: '2026-01-02T03:04:05.000Z',
  replayed: false,
  ...overrides,
});
const answer =
  (status: number, body: unknown, headers: Record<string, string> = {}): Handler =>
  (_req, _body, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };

async function outcomeOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => value,
    (err: unknown) => err,
  );
}

describe('HttpWallet', () => {
  it('signs each request over timestamp, method, path (with the base URL’s prefix) and body', async () => {
    const seen: Array<{ path: string; verdict: unknown; body: string }> = [];
    handler = (req, body, res) => {
      seen.push({
        path: req.url as string,
        body,
        verdict: verifyWalletSignature(
          {
            timestamp: req.headers['x-wallet-timestamp'] as string,
            signature: req.headers['x-wallet-signature'] as string,
            method: req.method as string,
            path: req.url as string,
            body,
          },
          SECRET,
          { nowMs: Date.now(), toleranceSeconds: 5 },
        ),
      });
      answer(201, transfer())(req, body, res);
    };
    const outcome = await wallet.hold(hold);
    expect(seen).toEqual([{ path: '/wallet/v1/holds', body: JSON.stringify(hold), verdict: { ok: true } }]);
    expect(outcome).toEqual({
      transfer: {
        id: hold.transferId,
        debitAccount: 'user:ana',
        creditAccount: 'system:psp-settlement',
        amountCents: 10_00,
        kind: 'pending',
        code: 'CASH_OUT_HOLD',
        metadata: { reference: 'r1' },
        createdAt: '2026-01-02T03:04:05.000Z',
      },
      created: true,
    });
    handler = answer(200, transfer({ replayed: true }));
    expect((await wallet.hold(hold)).created).toBe(false);
  });

  it('turns a contract refusal (status and readable body) into a WalletRefusal with its details', async () => {
    handler = answer(422, {
      code: 'INSUFFICIENT_FUNDS',
      detail: 'short',
      availableCents: 5,
      requestedCents: 1000,
    });
    const refusal = await outcomeOf(wallet.hold(hold));
    expect(refusal).toBeInstanceOf(WalletRefusal);
    expect(refusal).toMatchObject({
      code: 'INSUFFICIENT_FUNDS',
      details: { availableCents: 5, requestedCents: 1000 },
    });
    handler = answer(404, { code: 'UNKNOWN_USER', detail: 'who?' });
    expect(await outcomeOf(wallet.credit({ ...hold, code: 'CASH_IN' }))).toMatchObject({
      code: 'UNKNOWN_USER',
    });
    handler = answer(409, {
      code: 'HOLD_ALREADY_FINALISED',
      detail: 'done',
      state: 'posted',
      finalisedBy: 'p',
    });
    expect(
      await outcomeOf(wallet.void({ transferId: 'v', holdId: 'h', code: 'CASH_OUT_VOID' })),
    ).toMatchObject({
      code: 'HOLD_ALREADY_FINALISED',
      details: { state: 'posted', finalisedBy: 'p' },
    });
  });

  it.each([
    ['a 422 whose body cannot be read', answer(422, '<html>Bad gateway</html>')],
    [
      'a refusal code under another status',
      answer(500, { code: 'INSUFFICIENT_FUNDS', detail: 'proxy said so' }),
    ],
    ['a 404 from something that is not the wallet', answer(404, { code: 'NOT_FOUND', detail: 'no route' })],
    ['an unknown code', answer(409, { code: 'SOMETHING_NEW', detail: '?' })],
    [
      'a 401 (the secret or the clock is wrong)',
      answer(401, { code: 'UNAUTHORIZED', detail: 'signature mismatch' }),
    ],
    ['a 503', answer(503, { code: 'UNAVAILABLE', detail: 'maintenance' })],
    ['a 2xx that cannot be read', answer(200, '{"transferId": "')],
    ['a 2xx missing a field', answer(201, { ...transfer(), createdAt: undefined })],
    ['a 2xx for another transfer', answer(201, transfer({ transferId: 'someone-else' }))],
    ['a 2xx of another amount', answer(201, transfer({ amountCents: 1 }))],
    ['a 204', (_req: IncomingMessage, _body: string, res: ServerResponse) => res.writeHead(204).end()],
    ['no answer within the timeout', () => undefined],
    ['a connection closed without an answer', (req: IncomingMessage) => req.socket.destroy()],
  ] as Array<[string, Handler]>)(
    'never refuses on %s: WalletUnavailableError, so the activity retries',
    async (_case, h) => {
      handler = h;
      const error = await outcomeOf(wallet.hold(hold));
      expect(error).toBeInstanceOf(WalletUnavailableError);
      expect(error).not.toBeInstanceOf(WalletRefusal);
    },
  );

  it('answers a replayed hold that was posted or voided with its final state and the note kept with it', async () => {
    handler = answer(
      200,
      transfer({
        replayed: true,
        finalised: {
          state: 'voided',
          transferId: 'cash-out:r1:void',
          note: { pspTransactionId: 'psp-1', failureCode: 'PIX_KEY_NOT_FOUND' },
        },
      }),
    );
    expect(await wallet.hold(hold)).toMatchObject({
      created: false,
      transfer: { id: hold.transferId, kind: 'pending' },
      finalised: {
        state: 'voided',
        transferId: 'cash-out:r1:void',
        note: { pspTransactionId: 'psp-1', failureCode: 'PIX_KEY_NOT_FOUND' },
      },
    });
    handler = answer(200, transfer({ replayed: true, finalised: { state: 'posted', transferId: 'p' } }));
    expect(await wallet.hold(hold)).toMatchObject({
      finalised: { state: 'posted', transferId: 'p', note: {} },
    });
    handler = answer(200, transfer({ replayed: true }));
    expect(await wallet.hold(hold)).not.toHaveProperty('finalised');
    // A final state the contract does not define is not read as one: the answer is unusable, retried.
    handler = answer(200, transfer({ replayed: true, finalised: { state: 'gone', transferId: 'p' } }));
    expect(await outcomeOf(wallet.hold(hold))).toBeInstanceOf(WalletUnavailableError);
  });

  it('sends the note of a post or void with it', async () => {
    let sent: unknown;
    handler = (_req, body, res) => {
      sent = JSON.parse(body);
      answer(201, transfer({ transferId: 'cash-out:r1:void', type: 'VOID', holdId: hold.transferId }))(
        _req,
        body,
        res,
      );
    };
    const note = { pspTransactionId: 'psp-1', failureCode: 'PIX_KEY_NOT_FOUND' };
    await wallet.void({
      transferId: 'cash-out:r1:void',
      holdId: hold.transferId,
      code: 'CASH_OUT_VOID',
      note,
    });
    expect(sent).toEqual({ transferId: 'cash-out:r1:void', code: 'CASH_OUT_VOID', note });
  });

  it('keeps the Retry-After of a 429', async () => {
    handler = answer(429, { code: 'RATE_LIMITED', detail: 'slow down' }, { 'retry-after': '3' });
    expect(await outcomeOf(wallet.exposureCents())).toMatchObject({ status: 429, retryAfterMs: 3_000 });
  });

  it('reads balances and the exposure, and refuses to take another user’s balance', async () => {
    handler = answer(200, { userId: 'ana', postedCents: -5, heldCents: 0, availableCents: -5 });
    expect(await wallet.balance('ana')).toEqual({
      userId: 'ana',
      postedCents: -5,
      pendingDebitCents: 0,
      availableCents: -5,
    });
    expect(await outcomeOf(wallet.balance('bia'))).toBeInstanceOf(WalletUnavailableError);
    handler = answer(200, { exposureCents: 123 });
    expect(await wallet.exposureCents()).toBe(123);
  });
});
