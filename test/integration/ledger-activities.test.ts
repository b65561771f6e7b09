import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLedgerActivities, type LedgerActivities } from '../../activities/ledger';
import { LEDGER_FAILURE_TYPES, SYSTEM_ACCOUNTS, transferIds } from '../../domain/ledger';
import { ledgerWallet } from '../../wallet/ledger-wallet';
import { type FreshLedgerDatabase, freshLedgerDatabase } from '../helpers/ledger-db';

let db: FreshLedgerDatabase;
let activities: LedgerActivities;

beforeAll(async () => {
  db = await freshLedgerDatabase();
  activities = createLedgerActivities({ wallet: ledgerWallet(db.ledger) });
});
afterEach(async () => {
  expect(await db.ledger.checkBalanced()).toBe(0);
});
afterAll(async () => {
  await db?.drop();
});

function walletMovement(userId: string, amountCents: number, transferId: (reference: string) => string) {
  const reference = randomUUID();
  return { transferId: transferId(reference), userId, amountCents, reference };
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

describe('ledger activities', () => {
  it('cash-in credits the wallet once, keeping the reference', async () => {
    const userId = randomUUID();
    const input = walletMovement(userId, 5_000, transferIds.cashInCredit);

    const first = await activities.creditCashIn(input);
    const retried = await activities.creditCashIn(input);

    expect(first.transfer).toMatchObject({ id: `cash-in:${input.reference}:credit`, code: 'CASH_IN' });
    expect(first.transfer.metadata).toEqual({ reference: input.reference });
    expect(retried).toEqual({ transfer: first.transfer, created: false });
    expect(await db.ledger.getUserBalance(userId)).toMatchObject({
      postedCents: 5_000,
      availableCents: 5_000,
    });
    // Activity results cross Temporal's JSON payload converter unchanged.
    expect(JSON.parse(JSON.stringify(first))).toEqual(first);
  });

  it('cash-out hold → post settles against the PSP settlement account in one post', async () => {
    const userId = randomUUID();
    await activities.creditCashIn(walletMovement(userId, 1_000, transferIds.cashInCredit));
    const settlementBefore = await db.ledger.getBalances(SYSTEM_ACCOUNTS.pspSettlement);
    const hold = walletMovement(userId, 700, transferIds.cashOutHold);

    await activities.holdCashOut(hold);
    expect(await db.ledger.getUserBalance(userId)).toMatchObject({
      availableCents: 300,
      pendingDebitCents: 700,
    });
    const inFlight = await db.ledger.getBalances(SYSTEM_ACCOUNTS.pspSettlement);
    expect(inFlight.creditsPendingCents - settlementBefore.creditsPendingCents).toBe(700);

    const post = { transferId: transferIds.cashOutPost(hold.reference), pendingId: hold.transferId };
    expect((await activities.postCashOut(post)).transfer.code).toBe('CASH_OUT_POST');
    expect((await activities.postCashOut(post)).created).toBe(false);

    expect(await db.ledger.getUserBalance(userId)).toMatchObject({ postedCents: 300, pendingDebitCents: 0 });
    const settled = await db.ledger.getBalances(SYSTEM_ACCOUNTS.pspSettlement);
    expect(settled.creditsPendingCents).toBe(settlementBefore.creditsPendingCents);
    expect(settled.creditsPostedCents - settlementBefore.creditsPostedCents).toBe(700);

    await activities.creditCashOutReturn({ ...hold, transferId: transferIds.cashOutReturn(hold.reference) });
    expect(await db.ledger.getUserBalance(userId)).toMatchObject({ postedCents: 1_000 });
  });

  it('a voided cash-out gives the hold back', async () => {
    const userId = randomUUID();
    await activities.creditCashIn(walletMovement(userId, 1_000, transferIds.cashInCredit));
    const hold = walletMovement(userId, 1_000, transferIds.cashOutHold);
    await activities.holdCashOut(hold);

    const voided = await activities.voidCashOut({
      transferId: transferIds.cashOutVoid(hold.reference),
      pendingId: hold.transferId,
    });

    expect(voided.transfer).toMatchObject({ kind: 'void_pending', code: 'CASH_OUT_VOID' });
    expect(await db.ledger.getUserBalance(userId)).toMatchObject({
      availableCents: 1_000,
      pendingDebitCents: 0,
    });
    const late = await failureOf(
      activities.postCashOut({
        transferId: transferIds.cashOutPost(hold.reference),
        pendingId: hold.transferId,
      }),
    );
    expect(late).toMatchObject({ type: LEDGER_FAILURE_TYPES.pendingAlreadyFinalised, nonRetryable: true });
  });

  it('a hold applied again after it was voided is refused, unless its caller asked to learn what became of it', async () => {
    const userId = randomUUID();
    await activities.creditCashIn(walletMovement(userId, 1_000, transferIds.cashInCredit));
    for (const [hold, finalise] of [
      [walletMovement(userId, 400, transferIds.cashInRefundHold), activities.voidCashInRefund],
      [walletMovement(userId, 400, transferIds.cashOutHold), activities.voidCashOut],
    ] as const) {
      await (hold.transferId.endsWith(':hold') ? activities.holdCashOut : activities.holdCashInRefund)(hold);
      await finalise({ transferId: `${hold.transferId}:void`, pendingId: hold.transferId });
      // A caller that ignores `finalised` (a refund asked again, a lifecycle before reset-converges)
      // would take it for a new hold and send the money out: it gets the refusal instead.
      const again = hold.transferId.endsWith(':hold') ? activities.holdCashOut : activities.holdCashInRefund;
      const refused = await failureOf(again(hold));
      expect(refused).toMatchObject({
        type: LEDGER_FAILURE_TYPES.pendingAlreadyFinalised,
        nonRetryable: true,
      });
      expect(refused.message).toContain('was already voided');
    }
    const answered = walletMovement(userId, 300, transferIds.cashOutHold);
    await activities.holdCashOut(answered);
    await activities.voidCashOut({
      transferId: `${answered.transferId}:void`,
      pendingId: answered.transferId,
    });
    expect((await activities.holdCashOut({ ...answered, answersFinalised: true })).finalised).toMatchObject({
      state: 'voided',
    });
    expect(await db.ledger.getUserBalance(userId)).toMatchObject({
      availableCents: 1_000,
      pendingDebitCents: 0,
    });
  });

  it('an insufficient balance fails the hold with non-retryable USER_INSUFFICIENT_FUNDS', async () => {
    const userId = randomUUID();
    await activities.creditCashIn(walletMovement(userId, 100, transferIds.cashInCredit));

    const failure = await failureOf(
      activities.holdCashOut(walletMovement(userId, 101, transferIds.cashOutHold)),
    );

    expect(failure.type).toBe('USER_INSUFFICIENT_FUNDS');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.details).toEqual([{ availableCents: 100, requestedCents: 101 }]);
    expect(await db.ledger.getUserBalance(userId)).toMatchObject({
      availableCents: 100,
      pendingDebitCents: 0,
    });
  });

  it('a cash-in reversal is recorded even when the money was spent', async () => {
    const userId = randomUUID();
    const credit = walletMovement(userId, 800, transferIds.cashInCredit);
    await activities.creditCashIn(credit);
    await activities.holdCashOut(walletMovement(userId, 500, transferIds.cashOutHold));

    const reversal = await activities.debitCashInReversal({
      ...credit,
      transferId: transferIds.cashInReversal(credit.reference),
    });

    expect(reversal.transfer.code).toBe('MED_REVERSAL');
    expect(await db.ledger.getUserBalance(userId)).toEqual({
      userId,
      postedCents: 0,
      pendingDebitCents: 500,
      availableCents: -500,
    });
  });

  it('ledger refusals are non-retryable and typed; exposure is readable', async () => {
    const userId = randomUUID();
    const credit = walletMovement(userId, 100, transferIds.cashInCredit);
    await activities.creditCashIn(credit);

    const conflict = await failureOf(activities.creditCashIn({ ...credit, amountCents: 200 }));
    expect(conflict).toMatchObject({ type: LEDGER_FAILURE_TYPES.transferIdConflict, nonRetryable: true });
    const missing = await failureOf(
      activities.voidCashOut({ transferId: randomUUID(), pendingId: randomUUID() }),
    );
    expect(missing).toMatchObject({ type: LEDGER_FAILURE_TYPES.pendingNotFound, nonRetryable: true });
    const invalid = await failureOf(
      activities.creditCashIn({ ...credit, transferId: randomUUID(), userId: 'a b' }),
    );
    expect(invalid).toMatchObject({ type: LEDGER_FAILURE_TYPES.invalidInput, nonRetryable: true });
    expect(await db.ledger.exposureCents()).toBeGreaterThanOrEqual(100);
  });

  it('database trouble stays retryable', async () => {
    const damaged = await freshLedgerDatabase();
    try {
      await damaged.pool.query('DROP TABLE ledger_transfers');
      const broken = createLedgerActivities({ wallet: ledgerWallet(damaged.ledger) });

      const error = await broken
        .creditCashIn(walletMovement(randomUUID(), 1, transferIds.cashInCredit))
        .catch((err: unknown) => err);

      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(ApplicationFailure);
    } finally {
      await damaged.drop();
    }
  });
});
