/**
 * Ledger vocabulary (TigerBeetle's model): accounts with posted and pending debits/credits,
 * transfers with caller-chosen ids that double as idempotency keys, and two-phase transfers
 * (a `pending` hold later finalised by a `post_pending` or `void_pending` transfer).
 */

import type { Cents } from './money';

/** `user:<userId>` or one of SYSTEM_ACCOUNTS. */
export type AccountId = string;

export const SYSTEM_ACCOUNTS = {
  /**
   * Money held at ConnectPSP (an asset: balance = debits − credits). Its pending credits are the
   * cash-outs in flight: a cash-out hold is a pending transfer user → psp-settlement, so posting
   * it is the whole settlement (one transfer, no second leg that a crash could leave undone).
   */
  pspSettlement: 'system:psp-settlement',
  /** The platform's own result: bets in, wins out. */
  platform: 'system:platform',
} as const;
export type SystemAccountId = (typeof SYSTEM_ACCOUNTS)[keyof typeof SYSTEM_ACCOUNTS];

const USER_PREFIX = 'user:';
const MAX_ID_LENGTH = 200;
const SYSTEM_ACCOUNT_IDS: ReadonlySet<string> = new Set(Object.values(SYSTEM_ACCOUNTS));

export type ParsedAccountId = { kind: 'user'; userId: string } | { kind: 'system'; id: SystemAccountId };

/** Explains why a user id is unusable, or null when it is fine. */
export function userIdProblem(userId: string): string | null {
  if (userId.length === 0) return 'must not be empty';
  if (userId.length > MAX_ID_LENGTH - USER_PREFIX.length) return 'is too long';
  if (/\s/.test(userId)) return 'must not contain whitespace';
  return null;
}

export function userAccountId(userId: string): AccountId {
  const problem = userIdProblem(userId);
  if (problem) throw new RangeError(`user id ${JSON.stringify(userId)} ${problem}`);
  return `${USER_PREFIX}${userId}`;
}

/** Returns null for an id that names no account. */
export function parseAccountId(id: string): ParsedAccountId | null {
  if (SYSTEM_ACCOUNT_IDS.has(id)) return { kind: 'system', id: id as SystemAccountId };
  if (!id.startsWith(USER_PREFIX)) return null;
  const userId = id.slice(USER_PREFIX.length);
  return userIdProblem(userId) ? null : { kind: 'user', userId };
}

/** Short reason of a transfer, kept in the journal for people and reports. */
export const TRANSFER_CODES = [
  'CASH_IN',
  /** The PSP took a cash-in back on its own (MED reversal): the wallet is debited back, even below zero. */
  'MED_REVERSAL',
  /** A refund the platform asked for: the amount is held before the PSP is asked, then posted or voided. */
  'CASH_IN_REFUND_HOLD',
  'CASH_IN_REFUND_POST',
  'CASH_IN_REFUND_VOID',
  'CASH_OUT_HOLD',
  'CASH_OUT_POST',
  'CASH_OUT_VOID',
  'CASH_OUT_RETURN',
  'BET',
  'WIN',
] as const;
export type TransferCode = (typeof TRANSFER_CODES)[number] | (string & {});

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type TransferMetadata = { [key: string]: JsonValue };

/** What a caller asks for: a single-phase (`posted`) transfer or a hold (`pending`). */
export interface NewTransfer {
  /** Unique and derived from the business operation, e.g. `cash-in:<ref>:credit`. */
  id: string;
  debitAccount: AccountId;
  creditAccount: AccountId;
  /** Integer centavos, > 0. */
  amountCents: Cents;
  kind: 'posted' | 'pending';
  code: TransferCode;
  /** Descriptive only: not compared when the same id is applied again (the first one is kept). */
  metadata?: TransferMetadata;
  /**
   * Lets a posted debit take a user's balance below zero. Only for money that has already left
   * (a MED reversal or PSP refund): refusing it would make the ledger disagree with the PSP.
   */
  allowOverdraft?: boolean;
}

export type TransferKind = 'posted' | 'pending' | 'post_pending' | 'void_pending';
export type PendingState = 'pending' | 'posted' | 'voided';

/**
 * What a lifecycle records with the post or void of its hold, so that a re-run of it (a reset, a
 * replay after a bug fix) learns what happened from the ledger: the PSP transaction the hold was
 * for, and why it was given back. No personal data.
 */
export interface FinalisationNote {
  pspTransactionId?: string;
  /** Why a hold was voided: the PSP's failure code, or the lifecycle's (CANCELLED, NOT_SENT, ...). */
  failureCode?: string;
}

/** The note's fields out of a finalisation's stored metadata (anything else there is ignored). */
export function finalisationNoteOf(metadata: TransferMetadata | undefined): FinalisationNote {
  const note: FinalisationNote = {};
  if (typeof metadata?.pspTransactionId === 'string') note.pspTransactionId = metadata.pspTransactionId;
  if (typeof metadata?.failureCode === 'string') note.failureCode = metadata.failureCode;
  return note;
}

