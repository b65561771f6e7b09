/**
 * How long Temporal must keep a closed payment lifecycle: the relay and the late-event sweep find a
 * settled payment by its closed lifecycle (its input and last status), so a namespace that deletes
 * it before LATE_EVENT_WATCH_DAYS have passed turns a late refund or return into a parked event and
 * hides it from the sweep.
 */
import type { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';

/** What the calls need of a connection: the Temporal client's or the worker's. */
type WithWorkflowService = Pick<Connection, 'workflowService'>;

/** Days kept beyond the watch window: a late event delivered on its last day still finds its lifecycle. */
export const RETENTION_MARGIN_DAYS = 3;

export function requiredRetentionDays(lateEventWatchDays: number): number {
  return Math.ceil(lateEventWatchDays) + RETENTION_MARGIN_DAYS;
}

/** Why the namespace's retention is too short for the late-event window, or null when it covers it. */
export function retentionShortfall(retentionSeconds: number, lateEventWatchDays: number): string | null {
  const required = requiredRetentionDays(lateEventWatchDays);
  if (retentionSeconds >= required * 86_400) return null;
  const kept = Math.round((retentionSeconds / 86_400) * 10) / 10;
  return (
    `the namespace keeps closed workflows ${kept} days, less than LATE_EVENT_WATCH_DAYS (${lateEventWatchDays}) + ` +
    `${RETENTION_MARGIN_DAYS}: a late refund or return of a payment closed longer ago is parked for an operator ` +
    `and the late-event sweep cannot see it; set the namespace retention to at least ${required} days`
  );
}

/** The namespace's retention of closed workflows, in seconds. */
export async function namespaceRetentionSeconds(
  connection: WithWorkflowService,
  namespace: string,
): Promise<number> {
  const { config } = await connection.workflowService.describeNamespace({ namespace });
  return Number(config?.workflowExecutionRetentionTtl?.seconds ?? 0);
}

/** Sets the namespace's retention (the local dev server's default of one day is too short). */
export async function setNamespaceRetentionDays(
  connection: WithWorkflowService,
  namespace: string,
  days: number,
): Promise<void> {
  await connection.workflowService.updateNamespace({
    namespace,
    config: { workflowExecutionRetentionTtl: msToTs(days * 86_400_000) },
  });
}
