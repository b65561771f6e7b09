import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type NewTransfer, SYSTEM_ACCOUNTS, userAccountId } from '../../domain/ledger';
import {
  InsufficientFundsError,
  LedgerInputError,
  PendingTransferAlreadyFinalisedError,
  PendingTransferNotFoundError,
  TransferIdConflictError,
} from '../../ledger/errors';
import type { Ledger } from '../../ledger/ledger';
import { type FreshLedgerDatabase, freshLedgerDatabase } from '../helpers/ledger-db';

const SETTLEMENT = SYSTEM_ACCOUNTS.pspSettlement;

let db: FreshLedgerDatabase;
let ledger: Ledger;

beforeAll(async () => {
  db = await freshLedgerDatabase();
  ledger = db.ledger;
});
afterEach(async () => {
  expect(await ledger.checkBalanced()).toBe(0);
});
afterAll(async () => {
  await db?.drop();
});

/** Every test works on its own user, so tests sharing the database never see each other's money. */
function newUser(): { userId: string; account: string } {
  const userId = randomUUID();
  return { userId, account: userAccountId(userId) };
}

function cashIn(account: string, amountCents: number, id = `cash-in:${randomUUID()}:credit`): NewTransfer {
  return {
    id,
    debitAccount: SETTLEMENT,
    creditAccount: account,
    amountCents,
    kind: 'posted',
    code: 'CASH_IN',
  };
}

function hold(account: string, amountCents: number, id = `cash-out:${randomUUID()}:hold`): NewTransfer {
  return {
    id,
    debitAccount: account,
    creditAccount: SETTLEMENT,
    amountCents,
    kind: 'pending',
    code: 'CASH_OUT_HOLD',
  };
}

async function countTransfers(id: string): Promise<number> {
  const result = await db.pool.query('SELECT count(*)::int AS n FROM ledger_transfers WHERE id = $1', [id]);
  return result.rows[0].n;
}

describe('posted transfers', () => {
  it('moves posted balances of both accounts and creates the user account on first use', async () => {
    const { userId, account } = newUser();
    const before = await ledger.getBalances(SETTLEMENT);

    const outcome = await ledger.createTransfer({
      ...cashIn(account, 1_500),
      metadata: { reference: 'ref-1' },
    });

    expect(outcome.created).toBe(true);
    expect(outcome.transfer).toMatchObject({
      debitAccount: SETTLEMENT,
      creditAccount: account,
      amountCents: 1_500,
      kind: 'posted',
      code: 'CASH_IN',
      metadata: { reference: 'ref-1' },
    });
    expect(await ledger.getBalances(account)).toEqual({
      accountId: account,
      debitsPostedCents: 0,
      creditsPostedCents: 1_500,
      debitsPendingCents: 0,
      creditsPendingCents: 0,
    });
    expect((await ledger.getBalances(SETTLEMENT)).debitsPostedCents).toBe(before.debitsPostedCents + 1_500);
    expect(await ledger.getUserBalance(userId)).toEqual({
      userId,
      postedCents: 1_500,
      pendingDebitCents: 0,
      availableCents: 1_500,
    });
  });

  it('refuses a posted user debit beyond the available balance unless it may overdraw', async () => {
    const { userId, account } = newUser();
    await ledger.createTransfer(cashIn(account, 100));
    const debit = {
      id: `bet:${randomUUID()}`,
      debitAccount: account,
      creditAccount: SYSTEM_ACCOUNTS.platform,
      amountCents: 101,
      kind: 'posted',
      code: 'BET',
    } as const;

    await expect(ledger.createTransfer(debit)).rejects.toBeInstanceOf(InsufficientFundsError);
    expect((await ledger.getUserBalance(userId)).postedCents).toBe(100);

    await ledger.createTransfer({
      ...debit,
      id: `reversal:${randomUUID()}`,
      creditAccount: SETTLEMENT,
      code: 'MED_REVERSAL',
      allowOverdraft: true,
    });
    expect(await ledger.getUserBalance(userId)).toMatchObject({ postedCents: -1, availableCents: -1 });
  });

  it('lists transfers newest first, optionally of one account', async () => {
    const { account } = newUser();
    const first = await ledger.createTransfer(cashIn(account, 10));
    const second = await ledger.createTransfer(hold(account, 5));

    const listed = await ledger.listTransfers({ accountId: account, limit: 10 });
    expect(listed.map((t) => t.id)).toEqual([second.transfer.id, first.transfer.id]);
    expect(listed[1]).toEqual(first.transfer);
    expect(await ledger.listTransfers({ limit: 1 })).toEqual([second.transfer]);
  });

  it('rejects transfers that can never be valid', async () => {
    const { account } = newUser();
    const valid = cashIn(account, 10);
    const invalid: NewTransfer[] = [
      { ...valid, amountCents: 0 },
      { ...valid, amountCents: 1.5 },
      { ...valid, amountCents: -3 },
      { ...valid, creditAccount: SETTLEMENT },
      { ...valid, creditAccount: 'bank:nobody' },
      { ...valid, id: '' },
      { ...valid, code: '' },
      { ...hold(account, 10), allowOverdraft: true },
    ];
    for (const transfer of invalid) {
      await expect(ledger.createTransfer(transfer), JSON.stringify(transfer)).rejects.toBeInstanceOf(
        LedgerInputError,
      );
    }
    expect(await ledger.listTransfers({ accountId: account, limit: 10 })).toEqual([]);
  });
});