/**
 * A hold applied again after it was posted or voided: its final state, the transfer that
 * finalised it, and what was recorded with that finalisation.
 */
export interface HoldFinalised {
  state: Exclude<PendingState, 'pending'>;
  transferId: string;
  note: FinalisationNote;
}

/** A journal entry as stored; JSON-serialisable (activities return it). */
export interface LedgerTransfer {
  id: string;
  debitAccount: AccountId;
  creditAccount: AccountId;
  amountCents: Cents;
  kind: TransferKind;
  /** For post_pending / void_pending: the hold it finalises. */
  pendingId?: string;
  code: TransferCode;
  metadata?: TransferMetadata;
  /** ISO-8601. */
  createdAt: string;
}

export interface AccountBalances {
  accountId: AccountId;
  debitsPostedCents: Cents;
  creditsPostedCents: Cents;
  debitsPendingCents: Cents;
  creditsPendingCents: Cents;
}

/** A wallet is the platform's liability to the user: its balance is credits − debits. */
export interface UserBalance {
  userId: string;
  postedCents: Cents;
  /** Held by pending cash-outs: still the user's money, no longer spendable. */
  pendingDebitCents: Cents;
  availableCents: Cents;
}

export function userBalanceFrom(userId: string, balances: AccountBalances): UserBalance {
  const postedCents = balances.creditsPostedCents - balances.debitsPostedCents;
  return {
    userId,
    postedCents,
    pendingDebitCents: balances.debitsPendingCents,
    availableCents: postedCents - balances.debitsPendingCents,
  };
}

export function emptyBalances(accountId: AccountId): AccountBalances {
  return {
    accountId,
    debitsPostedCents: 0,
    creditsPostedCents: 0,
    debitsPendingCents: 0,
    creditsPendingCents: 0,
  };
}

/** Transfer ids of each lifecycle step, so workflows and activities derive the same id. */
export const transferIds = {
  cashInCredit: (reference: string) => `cash-in:${reference}:credit`,
  cashInReversal: (reference: string) => `cash-in:${reference}:reversal`,
  cashInRefundHold: (reference: string) => `cash-in:${reference}:refund-hold`,
  cashInRefundPost: (reference: string) => `cash-in:${reference}:refund-post`,
  cashInRefundVoid: (reference: string) => `cash-in:${reference}:refund-void`,
  cashOutHold: (reference: string) => `cash-out:${reference}:hold`,
  cashOutPost: (reference: string) => `cash-out:${reference}:post`,
  cashOutVoid: (reference: string) => `cash-out:${reference}:void`,
  cashOutReturn: (reference: string) => `cash-out:${reference}:return`,
} as const;

/** The payment lifecycles' transfer ids start with these (transferIds above); nothing else may. */
export const LIFECYCLE_TRANSFER_ID_PREFIXES = ['cash-in:', 'cash-out:'] as const;

/**
 * Explains why an id is unusable for a platform movement (a bet, a win), or null: besides its
 * shape, a lifecycle's namespace is refused, or a bet named `cash-in:R:credit` would take the id
 * that lifecycle's credit needs, and the credit would later be refused as a conflict.
 */
export function platformMovementIdProblem(id: string): string | null {
  const shape = transferIdProblem(id);
  if (shape) return shape;
  if (LIFECYCLE_TRANSFER_ID_PREFIXES.some((prefix) => id.startsWith(prefix))) {
    return `must not start with ${LIFECYCLE_TRANSFER_ID_PREFIXES.join(' or ')} (reserved for payment lifecycles)`;
  }
  return null;
}

/** Explains why a transfer id is unusable, or null when it is fine. */
export function transferIdProblem(id: string): string | null {
  if (id.length === 0) return 'must not be empty';
  if (id.length > MAX_ID_LENGTH) return `must be at most ${MAX_ID_LENGTH} characters`;
  return null;
}

/**
 * ApplicationFailure types the ledger (wallet) activities raise (all non-retryable), for workflows
 * to branch on; the same whichever wallet implementation runs (wallet/port.ts).
 */
export const LEDGER_FAILURE_TYPES = {
  insufficientFunds: 'USER_INSUFFICIENT_FUNDS',
  /** The platform's wallet service does not know the user (the built-in ledger opens wallets on first use). */
  unknownUser: 'WALLET_UNKNOWN_USER',
  transferIdConflict: 'LEDGER_TRANSFER_ID_CONFLICT',
  pendingNotFound: 'LEDGER_PENDING_NOT_FOUND',
  pendingAlreadyFinalised: 'LEDGER_PENDING_ALREADY_FINALISED',
  invalidInput: 'LEDGER_INVALID_INPUT',
} as const;
