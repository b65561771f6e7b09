/**
 * Business-keyed workflow ids. One reference is one workflow id for its whole life, so a second
 * start of the same reference finds the first lifecycle instead of beginning another.
 */
import type { PspEventEnvelope } from './messages';

export const cashInWorkflowId = (reference: string): string => `cash-in:${reference}`;
export const cashOutWorkflowId = (reference: string): string => `cash-out:${reference}`;

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
