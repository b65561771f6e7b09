/**
 * The Web UI's "Reset" of a closed lifecycle to its first workflow task, through the same API
 * (ResetWorkflowExecution): a new run replays up to that task, then runs the current code again.
 */
import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

/** Resets the latest run of `handle`'s workflow to its first completed workflow task; answers the new run. */
export async function resetToFirstTask(client: Client, handle: WorkflowHandle): Promise<WorkflowHandle> {
  const { runId } = await handle.describe();
  const history = await client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
  const firstTask = history.events?.find(
    (e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
  );
  if (!firstTask?.eventId) throw new Error(`${handle.workflowId} has no completed workflow task`);
  const reset = await client.workflowService.resetWorkflowExecution({
    namespace: client.options.namespace,
    workflowExecution: { workflowId: handle.workflowId, runId },
    workflowTaskFinishEventId: firstTask.eventId,
    requestId: randomUUID(),
    reason: 'an operator pressed Reset in the Web UI (test)',
  });
  if (!reset.runId || reset.runId === runId) throw new Error(`${handle.workflowId} was not reset`);
  return client.workflow.getHandle(handle.workflowId, reset.runId);
}
