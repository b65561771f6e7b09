import type { AccountId, LedgerTransfer, PendingState } from '../domain/ledger';
import type { Cents } from '../domain/money';

/** Base of every error the ledger raises on purpose; none of them can be fixed by retrying. */
export class LedgerError extends Error {
  override name = 'LedgerError';
}

/** Input the ledger can never accept (bad amount, unknown account, same account twice, ...). */
export class LedgerInputError extends LedgerError {
  override name = 'LedgerInputError';
}

/** The id is already used by a transfer with different fields: two operations derived the same id. */
export class TransferIdConflictError extends LedgerError {
  override name = 'TransferIdConflictError';
  constructor(
    readonly transferId: string,
    readonly differingFields: readonly string[],
    readonly existing: LedgerTransfer,
  ) {
    super(
      `transfer id ${transferId} is already used by a transfer with a different ${differingFields.join(', ')}`,
    );
  }
}

/** A user debit would take the available balance below zero; nothing was written. */
export class InsufficientFundsError extends LedgerError {
  override name = 'InsufficientFundsError';
  constructor(
    readonly accountId: AccountId,
    readonly availableCents: Cents,
    readonly requestedCents: Cents,
  ) {
    super(`account ${accountId} has ${availableCents} cents available, ${requestedCents} requested`);
  }
}

/** post/void of an id that is not a pending transfer. */
export class PendingTransferNotFoundError extends LedgerError {
  override name = 'PendingTransferNotFoundError';
  constructor(readonly pendingId: string) {
    super(`no pending transfer ${pendingId}`);
  }
}

/** post/void of a pending transfer another transfer already posted or voided. */
export class PendingTransferAlreadyFinalisedError extends LedgerError {
  override name = 'PendingTransferAlreadyFinalisedError';
  constructor(
    readonly pendingId: string,
    readonly state: Exclude<PendingState, 'pending'>,
    readonly finalisedBy: string,
  ) {
    super(`pending transfer ${pendingId} was already ${state} by transfer ${finalisedBy}`);
  }
}
