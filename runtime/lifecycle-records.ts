/**
 * Closed payment lifecycles as Temporal keeps them, and how a late-event run of one starts: the
 * lifecycle's own input (from its latest run's start event, decoded with the client's data
 * converter) and the payment's latest status (asked of the newest closed late-event run, else of
 * the lifecycle: a closed workflow still answers queries). A late-event run is the lifecycle's
 * own workflow type, started under `cash-in-late:<ref>` / `cash-out-late:<ref>` with that status
 * to resume from, so it has every handler from its first task.
 */

import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { SEARCH_ATTRIBUTE_KEYS } from '../domain/search-attributes';
import type { CashInWorkflowInput, CashOutWorkflowInput } from '../workflows/inputs';
import { type CashInStatus, type CashOutStatus, statusQuery } from '../workflows/messages';
import { lateEventStartOptions, type PaymentKind } from '../workflows/start-options';
import { cashInWorkflowId, cashOutWorkflowId, lateEventWorkflowId } from '../workflows/workflow-ids';

const LIFECYCLE_WORKFLOW_TYPE = { CASH_IN: 'cashInWorkflow', CASH_OUT: 'cashOutWorkflow' } as const;

export type LifecycleRecord =
  | { kind: 'CASH_IN'; input: CashInWorkflowInput; status: CashInStatus }
  | { kind: 'CASH_OUT'; input: CashOutWorkflowInput; status: CashOutStatus };

/** A late-event run was asked for while the lifecycle still runs (it takes its own events). */
export class LifecycleStillRunning extends Error {
  override name = 'LifecycleStillRunning';
}

/** The payment as it was left, or null when no lifecycle of that reference exists. */
export async function latestLifecycleRecord(
  client: Client,
  kind: PaymentKind,
  reference: string,
): Promise<LifecycleRecord | null> {
  const lifecycleId = kind === 'CASH_IN' ? cashInWorkflowId(reference) : cashOutWorkflowId(reference);
  let description: Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['describe']>>;
  try {
    description = await client.workflow.getHandle(lifecycleId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
  // Another workflow under a lifecycle's id (nothing this worker started) has no payment record.
  if (description.type !== LIFECYCLE_WORKFLOW_TYPE[kind]) return null;
  if (description.status.name === 'RUNNING') {
    throw new LifecycleStillRunning(`${lifecycleId} is still running and takes its own events`);
  }
  const input = await startInput(client, lifecycleId, description.runId);
  const lateRun = await newestClosedRun(client, lateEventWorkflowId(kind, reference));
  const source = lateRun ?? { workflowId: lifecycleId, runId: description.runId };
  const status = await client.workflow.getHandle(source.workflowId, source.runId).query(statusQuery);
  return kind === 'CASH_IN'
    ? { kind, input: input as CashInWorkflowInput, status: status as CashInStatus }
    : { kind, input: input as CashOutWorkflowInput, status: status as CashOutStatus };
}

/** How a settled payment's late-event run starts: its lifecycle's type and input, resuming from its status. */
export function lateRunStart(record: LifecycleRecord, taskQueue: string) {
  const { kind, input, status } = record;
  const options = lateEventStartOptions(kind, input.reference, taskQueue);
  const typedSearchAttributes: SearchAttributePair[] = [
    ...options.typedSearchAttributes,
    { key: SEARCH_ATTRIBUTE_KEYS.UserId, value: status.userId },
    { key: SEARCH_ATTRIBUTE_KEYS.AmountCents, value: status.amountCents },
    { key: SEARCH_ATTRIBUTE_KEYS.PaymentStatus, value: status.state },
    ...(status.psp.transactionId
      ? [{ key: SEARCH_ATTRIBUTE_KEYS.PspTransactionId, value: status.psp.transactionId }]
      : []),
  ];
  // The run itself bounds the window to its grace period; this only says "from the status as left".
  const resume = { watchUntilMs: Number.MAX_SAFE_INTEGER };
  const args =
    record.kind === 'CASH_IN'
      ? [{ ...record.input, resume: { ...resume, status: record.status } }]
      : [{ ...record.input, resume: { ...resume, status: record.status } }];
  return {
    workflowType: LIFECYCLE_WORKFLOW_TYPE[kind],
    options: { ...options, typedSearchAttributes, args },
  };
}

/** The first argument of a run's start event, without what the run carried over from a previous one. */
async function startInput(
  client: Client,
  workflowId: string,
  runId: string,
): Promise<CashInWorkflowInput | CashOutWorkflowInput> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  const input = await decodeFromPayloadsAtIndex<CashInWorkflowInput | CashOutWorkflowInput>(
    client.options.loadedDataConverter,
    0,
    started?.input?.payloads,
  );
  const { resume: _carried, ...own } = input;
  return own;
}

async function newestClosedRun(
  client: Client,
  workflowId: string,
): Promise<{ workflowId: string; runId: string } | null> {
  let newest: { runId: string; closedAt: number } | null = null;
  const query = `WorkflowId = '${workflowId.replaceAll("'", "\\'")}' AND ExecutionStatus != 'Running'`;
  for await (const run of client.workflow.list({ query })) {
    const closedAt = run.closeTime?.getTime() ?? 0;
    if (!newest || closedAt > newest.closedAt) newest = { runId: run.runId, closedAt };
  }
  return newest && { workflowId, runId: newest.runId };
}
