import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** What became of a webhook request; the `outcome` label of every relay metric. */
export type WebhookOutcome =
  | 'delivered'
  | 'parked'
  | 'unauthorized'
  | 'invalid'
  | 'too_large'
  | 'unavailable'
  /** Answered 503 at once: RELAY_MAX_IN_FLIGHT events were already being handed over. */
  | 'busy'
  | 'error';

export interface RelayMetrics {
  registry: Registry;
  observe(outcome: WebhookOutcome, seconds: number): void;
  /** Events being handed to Temporal right now. */
  setInFlight(count: number): void;
}

/** A registry of its own (never the global one), so several relays can live in one process. */
export function createRelayMetrics(options: { processMetrics?: boolean } = {}): RelayMetrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'relay_webhook_requests_total',
    help: 'Webhook requests received, by outcome',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'relay_webhook_handling_seconds',
    help: 'Time from receiving a webhook to answering it, by outcome',
    labelNames: ['outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 5],
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: 'relay_deliveries_in_flight',
    help: 'Webhook events being handed to Temporal right now (at most RELAY_MAX_IN_FLIGHT)',
    registers: [registry],
  });
  return {
    registry,
    observe(outcome, seconds) {
      requests.inc({ outcome });
      latency.observe({ outcome }, seconds);
    },
    setInFlight(count) {
      inFlight.set(count);
    },
  };
}
