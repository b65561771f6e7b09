/**
 * The Temporal SDK's own metrics (`temporal_*`: task slots, pollers, schedule-to-start and
 * execution latencies, sticky cache, requests) on the worker's prom-client registry, so one
 * /metrics serves them with the product's. The SDK's core runtime records into a buffer
 * (`MetricsBuffer`, Runtime.install telemetry option); `drain()` moves its updates into prom-client
 * metrics of the same names, before every scrape and on a timer so the buffer never fills.
 *
 * Chosen over the core's own Prometheus listener, which would need a second port per worker and a
 * second scrape target, and over OTLP export, which needs a collector even locally.
 */

import { MetricsBuffer } from '@temporalio/worker';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Seconds (the buffer is asked for seconds): a local task up to a lifecycle's whole life. */
const SDK_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600, 86400];

/**
 * Attribute names the SDK's core puts on its metrics. Each metric is declared with these and the
 * ones of its first update; an attribute seen only later is dropped (prom-client fixes label names
 * when a metric is created), and logged once.
 */
const SDK_LABELS = [
  'namespace',
  'service_name',
  'task_queue',
  'workflow_type',
  'activity_type',
  'operation',
  'poller_type',
  'worker_type',
  'status_code',
  'eager',
  'nexus_service',
  'nexus_operation',
  'nexus_endpoint',
  'failure_reason',
];

/**
 * The SDK metrics the dashboard and the alert rules (docker/observability/) use. The SDK names its
 * own metrics, so this list is what the tests hold them to: observability.test.ts checks every
 * query names a metric exported, and worker-metrics.test.ts that a real worker exports these.
 */
export const TEMPORAL_METRICS_WATCHED = [
  'temporal_num_pollers',
  'temporal_worker_task_slots_available',
  'temporal_workflow_task_schedule_to_start_latency',
  'temporal_activity_schedule_to_start_latency',
  'temporal_sticky_cache_size',
] as const;

type Forwarded =
  | { kind: 'counter'; metric: Counter; labels: Set<string> }
  | { kind: 'gauge'; metric: Gauge; labels: Set<string> }
  | { kind: 'histogram'; metric: Histogram; labels: Set<string> };

export interface SdkMetricsForwarder {
  /** Goes to Runtime.install({ telemetryOptions: { metrics: { buffer } } }). */
  buffer: MetricsBuffer;
  /** Moves the buffered updates into the registry. */
  drain(): void;
  stop(): void;
}

export function forwardSdkMetrics(
  registry: Registry,
  logger: Logger,
  options: { drainEveryMs?: number } = {},
): SdkMetricsForwarder {
  const buffer = new MetricsBuffer({ maxBufferSize: 100_000, useSecondsForDurations: true });
  const forwarded = new Map<string, Forwarded>();
  const dropped = new Set<string>();

  const create = (name: string, kind: string, help: string, first: string[]): Forwarded | undefined => {
    const labels = new Set([...SDK_LABELS, ...first]);
    const common = {
      name,
      help: help || `Temporal SDK metric ${name}`,
      labelNames: [...labels],
      registers: [registry],
    };
    if (kind === 'counter') return { kind, metric: new Counter(common), labels };
    if (kind === 'gauge' || kind === 'up-down-counter')
      return { kind: 'gauge', metric: new Gauge(common), labels };
    if (kind === 'histogram')
      return { kind, metric: new Histogram({ ...common, buckets: SDK_BUCKETS }), labels };
    return undefined;
  };

  const drain = () => {
    for (const { metric, value, attributes } of buffer.retrieveUpdates()) {
      let target = forwarded.get(metric.name);
      if (!target) {
        target = create(metric.name, metric.kind, metric.description ?? '', Object.keys(attributes));
        if (!target) continue;
        forwarded.set(metric.name, target);
      }
      const labels: Record<string, string> = {};
      for (const [key, raw] of Object.entries(attributes)) {
        if (target.labels.has(key)) labels[key] = String(raw);
        else if (!dropped.has(`${metric.name}:${key}`)) {
          dropped.add(`${metric.name}:${key}`);
          logger.warn({ metric: metric.name, attribute: key }, 'Temporal SDK metric attribute not exported');
        }
      }
      if (target.kind === 'counter') target.metric.inc(labels, value);
      else if (target.kind === 'histogram') target.metric.observe(labels, value);
      else if (metric.kind === 'up-down-counter') target.metric.inc(labels, value);
      else target.metric.set(labels, value);
    }
  };

  const timer = setInterval(drain, options.drainEveryMs ?? 5_000);
  timer.unref();
  return { buffer, drain, stop: () => clearInterval(timer) };
}
