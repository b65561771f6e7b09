/**
 * What the worker adds to itself to be observed: its metrics (the product's, and the Temporal
 * SDK's forwarded into the same registry), the workflow sink the lifecycle interceptor reports
 * through, the count of unconfirmed webhooks read off the workflows' own warning, and the
 * deadlines of the lifecycle gauges. worker/main.ts wires them; docs/operations.md explains them.
 */
import type { LogMetadata } from '@temporalio/common';
import type { InjectedSinks, LogLevel } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { LifecycleMetricsSinks } from '../operations/lifecycle-metrics';
import type { Config } from '../runtime/config';
import type { PaymentKind } from '../workflows/start-options';
import type { StateDeadlines } from './lifecycle-gauges';
import { createWorkerMetrics, type WorkerMetrics } from './metrics';
import { forwardSdkMetrics } from './sdk-metrics';

const KIND_OF_WORKFLOW_TYPE: Record<string, PaymentKind> = {
  cashInWorkflow: 'CASH_IN',
  cashOutWorkflow: 'CASH_OUT',
};

/**
 * The warning workflows/psp-tracking.ts logs when a webhook's claim is not borne out by the PSP's
 * record. Workflow logs reach the runtime logger once, never on replay.
 */
const UNCONFIRMED_EVENT_MESSAGE = 'PSP event not confirmed';

export function createWorkerObservability(logger: Logger) {
  const metrics = createWorkerMetrics();
  const sdkMetrics = forwardSdkMetrics(metrics.registry, logger);
  return {
    metrics,
    sdkMetrics,
    /** For installTemporalRuntimeLogger: the SDK's metrics buffer and the log observer. */
    runtimeOptions: {
      telemetryOptions: { metrics: { buffer: sdkMetrics.buffer } },
      observeLog: (level: LogLevel, message: string, meta: LogMetadata | undefined) => {
        if (level !== 'WARN' || meta?.sdkComponent !== 'workflow') return;
        const kind = KIND_OF_WORKFLOW_TYPE[String(meta.workflowType)];
        if (kind && message.startsWith(UNCONFIRMED_EVENT_MESSAGE)) metrics.unconfirmedEvent(kind);
      },
    },
    sinks: lifecycleMetricsSinks(metrics),
  };
}

function lifecycleMetricsSinks(metrics: WorkerMetrics): InjectedSinks<LifecycleMetricsSinks> {
  const kindOf = (kind: string): PaymentKind | undefined =>
    kind === 'CASH_IN' || kind === 'CASH_OUT' ? kind : undefined;
  return {
    lifecycleMetrics: {
      started: {
        fn: (_info, kind) => {
          const known = kindOf(kind);
          if (known) metrics.lifecycleStarted(known);
        },
      },
      entered: {
        fn: (_info, kind, state) => {
          const known = kindOf(kind);
          if (known) metrics.lifecycleEntered(known, state);
        },
      },
    },
  };
}

/**
 * How long a lifecycle may be in each waiting state, counted from its start, before the gauges'
 * alert calls it stuck: the lifecycle's own retry window and PSP deadline, plus an hour of slack.
 * null: the start time says nothing (a refund can be asked months after the payment; NEEDS_REVIEW
 * has an alert of its own).
 */
export function stateDeadlinesFrom(
  config: Pick<
    Config,
    'CASHIN_DEFAULT_EXPIRATION_MINUTES' | 'PSP_RETRY_WINDOW_SECONDS' | 'PSP_OUTCOME_DEADLINE_SECONDS'
  >,
): StateDeadlines {
  const slack = 3600;
  const retry = config.PSP_RETRY_WINDOW_SECONDS;
  const verdict = config.PSP_OUTCOME_DEADLINE_SECONDS;
  return {
    CASH_IN: {
      CREATING: slack,
      AWAITING_PAYMENT: config.CASHIN_DEFAULT_EXPIRATION_MINUTES * 60 + verdict + slack,
      PAID: slack,
      REFUNDING: null,
      NEEDS_REVIEW: null,
    },
    CASH_OUT: {
      HOLDING: slack,
      SENDING: retry + slack,
      TOPPING_UP: retry + slack,
      PROCESSING: retry + verdict + slack,
      NEEDS_REVIEW: null,
    },
  };
}
