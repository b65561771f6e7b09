import { ApplicationFailure } from '@temporalio/common';
import { LEDGER_FAILURE_TYPES, SYSTEM_ACCOUNTS, type TransferCode, userAccountId } from '../domain/ledger';
import type { Cents } from '../domain/money';
import {
  InsufficientFundsError,
  LedgerInputError,
  PendingTransferAlreadyFinalisedError,
  PendingTransferNotFoundError,
  TransferIdConflictError,
} from '../ledger/errors';
import type { Ledger, TransferOutcome } from '../ledger/ledger';

export interface WalletMovementInput {
  /** From `transferIds` in domain/ledger.ts, so every retry and replay uses the same id. */
  transferId: string;
  userId: string;
  amountCents: Cents;
  /** The business reference (externalReference); kept in the transfer's metadata. */
  reference: string;
}

export interface FinaliseHoldInput {
  transferId: string;
  /** The hold's transfer id. */
  pendingId: string;
}

/**
 * Ledger activities for the workflows. The PSP settlement account is the counterpart of every
 * wallet movement; a cash-out hold is a pending transfer user → psp-settlement, so posting it
 * settles the cash-out in one step (the settlement account's pending credits are the money in
 * flight). Ledger refusals become non-retryable ApplicationFailures typed by LEDGER_FAILURE_TYPES;
 * database trouble stays retryable.
 */
export function createLedgerActivities({ ledger }: { ledger: Ledger }) {
  /**
   * A transfer between a user's wallet and the PSP settlement account: `toWallet` credits the user,
   * otherwise the wallet is debited (refused when short, unless `allowOverdraft`).
   */
  const settlementMovement =
    (spec: { toWallet: boolean; kind: 'posted' | 'pending'; code: TransferCode; allowOverdraft?: true }) =>
    (input: WalletMovementInput): Promise<TransferOutcome> =>
      asActivity(() => {
        // Inside asActivity: an unusable user id becomes a typed, non-retryable failure.
        const wallet = userAccountId(input.userId);
        return ledger.createTransfer({
          id: input.transferId,
          debitAccount: spec.toWallet ? SYSTEM_ACCOUNTS.pspSettlement : wallet,
          creditAccount: spec.toWallet ? wallet : SYSTEM_ACCOUNTS.pspSettlement,
          amountCents: input.amountCents,
          kind: spec.kind,
          code: spec.code,
          metadata: { reference: input.reference },
          ...(spec.allowOverdraft ? { allowOverdraft: true } : {}),
        });
      });
  const finaliseHold =
    (how: 'post' | 'void', code: TransferCode) =>
    (input: FinaliseHoldInput): Promise<TransferOutcome> =>
      asActivity(() =>
        how === 'post'
          ? ledger.postPending(input.transferId, input.pendingId, { code })
          : ledger.voidPending(input.transferId, input.pendingId, { code }),
      );

  return {
    creditCashIn: settlementMovement({ toWallet: true, kind: 'posted', code: 'CASH_IN' }),

    /** The PSP took a cash-in back on its own (MED): recorded even if the wallet goes negative. */
    debitCashInReversal: settlementMovement({
      toWallet: false,
      kind: 'posted',
      code: 'MED_REVERSAL',
      allowOverdraft: true,
    }),

    /** Fails with USER_INSUFFICIENT_FUNDS (non-retryable) when the available balance is short. */
    holdCashOut: settlementMovement({ toWallet: false, kind: 'pending', code: 'CASH_OUT_HOLD' }),
    postCashOut: finaliseHold('post', 'CASH_OUT_POST'),
    voidCashOut: finaliseHold('void', 'CASH_OUT_VOID'),

    /** A refund the platform asked for holds its amount first; USER_INSUFFICIENT_FUNDS when already spent. */
    holdCashInRefund: settlementMovement({ toWallet: false, kind: 'pending', code: 'CASH_IN_REFUND_HOLD' }),
    postCashInRefund: finaliseHold('post', 'CASH_IN_REFUND_POST'),
    voidCashInRefund: finaliseHold('void', 'CASH_IN_REFUND_VOID'),

    /** A settled cash-out came back (CASHOUT_REFUNDED): the money is the user's again. */
    creditCashOutReturn: settlementMovement({ toWallet: true, kind: 'posted', code: 'CASH_OUT_RETURN' }),
  };
}

export type LedgerActivities = ReturnType<typeof createLedgerActivities>;

async function asActivity<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw toApplicationFailure(err);
  }
}

function toApplicationFailure(err: unknown): unknown {
  const nonRetryable = (type: string, error: Error, details?: Record<string, unknown>) =>
    ApplicationFailure.create({
      type,
      message: error.message,
      nonRetryable: true,
      details: details ? [details] : undefined,
      cause: error,
    });
  if (err instanceof InsufficientFundsError) {
    return nonRetryable(LEDGER_FAILURE_TYPES.insufficientFunds, err, {
      availableCents: err.availableCents,
      requestedCents: err.requestedCents,
    });
  }
  if (err instanceof TransferIdConflictError) {
    return nonRetryable(LEDGER_FAILURE_TYPES.transferIdConflict, err, {
      differingFields: err.differingFields,
    });
  }
  if (err instanceof PendingTransferNotFoundError)
    return nonRetryable(LEDGER_FAILURE_TYPES.pendingNotFound, err);
  if (err instanceof PendingTransferAlreadyFinalisedError) {
    return nonRetryable(LEDGER_FAILURE_TYPES.pendingAlreadyFinalised, err, {
      state: err.state,
      finalisedBy: err.finalisedBy,
    });
  }
  // RangeError: a user id userAccountId rejects.
  if (err instanceof LedgerInputError || err instanceof RangeError) {
    return nonRetryable(LEDGER_FAILURE_TYPES.invalidInput, err);
  }
  return err;
}
