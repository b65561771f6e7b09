/**
 * The operators' workflows (operations/): their ids, inputs and results, shared with the worker
 * (which schedules the ledger check), the client library and the CLI.
 */
import type { OrphanedHold } from '../domain/holds';
import type { LedgerCheckReport, LedgerCheckSettings } from '../domain/ledger-check';

export type { LedgerCheckReport, LedgerCheckSettings };

/** The daily Schedule of the ledger check of one task queue. */
export const ledgerCheckScheduleId = (taskQueue: string): string => `ledger-check:${taskQueue}`;
/** The scheduled runs' workflow id prefix (Temporal appends the scheduled time). */
export const scheduledLedgerCheckWorkflowId = (taskQueue: string): string =>
  `ledger-check-scheduled:${taskQueue}`;
/** A check an operator asked for (`pix ledger verify`). */
export const manualLedgerCheckWorkflowId = (taskQueue: string, id: string): string =>
  `ledger-check-manual:${taskQueue}:${id}`;

/** One resolution attempt per hold at a time; a refused one may be asked again later. */
export const orphanedHoldWorkflowId = (holdTransferId: string): string => `orphaned-hold:${holdTransferId}`;

/** An operator asks to settle a hold whose lifecycle is no longer running, by the PSP's own record. */
export interface OrphanedHoldRequest {
  /** The hold's ledger transfer id, e.g. `cash-out:<reference>:hold` (as `pix review list` shows). */
  holdTransferId: string;
  /** The PSP's transaction id, when the lifecycle never learnt it (checked by GET). */
  pspTransactionId?: string;
  /** What was checked, with whom: recorded in the workflow's history. */
  reason: string;
  resolvedBy: string;
}

/** What became of the hold: moved as the PSP's record says, or left held and why. */
export interface OrphanedHoldOutcome {
  holdTransferId: string;
  decision: 'POSTED' | 'POSTED_AND_RETURNED' | 'VOIDED' | 'REFUSED';
  /** Why this decision: the PSP's status, or what could not be proven. */
  why: string;
  hold: OrphanedHold | null;
  pspTransactionId: string | null;
  pspStatus: string | null;
  resolvedBy: string;
  reason: string;
}

/** What the resolution learns of a hold and its lifecycle before deciding (activities/orphaned-hold.ts). */
export interface OrphanedHoldFacts {
  /** null when no such hold is open (already posted or voided, or never placed). */
  hold: OrphanedHold | null;
  lifecycleRunning: boolean;
  /** The PSP transaction id the lifecycle knew (its status, or its PspTransactionId search attribute). */
  pspTransactionId: string | null;
  /** Whether the lifecycle ever asked the PSP to move this money (a send or refund activity was scheduled). */
  pspAsked: boolean;
}

/** What a lifecycle's Temporal execution says (runtime/lifecycle-facts.ts reads it). */
export interface LifecycleFacts {
  /** RUNNING, COMPLETED, TERMINATED, ..., or NOT_FOUND. */
  status: string;
  pspTransactionId: string | null;
  /** Activity types scheduled in its last run; null when its history cannot be read. */
  scheduledActivities: string[] | null;
}
