import { type Client, ScheduleNotFoundError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { ValidationError } from '../domain/validation';
import { ensureRebalanceSchedule, executeRebalance } from '../runtime/rebalance-door';
import { withinTime } from '../runtime/time-limit';
import type { RebalanceRunResult, RebalanceStatus } from '../workflows/messages';
import { statusQuery } from '../workflows/messages';
import { rebalanceScheduleId, rebalanceWorkflowId } from '../workflows/workflow-ids';
import { PaymentNotFoundError, WaitTimeoutError } from './errors';
import type { PaymentSettings } from './payment-settings';
import type { TemporalCalls } from './temporal-calls';
import { translateTemporalError } from './temporal-errors';
import { scheduleUiUrl, workflowUiUrl } from './web-ui';

export interface RebalanceScheduleState {
  scheduleId: string;
  paused: boolean;
  note?: string;
  /** ISO-8601, soonest first. */
  nextRunsAt: string[];
  /** Runs the schedule started, oldest first. */
  recentActions: Array<{ workflowId: string; takenAt: string }>;
  actionsTaken: number;
  skippedOverlap: number;
  webUiUrl?: string;
}

export interface RebalanceOverview {
  /** null when the schedule does not exist (see ensureSchedule). */
  schedule: RebalanceScheduleState | null;
  /** The coordinator's state and its most recent runs, newest last; null before its first trigger. */
  coordinator: (RebalanceStatus & { workflowId: string; webUiUrl?: string }) | null;
}

export interface TriggerOptions {
  /** Rebalance whatever the difference (threshold 0); default: only beyond REBALANCE_THRESHOLD_CENTS. */
  force?: boolean;
  /** Stop waiting for the run's result after this long (WaitTimeoutError; the run goes on). Default 60 s. */
  timeoutMs?: number;
}

/** The trigger's own timeout (WaitTimeoutError) answers before the call's deadline would. */
const TRIGGER_DEADLINE_SLACK_MS = 5_000;

interface RebalanceClientOptions {
  temporal: Client;
  /** The PaymentsClient's: rebalance calls share its bound on calls in flight. */
  calls: TemporalCalls;
  settings: PaymentSettings;
  temporalAddress: string;
  webUiUrl?: string;
}

/**
 * The rebalance of the PSP account: its Temporal Schedule (ensure, pause, resume) and the
 * coordinator `rebalance:<taskQueue>` every trigger goes through, so runs never overlap.
 */
export class RebalanceClient {
  constructor(private readonly options: RebalanceClientOptions) {}

  get scheduleId(): string {
    return rebalanceScheduleId(this.options.settings.taskQueue);
  }

  get coordinatorId(): string {
    return rebalanceWorkflowId(this.options.settings.taskQueue);
  }

  /** Asks the coordinator for a run now and returns what it saw and did. */
  async trigger(options: TriggerOptions = {}): Promise<RebalanceRunResult> {
    const { settings, temporal, calls } = this.options;
    const timeoutMs = options.timeoutMs ?? 60_000;
    // Made once: a trigger sent again would queue another run. The timer below answers first.
    const result = calls.once(
      () =>
        executeRebalance(temporal, {
          taskQueue: settings.taskQueue,
          trigger: {
            source: 'MANUAL',
            thresholdCents: options.force ? 0 : settings.rebalanceThresholdCents,
            requestedBy: 'payments client',
          },
        }),
      Date.now() + timeoutMs + TRIGGER_DEADLINE_SLACK_MS,
    );
    // The coordinator runs one rebalance at a time: a run stuck on the PSP delays every trigger.
    const timedOut = () =>
      new WaitTimeoutError(this.coordinatorId, timeoutMs, undefined, 'answer (a run is still going on)');
    try {
      return await withinTime(result, timeoutMs, timedOut);
    } catch (err) {
      throw this.translate(err, 'rebalance coordinator');
    }
  }

  /** Creates the schedule (every REBALANCE_INTERVAL_SECONDS, overlap SKIP) or brings it to the current settings. */
  async ensureSchedule(
    options: { paused?: boolean } = {},
  ): Promise<RebalanceScheduleState & { created: boolean }> {
    const { settings, temporal, calls } = this.options;
    let created: boolean;
    try {
      ({ created } = await calls.once(() =>
        ensureRebalanceSchedule(temporal, {
          taskQueue: settings.taskQueue,
          intervalSeconds: settings.rebalanceIntervalSeconds,
          thresholdCents: settings.rebalanceThresholdCents,
          ...(options.paused === undefined ? {} : { paused: options.paused }),
        }),
      ));
    } catch (err) {
      throw this.translate(err, 'rebalance schedule');
    }
    return { ...(await this.requireSchedule()), created };
  }

  async pauseSchedule(note = 'paused from the payments client'): Promise<RebalanceScheduleState> {
    await this.onSchedule((handle) => handle.pause(note));
    return this.requireSchedule();
  }

  async resumeSchedule(note = 'resumed from the payments client'): Promise<RebalanceScheduleState> {
    await this.onSchedule((handle) => handle.unpause(note));
    return this.requireSchedule();
  }

  /** The schedule and the coordinator's recent runs. */
  async status(): Promise<RebalanceOverview> {
    const [schedule, coordinator] = await Promise.all([this.scheduleState(), this.coordinatorStatus()]);
    return { schedule, coordinator };
  }

  /** The most recent runs, newest first. */
  async lastRuns(limit = 10): Promise<RebalanceRunResult[]> {
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new ValidationError([{ field: 'limit', rule: 'must be a positive integer' }]);
    }
    const coordinator = await this.coordinatorStatus();
    return [...(coordinator?.recent ?? [])].reverse().slice(0, limit);
  }

  private async requireSchedule(): Promise<RebalanceScheduleState> {
    const state = await this.scheduleState();
    if (!state) throw new PaymentNotFoundError(this.scheduleId, 'rebalance schedule');
    return state;
  }

  private async onSchedule(action: (handle: ReturnType<Client['schedule']['getHandle']>) => Promise<void>) {
    try {
      await this.options.calls.once(() => action(this.options.temporal.schedule.getHandle(this.scheduleId)));
    } catch (err) {
      if (err instanceof ScheduleNotFoundError)
        throw new PaymentNotFoundError(this.scheduleId, 'rebalance schedule');
      throw this.translate(err, 'rebalance schedule');
    }
  }

  private async scheduleState(): Promise<RebalanceScheduleState | null> {
    let description: Awaited<ReturnType<ReturnType<Client['schedule']['getHandle']>['describe']>>;
    try {
      const handle = this.options.temporal.schedule.getHandle(this.scheduleId);
      description = await this.options.calls.read(() => handle.describe());
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return null;
      throw this.translate(err, 'rebalance schedule');
    }
    const { webUiUrl } = this.options;
    return {
      scheduleId: this.scheduleId,
      paused: description.state.paused,
      ...(description.state.note ? { note: description.state.note } : {}),
      nextRunsAt: description.info.nextActionTimes.map((d) => d.toISOString()),
      recentActions: description.info.recentActions.map((a) => ({
        workflowId: a.action.workflow.workflowId,
        takenAt: a.takenAt.toISOString(),
      })),
      actionsTaken: description.info.numActionsTaken,
      skippedOverlap: description.info.numActionsSkippedOverlap,
      ...(webUiUrl
        ? { webUiUrl: scheduleUiUrl(webUiUrl, this.options.temporal.options.namespace, this.scheduleId) }
        : {}),
    };
  }

  private async coordinatorStatus(): Promise<RebalanceOverview['coordinator']> {
    try {
      const handle = this.options.temporal.workflow.getHandle(this.coordinatorId);
      const status = await this.options.calls.read(() => handle.query(statusQuery));
      if (status.kind !== 'REBALANCE') return null;
      const { webUiUrl } = this.options;
      return {
        ...status,
        workflowId: this.coordinatorId,
        ...(webUiUrl
          ? { webUiUrl: workflowUiUrl(webUiUrl, this.options.temporal.options.namespace, this.coordinatorId) }
          : {}),
      };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw this.translate(err, 'rebalance coordinator');
    }
  }

  private translate(err: unknown, what: string): unknown {
    return translateTemporalError(err, { address: this.options.temporalAddress, what });
  }
}
