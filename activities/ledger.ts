import { ApplicationFailure } from '@temporalio/common';
import { type FinalisationNote, LEDGER_FAILURE_TYPES, type TransferCode } from '../domain/ledger';
import type { Cents } from '../domain/money';
import type { WalletRefusalCode } from '../domain/platform-wallet/wire';
import { WalletRefusal, WalletUnavailableError } from '../wallet/errors';
import type { TransferOutcome, WalletPort } from '../wallet/port';

export interface WalletMovementInput {
  /** From `transferIds` in domain/ledger.ts, so every retry and replay uses the same id. */
  transferId: string;
  userId: string;
  amountCents: Cents;
  /** The business reference (externalReference); kept in the transfer's metadata. */
  reference: string;
  /**
   * A hold only: answer `finalised` when this hold was already posted or voided. Only a caller that
   * acts on that answer sets it (cash-outs since reset-converges); any other caller gets the
   * refusal it always got (HOLD_ALREADY_FINALISED), never a finalised hold taken for a new one.
   */
  answersFinalised?: boolean;
}

export interface FinaliseHoldInput {
  transferId: string;
  /** The hold's transfer id. */
  pendingId: string;
  /** What a re-run of the lifecycle should learn from the hold's replay (lifecycles since reset-converges). */
  note?: FinalisationNote;
}

/** The retryable failure type of a wallet that gave no usable answer (the HTTP wallet only). */
export const WALLET_UNAVAILABLE = 'WALLET_UNAVAILABLE';

/**
 * The wallet activities of the workflows, over the wallet port (wallet/port.ts): the built-in
 * ledger or the platform's wallet service, whichever the worker was given. Their names, inputs and
 * results predate the port and stay as they are, so recorded histories replay. Refusals become
 * non-retryable ApplicationFailures typed by LEDGER_FAILURE_TYPES; anything else retries.
 */
export function createLedgerActivities({ wallet }: { wallet: WalletPort }) {
  const movement =
    (apply: 'credit' | 'debitReversal' | 'hold', code: TransferCode) =>
    (input: WalletMovementInput): Promise<TransferOutcome> =>
      asActivity(async () => {
        const outcome = await wallet[apply]({
          transferId: input.transferId,
          userId: input.userId,
          amountCents: input.amountCents,
          reference: input.reference,
          code,
        });
        if (outcome.finalised && !input.answersFinalised) {
          throw new WalletRefusal(
            'HOLD_ALREADY_FINALISED',
            `hold ${input.transferId} was already ${outcome.finalised.state}; it is not placed again`,
          );
        }
        return outcome;
      });
  const finaliseHold =
    (how: 'post' | 'void', code: TransferCode) =>
    (input: FinaliseHoldInput): Promise<TransferOutcome> =>
      asActivity(() =>
        wallet[how]({
          transferId: input.transferId,
          holdId: input.pendingId,
          code,
          ...(input.note ? { note: input.note } : {}),
        }),
      );

  return {
    creditCashIn: movement('credit', 'CASH_IN'),

    /** The PSP took a cash-in back on its own (MED): recorded even if the wallet goes negative. */
    debitCashInReversal: movement('debitReversal', 'MED_REVERSAL'),

    /** Fails with USER_INSUFFICIENT_FUNDS (non-retryable) when the available balance is short. */
    holdCashOut: movement('hold', 'CASH_OUT_HOLD'),
    postCashOut: finaliseHold('post', 'CASH_OUT_POST'),
    voidCashOut: finaliseHold('void', 'CASH_OUT_VOID'),

    /** A refund the platform asked for holds its amount first; USER_INSUFFICIENT_FUNDS when already spent. */
    holdCashInRefund: movement('hold', 'CASH_IN_REFUND_HOLD'),
    postCashInRefund: finaliseHold('post', 'CASH_IN_REFUND_POST'),
    voidCashInRefund: finaliseHold('void', 'CASH_IN_REFUND_VOID'),

    /** A settled cash-out came back (CASHOUT_REFUNDED): the money is the user's again. */
    creditCashOutReturn: movement('credit', 'CASH_OUT_RETURN'),
  };
}

export type LedgerActivities = ReturnType<typeof createLedgerActivities>;

const FAILURE_TYPE_OF_REFUSAL: Record<WalletRefusalCode, string> = {
  INSUFFICIENT_FUNDS: LEDGER_FAILURE_TYPES.insufficientFunds,
  UNKNOWN_USER: LEDGER_FAILURE_TYPES.unknownUser,
  TRANSFER_ID_CONFLICT: LEDGER_FAILURE_TYPES.transferIdConflict,
  HOLD_NOT_FOUND: LEDGER_FAILURE_TYPES.pendingNotFound,
  HOLD_ALREADY_FINALISED: LEDGER_FAILURE_TYPES.pendingAlreadyFinalised,
  INVALID_REQUEST: LEDGER_FAILURE_TYPES.invalidInput,
};

async function asActivity<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw toApplicationFailure(err);
  }
}

function toApplicationFailure(err: unknown): unknown {
  if (err instanceof WalletRefusal) {
    const details = Object.keys(err.details).length > 0 ? [err.details] : undefined;
    return ApplicationFailure.create({
      type: FAILURE_TYPE_OF_REFUSAL[err.code],
      message: err.message,
      nonRetryable: true,
      details,
      cause: err,
    });
  }
  if (err instanceof WalletUnavailableError) {
    return ApplicationFailure.create({
      type: WALLET_UNAVAILABLE,
      message: err.message,
      nonRetryable: false,
      ...(err.retryAfterMs === undefined ? {} : { nextRetryDelay: err.retryAfterMs }),
      cause: err,
    });
  }
  return err;
}
