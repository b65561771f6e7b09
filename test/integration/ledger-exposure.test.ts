import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACCOUNTS, userAccountId } from '../../domain/ledger';
import { InsufficientFundsError, LedgerInputError } from '../../ledger/errors';
import type { Ledger } from '../../ledger/ledger';
import { recordBet, recordWin } from '../../ledger/platform-movements';
import { type FreshLedgerDatabase, freshLedgerDatabase } from '../helpers/ledger-db';

// Exposure sums every wallet in the database, so each test gets a database of its own.
let db: FreshLedgerDatabase;
let ledger: Ledger;

beforeEach(async () => {
  db = await freshLedgerDatabase();
  ledger = db.ledger;
});
afterEach(async () => {
  expect(await ledger.checkBalanced()).toBe(0);
  await db.drop();
});

async function cashIn(userId: string, amountCents: number, id: string): Promise<void> {
  await ledger.createTransfer({
    id,
    debitAccount: SYSTEM_ACCOUNTS.pspSettlement,
    creditAccount: userAccountId(userId),
    amountCents,
    kind: 'posted',
    code: 'CASH_IN',
  });
}

async function sumOfUserBalances(userIds: string[]): Promise<number> {
  const balances = await Promise.all(userIds.map((id) => ledger.getUserBalance(id)));
  return balances.reduce((sum, b) => sum + b.postedCents, 0);
}

describe('exposure', () => {
  it('is zero on an empty ledger', async () => {
    expect(await ledger.exposureCents()).toBe(0);
  });

  it('includes funds held by pending cash-outs and equals the sum of user balances', async () => {
    await cashIn('ana', 1_000, 'cash-in:a:credit');
    await cashIn('bia', 2_500, 'cash-in:b:credit');
    await ledger.createTransfer({
      id: 'cash-out:x:hold',
      debitAccount: userAccountId('ana'),
      creditAccount: SYSTEM_ACCOUNTS.pspSettlement,
      amountCents: 400,
      kind: 'pending',
      code: 'CASH_OUT_HOLD',
    });

    expect(await ledger.exposureCents()).toBe(3_500);
    expect(await ledger.exposureCents()).toBe(await sumOfUserBalances(['ana', 'bia']));

    await ledger.postPending('cash-out:x:post', 'cash-out:x:hold');
    expect(await ledger.exposureCents()).toBe(3_100);
    expect(await ledger.exposureCents()).toBe(await sumOfUserBalances(['ana', 'bia']));
  });

  it('a wallet overdrawn by a reversal does not lower what is owed to the others', async () => {
    await cashIn('ana', 1_000, 'cash-in:a:credit');
    await cashIn('bia', 300, 'cash-in:b:credit');
    await recordBet(ledger, { id: 'bet:b1', userId: 'bia', amountCents: 300 });
    await ledger.createTransfer({
      id: 'cash-in:b:reversal',
      debitAccount: userAccountId('bia'),
      creditAccount: SYSTEM_ACCOUNTS.pspSettlement,
      amountCents: 300,
      kind: 'posted',
      code: 'MED_REVERSAL',
      allowOverdraft: true,
    });

    expect((await ledger.getUserBalance('bia')).postedCents).toBe(-300);
    expect(await ledger.exposureCents()).toBe(1_000);
  });
});

describe('bets and wins', () => {
  it('a bet lowers exposure and a win raises it, against the platform account', async () => {
    await cashIn('ana', 1_000, 'cash-in:a:credit');

    await recordBet(ledger, { id: 'bet:1', userId: 'ana', amountCents: 250 });
    expect(await ledger.exposureCents()).toBe(750);

    await recordWin(ledger, { id: 'win:1', userId: 'ana', amountCents: 600 });
    expect(await ledger.exposureCents()).toBe(1_350);
    expect(await ledger.getUserBalance('ana')).toMatchObject({ postedCents: 1_350, availableCents: 1_350 });
    expect(await ledger.getBalances(SYSTEM_ACCOUNTS.platform)).toMatchObject({
      creditsPostedCents: 250,
      debitsPostedCents: 600,
    });
  });

  it('refuses a bet beyond the available balance, held funds excluded', async () => {
    await cashIn('ana', 500, 'cash-in:a:credit');
    await ledger.createTransfer({
      id: 'cash-out:y:hold',
      debitAccount: userAccountId('ana'),
      creditAccount: SYSTEM_ACCOUNTS.pspSettlement,
      amountCents: 300,
      kind: 'pending',
      code: 'CASH_OUT_HOLD',
    });

    await expect(recordBet(ledger, { id: 'bet:2', userId: 'ana', amountCents: 201 })).rejects.toBeInstanceOf(
      InsufficientFundsError,
    );
    expect(await ledger.exposureCents()).toBe(500);
    const replayed = await recordBet(ledger, { id: 'bet:3', userId: 'ana', amountCents: 200 });
    expect((await recordBet(ledger, { id: 'bet:3', userId: 'ana', amountCents: 200 })).created).toBe(false);
    expect(replayed.created).toBe(true);
    expect(await ledger.exposureCents()).toBe(300);
  });

  it("refuses a bet or win id in a payment lifecycle's namespace, which would take that lifecycle's transfer", async () => {
    await recordWin(ledger, { id: 'win:seed', userId: 'cai', amountCents: 1_000 });
    for (const id of ['cash-in:order-1:credit', 'cash-out:payout-1:hold']) {
      await expect(recordBet(ledger, { id, userId: 'cai', amountCents: 100 })).rejects.toThrow(
        /reserved for payment lifecycles/,
      );
      await expect(recordWin(ledger, { id, userId: 'cai', amountCents: 100 })).rejects.toBeInstanceOf(
        LedgerInputError,
      );
    }
    expect(await ledger.listTransfers({ accountId: userAccountId('cai'), limit: 10 })).toHaveLength(1);
    expect((await ledger.getUserBalance('cai')).postedCents).toBe(1_000);
  });
});
