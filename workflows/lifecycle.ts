/**
 * Small pieces every payment workflow shares: recording a state change (timeline + search
 * attribute), reading the type of an activity failure, and the late-event watch window.
 */
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import {
  ActivityFailure,
  ApplicationFailure,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { SEARCH_ATTRIBUTE_KEYS } from '../domain/search-attributes';
import type { PaymentFailure, TimelineEntry } from './messages';

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

/** Ends a lifecycle as FAILED: non-retryable, typed with the failure code, details = the final status. */
export function failLifecycle(failure: PaymentFailure, status: unknown): never {
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
