/**
 * Client side of rebalancing: the door every trigger goes through (update-with-start on the
 * coordinator `rebalance:<taskQueue>`) and the Temporal Schedule that knocks on it periodically.
 */
import { type Client, ScheduleOverlapPolicy, WithStartWorkflowOperation } from '@temporalio/client';
import type { RebalanceWorkflowInput, ScheduledRebalanceInput } from '../workflows/inputs';
import {
  type RebalanceRunResult,
  type RebalanceTrigger,
  requestRebalanceUpdate,
} from '../workflows/messages';
import type { rebalanceWorkflow } from '../workflows/rebalance';
import {
  rebalanceScheduleId,
  rebalanceWorkflowId,
  scheduledRebalanceWorkflowId,
} from '../workflows/workflow-ids';
import { ensureSchedule } from './schedules';

export interface RebalanceRequestOptions {
  taskQueue: string;
  trigger: RebalanceTrigger;
  /** Makes a retried request the same update (deduplicated by the coordinator's run). */
  updateId?: string;
}

/** Starts the coordinator if needed and waits for the result of the run that serves this trigger. */
export async function executeRebalance(
  client: Client,
  options: RebalanceRequestOptions,
): Promise<RebalanceRunResult> {
  const input: RebalanceWorkflowInput = {};
  return client.workflow.executeUpdateWithStart(requestRebalanceUpdate, {
    args: [options.trigger],
    ...(options.updateId === undefined ? {} : { updateId: options.updateId }),
    startWorkflowOperation: new WithStartWorkflowOperation<typeof rebalanceWorkflow>('rebalanceWorkflow', {
      workflowId: rebalanceWorkflowId(options.taskQueue),
      taskQueue: options.taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      staticSummary: 'Rebalance coordinator: one run at a time',
    }),
  });
}

/**
 * `executeRebalance` bound to one client and task queue: what the worker hands its rebalance
 * activity, so activities reach the coordinator without holding a Temporal client themselves.
 */
export function rebalanceRequester(
  client: Client,
  taskQueue: string,
): (request: { trigger: RebalanceTrigger; updateId: string }) => Promise<RebalanceRunResult> {
  return ({ trigger, updateId }) => executeRebalance(client, { taskQueue, trigger, updateId });
}

export interface RebalanceScheduleOptions {
  taskQueue: string;
  /** REBALANCE_INTERVAL_SECONDS. */
  intervalSeconds: number;
  /** REBALANCE_THRESHOLD_CENTS. */
  thresholdCents: number;
  /** Create it paused (tests, maintenance). */
  paused?: boolean;
}

/**
 * Creates the rebalance Schedule, or brings an existing one to these settings: safe to call on
 * every worker start. Overlap SKIP: a scheduled run still going when the next is due is not doubled.
 */
export async function ensureRebalanceSchedule(
  client: Client,
  options: RebalanceScheduleOptions,
): Promise<{ scheduleId: string; created: boolean }> {
  const args: [ScheduledRebalanceInput] = [{ thresholdCents: options.thresholdCents }];
  return ensureSchedule(client, {
    scheduleId: rebalanceScheduleId(options.taskQueue),
    spec: { intervals: [{ every: `${options.intervalSeconds} seconds` }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'scheduledRebalanceWorkflow',
      workflowId: scheduledRebalanceWorkflowId(options.taskQueue),
      taskQueue: options.taskQueue,
      args,
      staticSummary: 'Scheduled rebalance',
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
    note: 'pix-payments rebalance',
    ...(options.paused === undefined ? {} : { paused: options.paused }),
  });
}
