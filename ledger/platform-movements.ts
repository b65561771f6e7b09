import { platformMovementIdProblem, SYSTEM_ACCOUNTS, userAccountId } from '../domain/ledger';
import type { Cents } from '../domain/money';
import { LedgerInputError } from './errors';
import type { Ledger, TransferOutcome } from './ledger';

export interface PlatformMovement {
  /** Caller-chosen and unique per bet/win, e.g. `bet:<betId>`. */
  id: string;
  userId: string;
  amountCents: Cents;
}

/** A stake leaves the wallet for the platform; refused with InsufficientFundsError when available is short. */
export async function recordBet(ledger: Ledger, movement: PlatformMovement): Promise<TransferOutcome> {
  checkId(movement.id);
  return ledger.createTransfer({
    id: movement.id,
    debitAccount: userAccountId(movement.userId),
    creditAccount: SYSTEM_ACCOUNTS.platform,
    amountCents: movement.amountCents,
    kind: 'posted',
    code: 'BET',
  });
}

/** A prize the platform pays into the wallet. */
export async function recordWin(ledger: Ledger, movement: PlatformMovement): Promise<TransferOutcome> {
  checkId(movement.id);
  return ledger.createTransfer({
    id: movement.id,
    debitAccount: SYSTEM_ACCOUNTS.platform,
    creditAccount: userAccountId(movement.userId),
    amountCents: movement.amountCents,
    kind: 'posted',
    code: 'WIN',
  });
}

function checkId(id: string): void {
  const problem = platformMovementIdProblem(id);
  if (problem) throw new LedgerInputError(`movement id ${JSON.stringify(id)} ${problem}`);
}
