/**
 * The reference wallet service over real HTTP, on its own fresh database: every answer checked
 * against docs/platform-wallet.openapi.yaml, signatures (a bad or stale one changes nothing),
 * idempotency by transfer id, the refusals of the contract, and the faults it can play.
 */
import { randomUUID } from 'node:crypto';
import { fetch } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signatureHeaders } from '../../domain/platform-wallet/signature';
import { WALLET_PATHS } from '../../domain/platform-wallet/wire';
import { type RunningWalletService, startWalletService } from '../../wallet-service/server';
import { type FreshLedgerDatabase, freshLedgerDatabase } from '../helpers/ledger-db';
import { walletContract } from '../helpers/wallet-contract';

const SECRET = 'wallet-service-test-secret';
const contract = walletContract();

let db: FreshLedgerDatabase;
let service: RunningWalletService;
beforeAll(async () => {
  db = await freshLedgerDatabase({ migrated: false });
  service = await startWalletService({ port: 0, databaseUrl: db.url, secret: SECRET });
});
afterAll(async () => {
  await service?.close();
  await db?.drop();
});
afterEach(async () => {
  await fetch(`${service.url}/_control/faults`, { method: 'DELETE' });
});

interface Answer {
  status: number;
  contentType: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read answers field by field
  body: any;
}

interface CallOptions {
  /** Sign with another secret, at another time, or over another path. */
  secret?: string;
  signedAtMs?: number;
  signedPath?: string;
  unsigned?: boolean;
}

/** A signed call whose answer is checked against the contract when it is a contract path. */
async function call(
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  options: CallOptions = {},
): Promise<Answer> {
  const text = body === undefined ? '' : JSON.stringify(body);
  const signature = options.unsigned
    ? {}
    : signatureHeaders(
        { method, path: options.signedPath ?? path, body: text },
        options.secret ?? SECRET,
        options.signedAtMs ?? Date.now(),
      );
  const response = await fetch(`${service.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...signature },
    ...(method === 'POST' ? { body: text } : {}),
  });
  const raw = await response.text();
  const answer = {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    body: raw ? JSON.parse(raw) : undefined,
  };
  const template = templateOf(path);
  if (template) contract.expectAnswer(method, template, answer);
  return answer;
}

function templateOf(path: string): string | undefined {
  const bare = path.split('?')[0] as string;
  if (/^\/v1\/holds\/[^/]+\/post$/.test(bare)) return '/v1/holds/{holdId}/post';
  if (/^\/v1\/holds\/[^/]+\/void$/.test(bare)) return '/v1/holds/{holdId}/void';
  if (/^\/v1\/users\/[^/]+\/balance$/.test(bare)) return '/v1/users/{userId}/balance';
  return bare.startsWith('/v1/') ? bare : undefined;
}

const movement = (userId: string, amountCents: number, code = 'CASH_IN') => ({
  transferId: `t-${randomUUID()}`,
  userId,
  amountCents,
  reference: `ref-${randomUUID()}`,
  code,
});

async function newUser(cents: number): Promise<string> {
  const userId = `user-${randomUUID()}`;
  expect((await call('POST', WALLET_PATHS.credits, movement(userId, cents))).status).toBe(201);
  return userId;
}

const balanceOf = async (userId: string) => (await call('GET', WALLET_PATHS.balance(userId))).body;
const fault = (spec: Record<string, unknown>) =>
  fetch(`${service.url}/_control/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(spec),
  });

