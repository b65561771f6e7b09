/**
 * The wallet as a port: everything a payment lifecycle needs from the books that hold its users'
 * money. Two implementations: the built-in PostgreSQL ledger (`ledgerWallet`) and the platform's
 * own wallet service over signed HTTP (`HttpWallet`). Workflows never know which one runs.
 *
 * Every movement carries the transfer id the lifecycle derives (`transferIds` in domain/ledger.ts):
 * applying it again is a no-op that answers the first result (`created: false`). Business refusals
 * reject with `WalletRefusal`; anything else (network, timeout, 5xx, 429, an unreadable answer)
 * with `WalletUnavailableError`, which never means the money did not move.
 */
import type { FinalisationNote, TransferCode, UserBalance } from '../domain/ledger';
import type { Cents } from '../domain/money';
import type { TransferOutcome } from '../ledger/ledger';

export type { TransferOutcome };

export interface WalletMovement {
  /** From `transferIds`, so every retry and replay uses the same id. */
  transferId: string;
  userId: string;
  amountCents: Cents;
  /** The payment's business reference. */
  reference: string;
  code: TransferCode;
}

export interface HoldFinalisation {
  transferId: string;
  /** The hold's transfer id. */
  holdId: string;
  code: TransferCode;
  /** Kept with the finalisation and answered to a later replay of the hold (`finalised.note`). */
  note?: FinalisationNote;
}

export interface WalletPort {
  /** Money in: a cash-in paid, a cash-out returned. */
  credit(movement: WalletMovement): Promise<TransferOutcome>;
  /** Money the PSP already took back (MED): recorded even if the wallet goes below zero. */
  debitReversal(movement: WalletMovement): Promise<TransferOutcome>;
  /**
   * Reserves the amount; INSUFFICIENT_FUNDS when the available balance is short. The same hold
   * applied again after it was posted or voided moves nothing and answers `finalised`.
   */
  hold(movement: WalletMovement): Promise<TransferOutcome>;
  /** The held money leaves for good. */
  post(finalisation: HoldFinalisation): Promise<TransferOutcome>;
  /** The held money is the user's again. */
  void(finalisation: HoldFinalisation): Promise<TransferOutcome>;
  balance(userId: string): Promise<UserBalance>;
  /** What the platform owes its users (the rebalance target): positive balances, holds included. */
  exposureCents(): Promise<Cents>;
}