describe('two-phase transfers', () => {
  it('pending → post moves the held amount from pending to posted', async () => {
    const { userId, account } = newUser();
    await ledger.createTransfer(cashIn(account, 1_000));
    const held = await ledger.createTransfer(hold(account, 400));

    expect(await ledger.getUserBalance(userId)).toEqual({
      userId,
      postedCents: 1_000,
      pendingDebitCents: 400,
      availableCents: 600,
    });

    const posted = await ledger.postPending(`${held.transfer.id}:post`, held.transfer.id);
    expect(posted.transfer).toMatchObject({
      kind: 'post_pending',
      pendingId: held.transfer.id,
      amountCents: 400,
      debitAccount: account,
      creditAccount: SETTLEMENT,
      code: 'CASH_OUT_HOLD',
    });
    expect(await ledger.getUserBalance(userId)).toEqual({
      userId,
      postedCents: 600,
      pendingDebitCents: 0,
      availableCents: 600,
    });
    expect(await ledger.getBalances(account)).toMatchObject({
      debitsPostedCents: 400,
      debitsPendingCents: 0,
    });
  });

  it('pending → void restores the available balance', async () => {
    const { userId, account } = newUser();
    await ledger.createTransfer(cashIn(account, 1_000));
    const held = await ledger.createTransfer(hold(account, 1_000));
    expect((await ledger.getUserBalance(userId)).availableCents).toBe(0);

    const settlementBefore = await ledger.getBalances(SETTLEMENT);
    await ledger.voidPending(`${held.transfer.id}:void`, held.transfer.id, { code: 'CASH_OUT_VOID' });

    expect(await ledger.getUserBalance(userId)).toEqual({
      userId,
      postedCents: 1_000,
      pendingDebitCents: 0,
      availableCents: 1_000,
    });
    const settlementAfter = await ledger.getBalances(SETTLEMENT);
    expect(settlementAfter.creditsPendingCents).toBe(settlementBefore.creditsPendingCents - 1_000);
    expect(settlementAfter.creditsPostedCents).toBe(settlementBefore.creditsPostedCents);
  });

  it('refuses a hold beyond the available balance and writes nothing', async () => {
    const { userId, account } = newUser();
    await ledger.createTransfer(cashIn(account, 100));
    await ledger.createTransfer(hold(account, 60));
    const refused = hold(account, 41);

    const error = await ledger.createTransfer(refused).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(InsufficientFundsError);
    expect(error).toMatchObject({ accountId: account, availableCents: 40, requestedCents: 41 });
    expect(await countTransfers(refused.id)).toBe(0);
    expect(await ledger.getUserBalance(userId)).toMatchObject({ postedCents: 100, pendingDebitCents: 60 });
  });

  it('refuses a hold of a user never seen, without creating the account', async () => {
    const { account } = newUser();
    await expect(ledger.createTransfer(hold(account, 1))).rejects.toBeInstanceOf(InsufficientFundsError);
    const accounts = await db.pool.query('SELECT 1 FROM ledger_accounts WHERE id = $1', [account]);
    expect(accounts.rowCount).toBe(0);
  });

  it('posting twice with the same id is a no-op; a second finalisation is refused', async () => {
    const { userId, account } = newUser();
    await ledger.createTransfer(cashIn(account, 500));
    const held = await ledger.createTransfer(hold(account, 200));
    const postId = `${held.transfer.id}:post`;

    const first = await ledger.postPending(postId, held.transfer.id);
    const again = await ledger.postPending(postId, held.transfer.id);

    expect(again).toEqual({ transfer: first.transfer, created: false });
    expect((await ledger.getUserBalance(userId)).postedCents).toBe(300);
    await expect(ledger.voidPending(`${held.transfer.id}:void`, held.transfer.id)).rejects.toMatchObject({
      constructor: PendingTransferAlreadyFinalisedError,
      state: 'posted',
      finalisedBy: postId,
    });
    await expect(ledger.postPending(`${postId}:2`, held.transfer.id)).rejects.toBeInstanceOf(
      PendingTransferAlreadyFinalisedError,
    );
    // The id of a post reused for a void of the same hold is another operation.
    await expect(ledger.voidPending(postId, held.transfer.id)).rejects.toBeInstanceOf(
      TransferIdConflictError,
    );
  });

  it('refuses to post or void what is not a pending transfer', async () => {
    const { account } = newUser();
    const posted = await ledger.createTransfer(cashIn(account, 10));
    await expect(
      ledger.postPending(`post:${randomUUID()}`, `missing:${randomUUID()}`),
    ).rejects.toBeInstanceOf(PendingTransferNotFoundError);
    await expect(ledger.voidPending(`void:${randomUUID()}`, posted.transfer.id)).rejects.toBeInstanceOf(
      PendingTransferNotFoundError,
    );
  });

  it('finalises a hold once when post and void race', async () => {
    const { userId, account } = newUser();
    await ledger.createTransfer(cashIn(account, 100));
    const held = await ledger.createTransfer(hold(account, 100));

    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        i % 2 === 0
          ? ledger.postPending(`${held.transfer.id}:post:${i}`, held.transfer.id)
          : ledger.voidPending(`${held.transfer.id}:void:${i}`, held.transfer.id),
      ),
    );

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(PendingTransferAlreadyFinalisedError);
    }
    const balance = await ledger.getUserBalance(userId);
    expect(balance.pendingDebitCents).toBe(0);
    expect([0, 100]).toContain(balance.postedCents);
  });
});

