/**
 * Business-keyed workflow ids. One reference is one workflow id for its whole life, so a second
 * start of the same reference finds the first lifecycle instead of beginning another.
 */
import type { PspEventEnvelope } from './messages';

export const cashInWorkflowId = (reference: string): string => `cash-in:${reference}`;
export const cashOutWorkflowId = (reference: string): string => `cash-out:${reference}`;

/** The late-event runs of a payment whose lifecycle closed (one at a time; a new run for each later occurrence). */
export const lateEventWorkflowId = (kind: 'CASH_IN' | 'CASH_OUT', reference: string): string =>
  `${kind === 'CASH_IN' ? 'cash-in' : 'cash-out'}-late:${reference}`;

/** The late-event run id of a lifecycle id (`cash-in:<ref>` → `cash-in-late:<ref>`), or null for another id. */
export function lateEventWorkflowIdOf(lifecycleWorkflowId: string): string | null {
  for (const [kind, lifecycleId] of [
    ['CASH_IN', cashInWorkflowId],
    ['CASH_OUT', cashOutWorkflowId],
  ] as const) {
    const prefix = lifecycleId('');
    if (lifecycleWorkflowId.startsWith(prefix))
      return lateEventWorkflowId(kind, lifecycleWorkflowId.slice(prefix.length));
  }
  return null;
}

/** The late-event sweep's Schedule (and its workflows' id prefix). */
export const lateEventSweepScheduleId = (taskQueue: string): string => `late-event-sweep:${taskQueue}`;

/** The one rebalance coordinator per task queue: every trigger goes through it, so runs never overlap. */
export const rebalanceWorkflowId = (taskQueue: string): string => `rebalance:${taskQueue}`;
/** The schedule's workflow id prefix (Temporal appends the scheduled time). */
export const scheduledRebalanceWorkflowId = (taskQueue: string): string => `rebalance-scheduled:${taskQueue}`;
export const rebalanceScheduleId = (taskQueue: string): string => `rebalance:${taskQueue}`;

/**
 * The workflow a PSP event belongs to: `cash-in:<externalReference>` for CASHIN_*,
 * `cash-out:<externalReference>` for CASHOUT_*; null when the envelope names neither (the relay
 * parks such events).
 */
export function workflowIdForPspEvent(envelope: Pick<PspEventEnvelope, 'eventType' | 'data'>): string | null {
  const reference = envelope.data?.externalReference;
  if (typeof reference !== 'string' || reference.length === 0) return null;
  if (envelope.eventType.startsWith('CASHIN_')) return cashInWorkflowId(reference);
  if (envelope.eventType.startsWith('CASHOUT_')) return cashOutWorkflowId(reference);
  return null;
}
