/**
 * The operators' side of the client: the ledger integrity check and the holds whose lifecycle is
 * gone. Checks and resolutions run as workflows on the worker (operations/), which holds the PSP's
 * credentials and the ledger; the client starts them and waits. Finding orphaned holds only reads
 * (the ledger and Temporal), so the client does it itself.
 */
import { randomUUID } from 'node:crypto';
import { type Client, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { holdLifecycle, type OrphanedHold } from '../domain/holds';
import { transferIdProblem } from '../domain/ledger';
import type { ValidationProblem } from '../domain/validation';
import {
  type LedgerCheckReport,
  type LedgerCheckSettings,
  manualLedgerCheckWorkflowId,
  type OrphanedHoldOutcome,
  type OrphanedHoldRequest,
  orphanedHoldWorkflowId,
} from '../operations/messages';
import { orphanedAmong } from '../runtime/lifecycle-facts';
import { withinTime } from '../runtime/time-limit';
import { RequestRejectedError, ValidationError, WaitTimeoutError } from './errors';
import type { WalletBooks } from './ledger-client';

/** How long a caller waits for the worker to run an operator's workflow; it goes on after that. */
export const OPERATION_TIMEOUT_MS = 60_000;

/** The workflow's result, or WaitTimeoutError (exit 5) when no worker ran it in time: it runs once one polls. */
async function resultWithin<T>(handle: WorkflowHandle, timeoutMs: number, what: string): Promise<T> {
  const timedOut = () =>
    new WaitTimeoutError(handle.workflowId, timeoutMs, undefined, `run (${what}): is a worker polling?`);
  try {
    return (await withinTime(handle.result(), timeoutMs, timedOut)) as T;
  } catch (err) {
    // The workflow failed (a refusal the activity raised, e.g. no holds with the platform wallet service).
    if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure) {
      const failure = err.cause.cause instanceof ApplicationFailure ? err.cause.cause : err.cause;
      throw new RequestRejectedError(handle.workflowId, `${failure.type}: ${failure.message}`);
    }
    throw err;
  }
}

/** Problems of an operator's decision: who, why, and the PSP transaction they name (if any). */
export function operatorDecisionProblems(decision: {
  reason: unknown;
  resolvedBy: unknown;
  pspTransactionId?: unknown;
}): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  if (typeof decision.reason !== 'string' || decision.reason.trim() === '') {
    problems.push({ field: 'reason', rule: 'must not be blank' });
  }
  if (typeof decision.resolvedBy !== 'string' || decision.resolvedBy.trim() === '') {
    problems.push({ field: 'resolvedBy', rule: 'must not be blank' });
  }
  const id = decision.pspTransactionId;
  if (id !== undefined && !(typeof id === 'string' && /^[\w.:-]{1,128}$/.test(id))) {
    problems.push({ field: 'pspTransactionId', rule: 'must be 1-128 letters, digits and . _ : -' });
  }
  return problems;
}

/** Runs the ledger integrity check now (the same workflow as the daily Schedule) and answers its report. */
export async function verifyLedger(
  temporal: Client,
  taskQueue: string,
  settings: LedgerCheckSettings,
  timeoutMs = OPERATION_TIMEOUT_MS,
): Promise<LedgerCheckReport> {
  const handle = await temporal.workflow.start('ledgerCheckWorkflow', {
    taskQueue,
    workflowId: manualLedgerCheckWorkflowId(
      taskQueue,
      `${new Date().toISOString()}-${randomUUID().slice(0, 8)}`,
    ),
    args: [settings],
    staticSummary: 'Ledger integrity check (pix ledger verify)',
  });
  return resultWithin<LedgerCheckReport>(handle, timeoutMs, 'ledger check');
}

/**
 * Holds whose lifecycle is no longer running (terminated, or ended by a bug with the hold open):
 * nothing will post or void them on their own. null when the wallet is the platform's service,
 * whose holds are in its own books.
 */
export async function listOrphanedHolds(
  temporal: Client,
  books: WalletBooks,
): Promise<OrphanedHold[] | null> {
  const holds = await books.openHolds();
  if (holds === null) return null;
  return orphanedAmong(temporal, holds, (transferId) => books.isOpenHold(transferId));
}

/**
 * Settles an orphaned hold as the PSP's own record says (operations/orphaned-hold.ts): posted,
 * voided, or, when the record proves nothing, refused (RequestRejectedError) with the money left held.
 */
export async function resolveOrphanedHold(
  temporal: Client,
  taskQueue: string,
  request: OrphanedHoldRequest,
  timeoutMs = OPERATION_TIMEOUT_MS,
): Promise<OrphanedHoldOutcome> {
  const problems = operatorDecisionProblems(request);
  const lifecycle = holdLifecycle(request.holdTransferId);
  if (transferIdProblem(request.holdTransferId) || lifecycle === null) {
    problems.unshift({
      field: 'holdTransferId',
      rule: 'must be a hold id as pix review list shows it: cash-out:<ref>:hold or cash-in:<ref>:refund-hold',
    });
  }
  if (problems.length > 0) throw new ValidationError(problems);
  const handle = await temporal.workflow.start('orphanedHoldWorkflow', {
    taskQueue,
    workflowId: orphanedHoldWorkflowId(request.holdTransferId),
    workflowIdConflictPolicy: 'USE_EXISTING',
    args: [request],
    staticSummary: `Orphaned hold ${request.holdTransferId}, by ${request.resolvedBy}`,
  });
  const outcome = await resultWithin<OrphanedHoldOutcome>(handle, timeoutMs, 'hold resolution');
  if (outcome.decision === 'REFUSED') {
    throw new RequestRejectedError(
      lifecycle?.reference ?? request.holdTransferId,
      `hold left as it is: ${outcome.why}`,
    );
  }
  return outcome;
}
