/**
 * The daily ledger integrity check: its settings from the configuration, and the Temporal Schedule
 * `ledger-check:<taskQueue>` that runs `ledgerCheckWorkflow` (operations/ledger-check.ts) once a day.
 */
import { type Client, ScheduleOverlapPolicy } from '@temporalio/client';
import type { LedgerCheckSettings } from '../domain/ledger-check';
import { ledgerCheckScheduleId, scheduledLedgerCheckWorkflowId } from '../operations/messages';
import type { Config } from './config';
import { ensureSchedule } from './schedules';

/** A hold may live as long as a send is retried plus the wait for the PSP's verdict. */
export function ledgerCheckSettingsFrom(
  config: Pick<
    Config,
    'REBALANCE_THRESHOLD_CENTS' | 'PSP_RETRY_WINDOW_SECONDS' | 'PSP_OUTCOME_DEADLINE_SECONDS'
  >,
): LedgerCheckSettings {
  return {
    thresholdCents: config.REBALANCE_THRESHOLD_CENTS,
    holdLimitSeconds: config.PSP_RETRY_WINDOW_SECONDS + config.PSP_OUTCOME_DEADLINE_SECONDS,
  };
}

export interface LedgerCheckScheduleOptions {
  taskQueue: string;
  settings: LedgerCheckSettings;
  /** Create it paused (tests, maintenance). */
  paused?: boolean;
}

/**
 * Creates the daily Schedule, or brings an existing one to these settings: safe on every worker
 * start. Overlap SKIP: a check still running is never doubled.
 */
export async function ensureLedgerCheckSchedule(
  client: Client,
  options: LedgerCheckScheduleOptions,
): Promise<{ scheduleId: string; created: boolean }> {
  const args: [LedgerCheckSettings] = [options.settings];
  return ensureSchedule(client, {
    scheduleId: ledgerCheckScheduleId(options.taskQueue),
    spec: { intervals: [{ every: '1 day' }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'ledgerCheckWorkflow',
      workflowId: scheduledLedgerCheckWorkflowId(options.taskQueue),
      taskQueue: options.taskQueue,
      args,
      staticSummary: 'Daily ledger integrity check',
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
    note: 'pix-payments ledger integrity check',
    ...(options.paused === undefined ? {} : { paused: options.paused }),
  });
}
