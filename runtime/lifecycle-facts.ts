/**
 * What Temporal itself says about payment lifecycles, for the holds they placed: is the lifecycle
 * still running (describe, strongly consistent, never the eventually consistent visibility list),
 * which PSP transaction it learnt, which activities it scheduled. Used by the orphaned-hold metric,
 * the ledger check, `pix review list` and the orphaned-hold resolution.
 */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { OpenHold, OrphanedHold } from '../domain/holds';
import { SEARCH_ATTRIBUTE_KEYS } from '../domain/search-attributes';
import type { LifecycleFacts } from '../operations/messages';
import { lateEventWorkflowIdOf } from '../workflows/workflow-ids';

export const NOT_FOUND = 'NOT_FOUND';

/** Temporal's description of a workflow's latest run, or null when it does not exist. */
async function describeWorkflow(client: Client, workflowId: string) {
  try {
    return await client.workflow.getHandle(workflowId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}

/**
 * The run that owns a lifecycle's holds now: the lifecycle while it runs; once it closed, its
 * payment's late-event run if there is one (a refund asked after the close holds under the
 * lifecycle's ids from there), else the lifecycle as it ended.
 */
async function describeLifecycle(client: Client, workflowId: string) {
  const lifecycle = await describeWorkflow(client, workflowId);
  if (lifecycle?.status.name === 'RUNNING') return lifecycle;
  const lateId = lateEventWorkflowIdOf(workflowId);
  const late = lateId ? await describeWorkflow(client, lateId) : null;
  return late ?? lifecycle;
}

export async function lifecycleFacts(client: Client, workflowId: string): Promise<LifecycleFacts> {
  const described = await describeLifecycle(client, workflowId);
  if (!described) return { status: NOT_FOUND, pspTransactionId: null, scheduledActivities: null };
  const { events } = await client.workflow.getHandle(described.workflowId, described.runId).fetchHistory();
  const scheduledActivities = (events ?? []).flatMap((event) => {
    const name = event.activityTaskScheduledEventAttributes?.activityType?.name;
    return name ? [name] : [];
  });
  return {
    status: described.status.name,
    pspTransactionId: described.typedSearchAttributes.get(SEARCH_ATTRIBUTE_KEYS.PspTransactionId) ?? null,
    scheduledActivities,
  };
}

/** Describes at most this many lifecycles at once. */
const CONCURRENCY = 8;

/**
 * The holds among `holds` whose lifecycle is no longer running: closed (terminated, failed, or a
 * bug that ended it with the hold open) or gone, or a hold no lifecycle's id explains. Nothing
 * will ever post or void them on its own. A lifecycle that finalised its hold and closed since
 * `holds` was read is told apart by reading the hold again after its close (`stillOpen`).
 */
export async function orphanedAmong(
  client: Client,
  holds: readonly OpenHold[],
  stillOpen: (transferId: string) => Promise<boolean>,
): Promise<OrphanedHold[]> {
  const orphaned: OrphanedHold[] = [];
  const queue = [...holds];
  const worker = async () => {
    for (let hold = queue.shift(); hold; hold = queue.shift()) {
      if (!hold.workflowId) {
        orphaned.push({ ...hold, lifecycleStatus: NOT_FOUND });
        continue;
      }
      const described = await describeLifecycle(client, hold.workflowId);
      const status = described?.status.name ?? NOT_FOUND;
      if (status !== 'RUNNING' && (await stillOpen(hold.transferId))) {
        orphaned.push({ ...hold, lifecycleStatus: status });
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return orphaned.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}