describe('signatures', () => {
  it('refuses a missing, wrong, stale or misdirected signature with 401, changing no balance', async () => {
    const userId = await newUser(10_00);
    const credit = movement(userId, 5_00);
    const refused = [
      await call('POST', WALLET_PATHS.credits, credit, { unsigned: true }),
      await call('POST', WALLET_PATHS.credits, credit, { secret: 'another-secret-entirely' }),
      // Captured ten minutes ago: outside the 300 s window, even though the signature is right.
      await call('POST', WALLET_PATHS.credits, credit, { signedAtMs: Date.now() - 600_000 }),
      await call('POST', WALLET_PATHS.credits, credit, { signedAtMs: Date.now() + 600_000 }),
      // A signature for a hold replayed against the credits endpoint.
      await call('POST', WALLET_PATHS.credits, credit, { signedPath: WALLET_PATHS.holds }),
    ];
    expect(refused.map((a) => [a.status, a.body.code, a.body.detail])).toEqual([
      [401, 'UNAUTHORIZED', 'signature missing'],
      [401, 'UNAUTHORIZED', 'signature mismatch'],
      [401, 'UNAUTHORIZED', 'signature stale'],
      [401, 'UNAUTHORIZED', 'signature stale'],
      [401, 'UNAUTHORIZED', 'signature mismatch'],
    ]);
    expect(await balanceOf(userId)).toEqual({
      userId,
      postedCents: 10_00,
      heldCents: 0,
      availableCents: 10_00,
    });
    // The body is covered: the same headers with another amount do not pass.
    const headers = signatureHeaders(
      { method: 'POST', path: WALLET_PATHS.credits, body: JSON.stringify(credit) },
      SECRET,
      Date.now(),
    );
    const tampered = await fetch(`${service.url}${WALLET_PATHS.credits}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ ...credit, amountCents: 999_00 }),
    });
    expect(tampered.status).toBe(401);
    expect((await balanceOf(userId)).postedCents).toBe(10_00);
    // Reads are signed too: another user's balance cannot be read with a captured signature.
    const read = await call('GET', WALLET_PATHS.balance(userId), undefined, {
      signedPath: WALLET_PATHS.balance('someone-else'),
    });
    expect(read.status).toBe(401);
  });
});

describe('movements', () => {
  it('credits, holds, posts and voids; each transfer id applies once and answers the first transfer again', async () => {
    const userId = await newUser(100_00);
    const hold = movement(userId, 30_00, 'CASH_OUT_HOLD');
    const first = await call('POST', WALLET_PATHS.holds, hold);
    const again = await call('POST', WALLET_PATHS.holds, hold);
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...first.body, replayed: true });
    expect(first.body).toMatchObject({
      type: 'HOLD',
      holdId: null,
      reference: hold.reference,
      replayed: false,
    });
    expect(await balanceOf(userId)).toEqual({
      userId,
      postedCents: 100_00,
      heldCents: 30_00,
      availableCents: 70_00,
    });

    const post = { transferId: `${hold.transferId}:post`, code: 'CASH_OUT_POST' };
    const posted = await call('POST', WALLET_PATHS.postHold(hold.transferId), post);
    expect(posted.status).toBe(201);
    expect(posted.body).toMatchObject({ type: 'POST', holdId: hold.transferId, amountCents: 30_00 });
    expect((await call('POST', WALLET_PATHS.postHold(hold.transferId), post)).status).toBe(200);
    expect(await balanceOf(userId)).toEqual({
      userId,
      postedCents: 70_00,
      heldCents: 0,
      availableCents: 70_00,
    });

    const voided = movement(userId, 20_00, 'CASH_IN_REFUND_HOLD');
    await call('POST', WALLET_PATHS.holds, voided);
    const voidAnswer = await call('POST', WALLET_PATHS.voidHold(voided.transferId), {
      transferId: `${voided.transferId}:void`,
      code: 'CASH_IN_REFUND_VOID',
    });
    expect(voidAnswer.status).toBe(201);
    expect(await balanceOf(userId)).toEqual({
      userId,
      postedCents: 70_00,
      heldCents: 0,
      availableCents: 70_00,
    });
  });

  it('applies concurrent deliveries of one transfer once', async () => {
    const userId = await newUser(1_00);
    const credit = movement(userId, 7_00);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => call('POST', WALLET_PATHS.credits, credit)),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    expect((await balanceOf(userId)).postedCents).toBe(8_00);
  });

  it('records a reversal below zero and computes the exposure from positive balances, holds included', async () => {
    const before = (await call('GET', WALLET_PATHS.exposure)).body.exposureCents;
    const owed = await newUser(50_00);
    await call('POST', WALLET_PATHS.holds, movement(owed, 20_00, 'CASH_OUT_HOLD'));
    const overdrawn = await newUser(10_00);
    const reversal = await call('POST', WALLET_PATHS.reversals, movement(overdrawn, 25_00, 'MED_REVERSAL'));
    expect(reversal.status).toBe(201);
    expect(await balanceOf(overdrawn)).toMatchObject({ postedCents: -15_00, availableCents: -15_00 });
    expect((await call('GET', WALLET_PATHS.exposure)).body.exposureCents).toBe(before + 50_00);
  });

  it('refuses with the contract’s codes, and only what it did not apply', async () => {
    const userId = await newUser(10_00);
    const short = await call('POST', WALLET_PATHS.holds, movement(userId, 10_01, 'CASH_OUT_HOLD'));
    expect([short.status, short.body]).toEqual([
      422,
      expect.objectContaining({ code: 'INSUFFICIENT_FUNDS', availableCents: 10_00, requestedCents: 10_01 }),
    ]);
    const stranger = await call('POST', WALLET_PATHS.holds, movement('nobody', 1_00, 'CASH_OUT_HOLD'));
    expect([stranger.status, stranger.body.code]).toEqual([404, 'UNKNOWN_USER']);
    expect((await call('GET', WALLET_PATHS.balance('nobody'))).status).toBe(404);

    const credit = movement(userId, 1_00);
    await call('POST', WALLET_PATHS.credits, credit);
    const conflict = await call('POST', WALLET_PATHS.credits, { ...credit, amountCents: 2_00 });
    expect([conflict.status, conflict.body.code, conflict.body.differingFields]).toEqual([
      409,
      'TRANSFER_ID_CONFLICT',
      ['amountCents'],
    ]);
    const missing = await call('POST', WALLET_PATHS.voidHold('no-such-hold'), { transferId: 'x', code: 'C' });
    expect([missing.status, missing.body.code]).toEqual([404, 'HOLD_NOT_FOUND']);

    const hold = movement(userId, 1_00, 'CASH_OUT_HOLD');
    await call('POST', WALLET_PATHS.holds, hold);
    await call('POST', WALLET_PATHS.voidHold(hold.transferId), {
      transferId: `${hold.transferId}:v`,
      code: 'V',
      note: { pspTransactionId: 'psp-1', failureCode: 'PIX_KEY_NOT_FOUND' },
    });
    const postAfterVoid = await call('POST', WALLET_PATHS.postHold(hold.transferId), {
      transferId: `${hold.transferId}:p`,
      code: 'P',
    });
    expect([postAfterVoid.status, postAfterVoid.body]).toEqual([
      409,
      expect.objectContaining({
        code: 'HOLD_ALREADY_FINALISED',
        state: 'voided',
        finalisedBy: `${hold.transferId}:v`,
      }),
    ]);
    // A finalised hold is never placed again: its replay answers what became of it, moving nothing.
    const heldBefore = await call('GET', WALLET_PATHS.balance(userId));
    const replayed = await call('POST', WALLET_PATHS.holds, hold);
    expect([replayed.status, replayed.body.replayed, replayed.body.finalised]).toEqual([
      200,
      true,
      {
        state: 'voided',
        transferId: `${hold.transferId}:v`,
        note: { pspTransactionId: 'psp-1', failureCode: 'PIX_KEY_NOT_FOUND' },
      },
    ]);
    expect((await call('GET', WALLET_PATHS.balance(userId))).body).toEqual(heldBefore.body);
    // ... but another request under its id is still refused, naming the field.
    const other = await call('POST', WALLET_PATHS.holds, { ...hold, amountCents: 2_00 });
    expect([other.status, other.body.code, other.body.differingFields]).toEqual([
      409,
      'TRANSFER_ID_CONFLICT',
      ['amountCents'],
    ]);

    const invalid = await call('POST', WALLET_PATHS.credits, {
      ...movement(userId, 1),
      amountCents: 1.5,
      extra: 1,
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.problems.map((p: { field: string }) => p.field).sort()).toEqual([
      '(body)',
      'amountCents',
    ]);
    expect(await balanceOf(userId)).toEqual({
      userId,
      postedCents: 11_00,
      heldCents: 0,
      availableCents: 11_00,
    });
  });
});

describe('faults (for lifecycle tests and the chaos run)', () => {
  it('answers 500 and 429 without applying anything', async () => {
    const userId = await newUser(5_00);
    const credit = movement(userId, 1_00);
    await fault({ kind: 'error500', path: WALLET_PATHS.credits });
    await fault({ kind: 'rate429', path: WALLET_PATHS.credits, retryAfterSeconds: 2 });
    expect((await call('POST', WALLET_PATHS.credits, credit)).status).toBe(500);
    const limited = await call('POST', WALLET_PATHS.credits, credit);
    expect(limited.status).toBe(429);
    expect((await balanceOf(userId)).postedCents).toBe(5_00);
    expect((await call('POST', WALLET_PATHS.credits, credit)).status).toBe(201);
  });

  it('commits, then garbles or withholds the answer; the same request again answers the replay', async () => {
    const userId = await newUser(5_00);
    const garbled = movement(userId, 1_00);
    await fault({ kind: 'commitThenGarble', path: WALLET_PATHS.credits });
    const broken = await fetch(`${service.url}${WALLET_PATHS.credits}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...signatureHeaders(
          { method: 'POST', path: WALLET_PATHS.credits, body: JSON.stringify(garbled) },
          SECRET,
          Date.now(),
        ),
      },
      body: JSON.stringify(garbled),
    });
    expect(broken.status).toBe(200);
    expect(await broken.text()).toBe('{"transferId": "');
    expect((await call('POST', WALLET_PATHS.credits, garbled)).body.replayed).toBe(true);

    const withheld = movement(userId, 2_00);
    await fault({ kind: 'commitThenTimeout', path: WALLET_PATHS.credits, delayMs: 200 });
    await expect(call('POST', WALLET_PATHS.credits, withheld)).rejects.toThrow();
    expect((await call('POST', WALLET_PATHS.credits, withheld)).body.replayed).toBe(true);

    const duplicated = movement(userId, 4_00);
    await fault({ kind: 'duplicate', path: WALLET_PATHS.credits });
    const answer = await call('POST', WALLET_PATHS.credits, duplicated);
    expect([answer.status, answer.body.replayed]).toEqual([200, true]);
    expect((await balanceOf(userId)).postedCents).toBe(12_00);
  });

  it('a fault with a rate fires on every matching request it rolls for, until cleared (for chaos runs)', async () => {
    const userId = await newUser(1_00);
    await fault({ kind: 'error500', path: WALLET_PATHS.balance(userId), rate: 1 });
    await fault({ kind: 'rate429', path: WALLET_PATHS.exposure, rate: 0 });
    for (let i = 0; i < 3; i++) expect((await call('GET', WALLET_PATHS.balance(userId))).status).toBe(500);
    expect((await call('GET', WALLET_PATHS.exposure)).status).toBe(200);
    await fetch(`${service.url}/_control/faults`, { method: 'DELETE' });
    expect((await call('GET', WALLET_PATHS.balance(userId))).status).toBe(200);
  });

  it('rejects a fault it does not know, naming the field', async () => {
    const response = await fault({ kind: 'explode' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { problems: Array<{ field: string }> }).problems[0]?.field).toBe(
      'kind',
    );
  });
});
