/**
 * Small pieces every payment workflow shares: recording a state change (timeline + search
 * attribute), reading the type of an activity failure, ending a lifecycle,
 * and the late-event watch window.
 */
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { SEARCH_ATTRIBUTE_KEYS } from '../domain/search-attributes';
import {
  DEFAULT_CLOSE_GRACE_SECONDS,
  DEFAULT_LATE_EVENT_RECONCILE_HOURS,
  DEFAULT_LATE_EVENT_WATCH_DAYS,
} from './inputs';
import {
  type AwaitStateRequest,
  isTerminalState,
  MAX_AWAIT_STATE_SECONDS,
  type PaymentFailure,
  REFERENCE_IN_USE,
  type TimelineEntry,
} from './messages';

/**
 * Lifecycles started since this patch prove every outcome before money moves: webhooks are
 * confirmed by GET, an unproven send or refund goes to NEEDS_REVIEW and is retried with the same
 * key, waits for the PSP have deadlines, input validation is recorded. Older ones replay as they ran.
 */
export const PROVEN_OUTCOMES_PATCH = 'proven-outcomes';

/**
 * Lifecycles started (or continued as new) since this patch complete a short grace window after
 * settling instead of watching for late events for 90 days; what happens later runs in a
 * late-event workflow of its own (workflows/late-event.ts), and a batched sweep catches lost
 * late webhooks. Older lifecycles keep watching as they did.
 */
export const CLOSE_AT_TERMINAL_PATCH = 'close-at-terminal';

/**
 * Lifecycles started since this patch converge when run again (a reset in the Web UI, a re-run
 * after a bug fix): a cash-out whose hold the wallet answers as already posted or voided follows
 * what the ledger recorded with it instead of failing, never sending a given-back hold again; and
 * each post or void of a cash-out hold records the PSP transaction and why (FinalisationNote).
 */
export const RESET_CONVERGES_PATCH = 'reset-converges';

/**
 * This run re-executes an earlier one (the Web UI's Reset): the run id differs from the one its
 * start event recorded. What the earlier run did (a hold, a send, a charge) may already be at the
 * PSP, whatever this run has done so far.
 */
export function isResetRun(): boolean {
  const info = workflowInfo();
  return info.runId !== info.originalExecutionRunId;
}

export function nowIso(): string {
  return new Date(Date.now()).toISOString();
}

/** Moves a lifecycle to `next`, appends it to the timeline and keeps PaymentStatus current. */
export function transition<S extends string>(
  status: { state: S; timeline: TimelineEntry[] },
  next: S,
  note?: string,
): void {
  if (status.state === next && note === undefined) return;
  status.state = next;
  status.timeline.push(
    note === undefined ? { state: next, at: nowIso() } : { state: next, at: nowIso(), note },
  );
  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTE_KEYS.PaymentStatus, value: next }]);
}

/** Sets the attributes a payment carries from its first task (the starter may not have set them). */
export function initialSearchAttributes(payment: {
  kind: 'CASH_IN' | 'CASH_OUT';
  reference: string;
  userId: string;
  amountCents: number;
  state: string;
}): void {
  const pairs: SearchAttributeUpdatePair[] = [
    { key: SEARCH_ATTRIBUTE_KEYS.PaymentKind, value: payment.kind },
    { key: SEARCH_ATTRIBUTE_KEYS.PaymentReference, value: payment.reference },
    { key: SEARCH_ATTRIBUTE_KEYS.UserId, value: payment.userId },
    { key: SEARCH_ATTRIBUTE_KEYS.AmountCents, value: payment.amountCents },
    { key: SEARCH_ATTRIBUTE_KEYS.PaymentStatus, value: payment.state },
  ];
  upsertSearchAttributes(pairs);
}

export function recordPspTransactionId(transactionId: string): void {
  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTE_KEYS.PspTransactionId, value: transactionId }]);
}

/** Refuses a start of `reference` made for another request, naming the fields that differ (never their values). */
export function referenceInUse(reference: string, kind: string, differences: string[]): ApplicationFailure {
  return ApplicationFailure.create({
    type: REFERENCE_IN_USE,
    message: `reference ${reference} belongs to another ${kind} request: ${differences.join(', ')} differ`,
    nonRetryable: true,
    details: [{ fields: differences }],
  });
}

/** The business failure behind an activity failure (its ApplicationFailure type and message). */
export function activityFailure(err: unknown): PaymentFailure | null {
  if (!(err instanceof ActivityFailure)) return null;
  const cause = err.cause;
  if (cause instanceof ApplicationFailure) {
    return { code: cause.type ?? 'ACTIVITY_FAILED', message: cause.message };
  }
  return { code: cause?.name ?? 'ACTIVITY_FAILED', message: cause?.message ?? err.message };
}

/** The failure type of an activity failure, or rethrows what is not one (a bug must not pass for an outcome). */
export function expectActivityFailure(err: unknown): PaymentFailure {
  const failure = activityFailure(err);
  if (!failure) throw err;
  return failure;
}