describe('idempotency', () => {
  it('applies the same transfer id once and returns the first result', async () => {
    const { userId, account } = newUser();
    const transfer = cashIn(account, 700);

    const first = await ledger.createTransfer({ ...transfer, metadata: { attempt: 1 } });
    const second = await ledger.createTransfer({ ...transfer, metadata: { attempt: 2 } });

    expect(second).toEqual({ transfer: first.transfer, created: false });
    expect(second.transfer.metadata).toEqual({ attempt: 1 });
    expect((await ledger.getUserBalance(userId)).postedCents).toBe(700);
  });

  it('replays a hold even after the balance no longer covers it', async () => {
    const { account } = newUser();
    await ledger.createTransfer(cashIn(account, 100));
    const transfer = hold(account, 100);
    const first = await ledger.createTransfer(transfer);
    expect(await ledger.createTransfer(transfer)).toEqual({ transfer: first.transfer, created: false });
  });

  it('answers a hold applied again after it was voided or posted with its final state, moving nothing', async () => {
    const { userId, account } = newUser();
    await ledger.createTransfer(cashIn(account, 100));
    const voided = hold(account, 40);
    const placed = await ledger.createTransfer(voided);
    await ledger.voidPending(`${voided.id}:void`, voided.id, {
      metadata: { pspTransactionId: 'psp-1', failureCode: 'PIX_KEY_NOT_FOUND', other: 1 },
    });
    const posted = hold(account, 30);
    await ledger.createTransfer(posted);
    await ledger.postPending(`${posted.id}:post`, posted.id);
    const before = await ledger.getUserBalance(userId);

    expect(await ledger.createTransfer(voided)).toEqual({
      transfer: placed.transfer,
      created: false,
      finalised: {
        state: 'voided',
        transferId: `${voided.id}:void`,
        note: { pspTransactionId: 'psp-1', failureCode: 'PIX_KEY_NOT_FOUND' },
      },
    });
    expect(await ledger.createTransfer(posted)).toMatchObject({
      created: false,
      finalised: { state: 'posted', transferId: `${posted.id}:post`, note: {} },
    });
    expect(await ledger.getUserBalance(userId)).toEqual(before);
    expect(before).toMatchObject({ postedCents: 70, pendingDebitCents: 0, availableCents: 70 });
  });

  it('still refuses another request under a finalised hold’s id, naming the field, and a second finalisation', async () => {
    const { userId, account } = newUser();
    await ledger.createTransfer(cashIn(account, 100));
    const placed = hold(account, 40);
    await ledger.createTransfer(placed);
    await ledger.postPending(`${placed.id}:post`, placed.id);
    const before = await ledger.getUserBalance(userId);

    await expect(ledger.createTransfer({ ...placed, amountCents: 41 })).rejects.toMatchObject({
      constructor: TransferIdConflictError,
      differingFields: ['amountCents'],
    });
    await expect(ledger.voidPending(`${placed.id}:void`, placed.id)).rejects.toMatchObject({
      constructor: PendingTransferAlreadyFinalisedError,
      state: 'posted',
    });
    expect(await ledger.getUserBalance(userId)).toEqual(before);
  });

  it('20 concurrent applications of one id leave one row and one effect', async () => {
    const { userId, account } = newUser();
    const transfer = cashIn(account, 250);

    const outcomes = await Promise.all(Array.from({ length: 20 }, () => ledger.createTransfer(transfer)));

    expect(outcomes.filter((o) => o.created)).toHaveLength(1);
    expect(new Set(outcomes.map((o) => JSON.stringify(o.transfer))).size).toBe(1);
    expect(await countTransfers(transfer.id)).toBe(1);
    expect((await ledger.getUserBalance(userId)).postedCents).toBe(250);
  });

  it('refuses an id reused with other fields, naming them', async () => {
    const { account } = newUser();
    const other = newUser();
    const transfer = cashIn(account, 300);
    await ledger.createTransfer(transfer);

    await expect(ledger.createTransfer({ ...transfer, amountCents: 301 })).rejects.toMatchObject({
      constructor: TransferIdConflictError,
      transferId: transfer.id,
      differingFields: ['amountCents'],
    });
    await expect(ledger.createTransfer({ ...transfer, creditAccount: other.account })).rejects.toBeInstanceOf(
      TransferIdConflictError,
    );
    await expect(ledger.createTransfer({ ...transfer, kind: 'pending' })).rejects.toBeInstanceOf(
      TransferIdConflictError,
    );
    await expect(ledger.createTransfer({ ...transfer, code: 'WIN' })).rejects.toBeInstanceOf(
      TransferIdConflictError,
    );
    expect(await ledger.getUserBalance(other.userId)).toMatchObject({ postedCents: 0 });
  });

  it('refuses an id reused concurrently with other fields: one wins, the rest conflict', async () => {
    const { userId, account } = newUser();
    const id = `cash-in:${randomUUID()}:credit`;

    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => ledger.createTransfer(cashIn(account, 100 + i, id))),
    );

    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(TransferIdConflictError);
    }
    expect(await countTransfers(id)).toBe(1);
    const winner = won[0] as PromiseFulfilledResult<{ transfer: { amountCents: number } }>;
    expect((await ledger.getUserBalance(userId)).postedCents).toBe(winner.value.transfer.amountCents);
  });
});

