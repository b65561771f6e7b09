/**
 * What is in flight, read periodically from Temporal's visibility store and the ledger: the
 * payment lifecycles in each non-terminal state of this task queue and the age of the oldest
 * (count queries; the oldest is listed only when a state is not empty), and the holds whose
 * lifecycle is no longer running. Cheap enough to run every WORKER_GAUGES_INTERVAL_SECONDS on every
 * worker replica (each reports the same numbers: aggregate with max, not sum).
 */
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { type OpenHold, type OrphanedHold, openHoldOf } from '../domain/holds';
import type { LedgerTransfer } from '../domain/ledger';
import type { CashInState, CashOutState, TerminalState } from '../workflows/messages';
import type { PaymentKind } from '../workflows/start-options';
import type { WorkerMetrics } from './metrics';

type Waiting<S extends string> = Exclude<S, TerminalState>;

/**
 * The non-terminal states, each with the longest a lifecycle may be in it counted from its start
 * (seconds; null: no bound from the start time, e.g. a refund asked months after the payment).
 * Keyed by state so the compiler flags a state added to the lifecycles but missing here.
 */
export interface StateDeadlines {
  CASH_IN: Record<Waiting<CashInState>, number | null>;
  CASH_OUT: Record<Waiting<CashOutState>, number | null>;
}

/** Most lifecycles listed to find the oldest of one state; beyond it the age is a lower bound. */
const MAX_LISTED = 10_000;

export interface LifecycleGaugeSources {
  client: Client;
  taskQueue: string;
  deadlines: StateDeadlines;
  /** The built-in ledger's open holds; absent with the platform wallet service (its books). */
  listOpenHolds?: () => Promise<LedgerTransfer[]>;
  orphanedAmong: (holds: OpenHold[]) => Promise<OrphanedHold[]>;
  logger: Logger;
}

export function startLifecycleGauges(
  metrics: WorkerMetrics,
  sources: LifecycleGaugeSources,
  intervalSeconds: number,
): { refresh(): Promise<void>; stop(): void } {
  for (const [kind, states] of Object.entries(sources.deadlines)) {
    for (const [state, seconds] of Object.entries(states as Record<string, number | null>)) {
      if (seconds !== null) metrics.stateDeadline(kind as PaymentKind, state, seconds);
    }
  }
  let running: Promise<void> | undefined;
  const refresh = () => {
    running ??= poll(metrics, sources)
      .catch((err: unknown) => {
        metrics.gaugePollFailed();
        sources.logger.warn({ err: (err as Error).message }, 'lifecycle gauges not refreshed');
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  void refresh();
  const timer = setInterval(refresh, intervalSeconds * 1000);
  timer.unref();
  return { refresh, stop: () => clearInterval(timer) };
}

async function poll(metrics: WorkerMetrics, sources: LifecycleGaugeSources): Promise<void> {
  const { client, taskQueue } = sources;
  const now = Date.now();
  for (const [kind, states] of Object.entries(sources.deadlines)) {
    for (const state of Object.keys(states)) {
      const query = `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running' AND PaymentKind = '${kind}' AND PaymentStatus = '${state}'`;
      const { count } = await client.workflow.count(query);
      let oldestStartMs: number | null = null;
      if (count > 0) {
        let listed = 0;
        for await (const execution of client.workflow.list({ query, pageSize: 1000 })) {
          const started = execution.startTime.getTime();
          if (oldestStartMs === null || started < oldestStartMs) oldestStartMs = started;
          if (++listed >= MAX_LISTED) break;
        }
      }
      metrics.lifecyclesIn(
        kind as PaymentKind,
        state,
        count,
        oldestStartMs === null ? 0 : (now - oldestStartMs) / 1000,
      );
    }
  }
  if (sources.listOpenHolds) {
    const holds = (await sources.listOpenHolds()).map(openHoldOf);
    metrics.orphanedHolds(await sources.orphanedAmong(holds));
  }
  metrics.gaugesRefreshed();
}