/** Refuses an awaitState request that is not one (before it reaches the history). */
export function checkAwaitStateRequest(request: AwaitStateRequest): void {
  const problems: string[] = [];
  const seconds = request?.waitSeconds;
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_AWAIT_STATE_SECONDS) {
    problems.push(`waitSeconds: must be a whole number from 1 to ${MAX_AWAIT_STATE_SECONDS}`);
  }
  const states = request?.states;
  if (
    states !== undefined &&
    (!Array.isArray(states) ||
      states.length === 0 ||
      states.length > 20 ||
      !states.every((s) => typeof s === 'string' && s.length > 0 && s.length <= 40))
  ) {
    problems.push('states: must be 1 to 20 state names');
  }
  if (problems.length > 0) {
    throw ApplicationFailure.create({
      type: 'INVALID_REQUEST',
      message: problems.join('; '),
      nonRetryable: true,
    });
  }
}

/** The awaitState handler: the status once its state is one of those asked (default terminal), or after the wait. */
export async function answerWhenState<T extends { state: string }>(
  current: () => T,
  request: AwaitStateRequest,
): Promise<T> {
  const reached = () =>
    request.states ? request.states.includes(current().state) : isTerminalState(current().state);
  await condition(reached, request.waitSeconds * 1000);
  return current();
}

/** Ends a lifecycle: lets handlers still running (an update being answered) finish, then returns the final status. */
export async function finishLifecycle<T>(status: T): Promise<T> {
  await condition(allHandlersFinished);
  return status;
}

/**
 * Ends a lifecycle as FAILED: records the failure, lets running handlers finish, then fails the
 * workflow, non-retryable, typed with the failure code, details = the final status.
 */
export async function failLifecycle<S extends string>(
  status: { state: S | 'FAILED'; timeline: TimelineEntry[]; failure: PaymentFailure | null },
  failure: PaymentFailure,
): Promise<never> {
  status.failure = failure;
  transition(status, 'FAILED', failure.code);
  await condition(allHandlersFinished);
  throw ApplicationFailure.create({
    type: failure.code,
    message: failure.message,
    nonRetryable: true,
    details: [status],
  });
}

/** Whether a long-lived watch should start a fresh history now. */
export function historyIsLong(maxHistoryEvents: number | undefined): boolean {
  const info = workflowInfo();
  return (
    info.continueAsNewSuggested || (maxHistoryEvents !== undefined && info.historyLength >= maxHistoryEvents)
  );
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** How long a settled payment keeps listening for late PSP events, and how often it asks the PSP meanwhile. */
export interface LateEventWindow {
  untilMs: number;
  reconcileEveryMs: number;
}

export function lateEventWindow(
  input: {
    closeGraceSeconds?: number;
    lateEventWatchDays?: number;
    lateEventReconcileHours?: number;
    resume?: { watchUntilMs: number };
  },
  closesAtTerminal: boolean,
): LateEventWindow {
  const reconcileEveryMs = (input.lateEventReconcileHours ?? DEFAULT_LATE_EVENT_RECONCILE_HOURS) * HOUR_MS;
  if (closesAtTerminal) {
    const graceEndsMs = Date.now() + (input.closeGraceSeconds ?? DEFAULT_CLOSE_GRACE_SECONDS) * 1000;
    return { untilMs: Math.min(input.resume?.watchUntilMs ?? graceEndsMs, graceEndsMs), reconcileEveryMs };
  }
  return {
    untilMs:
      input.resume?.watchUntilMs ??
      Date.now() + (input.lateEventWatchDays ?? DEFAULT_LATE_EVENT_WATCH_DAYS) * DAY_MS,
    reconcileEveryMs,
  };
}

/**
 * One step of a late-event watch: false once the window is over. Otherwise it continues as new when
 * the history is long (`carryOn` never returns), then waits until `woken` holds or the next
 * reconciliation is due, and reconciles when nothing woke it.
 */
export async function watchStep(
  window: LateEventWindow,
  maxHistoryEvents: number | undefined,
  woken: () => boolean,
  reconcile: () => Promise<void>,
  carryOn: () => Promise<never>,
): Promise<boolean> {
  const remainingMs = window.untilMs - Date.now();
  if (remainingMs <= 0) return false;
  if (historyIsLong(maxHistoryEvents)) {
    await condition(allHandlersFinished);
    await carryOn();
  }
  if (!(await condition(woken, Math.min(remainingMs, window.reconcileEveryMs)))) await reconcile();
  return true;
}

/** The longest pause between two reconciliations of a payment still waiting for the PSP. */
export const MAX_RECONCILE_INTERVAL_MS = HOUR_MS;

/**
 * Successive pauses between reconciliations of a payment waiting for the PSP: the configured
 * interval, doubling up to an hour. A lost webhook is still caught within one interval at first,
 * and a wait of days or weeks adds a few events an hour to the history, not one a minute.
 */
export function reconcileBackoff(intervalSeconds: number): () => number {
  let next = intervalSeconds * 1000;
  const cap = Math.max(next, MAX_RECONCILE_INTERVAL_MS);
  return () => {
    const current = next;
    next = Math.min(next * 2, cap);
    return current;
  };
}