describe('concurrency', () => {
  it('concurrent holds never overdraw: balance 100, 10 holds of 30 → exactly 3 succeed', async () => {
    const { userId, account } = newUser();
    await ledger.createTransfer(cashIn(account, 100));

    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => ledger.createTransfer(hold(account, 30))),
    );

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(InsufficientFundsError);
    }
    expect(await ledger.getUserBalance(userId)).toEqual({
      userId,
      postedCents: 100,
      pendingDebitCents: 90,
      availableCents: 10,
    });
  });

  it('transfers in opposite directions between two users do not deadlock', async () => {
    const a = newUser();
    const b = newUser();
    await ledger.createTransfer(cashIn(a.account, 1_000));
    await ledger.createTransfer(cashIn(b.account, 1_000));
    const between = (from: string, to: string): NewTransfer => ({
      id: `p2p:${randomUUID()}`,
      debitAccount: from,
      creditAccount: to,
      amountCents: 10,
      kind: 'posted',
      code: 'P2P',
    });

    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        ledger.createTransfer(i % 2 === 0 ? between(a.account, b.account) : between(b.account, a.account)),
      ),
    );

    expect((await ledger.getUserBalance(a.userId)).postedCents).toBe(1_000);
    expect((await ledger.getUserBalance(b.userId)).postedCents).toBe(1_000);
  });
});

describe('checkBalanced', () => {
  it('reports the gap when an account counter disagrees with the journal', async () => {
    const { account } = newUser();
    await ledger.createTransfer(cashIn(account, 10));
    await db.pool.query('UPDATE ledger_accounts SET credits_posted = credits_posted + 7 WHERE id = $1', [
      account,
    ]);
    // Both the debit/credit totals and the account's own journal now disagree by 7.
    expect(await ledger.checkBalanced()).toBe(14);
    await db.pool.query('UPDATE ledger_accounts SET credits_posted = credits_posted - 7 WHERE id = $1', [
      account,
    ]);
  });

  it('the journal is append-only', async () => {
    const { account } = newUser();
    const { transfer } = await ledger.createTransfer(cashIn(account, 10));
    await expect(
      db.pool.query('UPDATE ledger_transfers SET amount = 1 WHERE id = $1', [transfer.id]),
    ).rejects.toThrow(/append-only/);
    await expect(db.pool.query('DELETE FROM ledger_transfers WHERE id = $1', [transfer.id])).rejects.toThrow(
      /append-only/,
    );
  });
});
