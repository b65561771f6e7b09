import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { Agent, fetch } from 'undici';
import type { CashIn, CashOut, WebhookEventType } from '../domain/connectpsp';
import { webhookSignature } from '../domain/connectpsp/signatures';
import type { FaultRegistry } from './faults';
import { utcIso } from './time';
import type { TimerSet } from './timers';

export interface DeliveryLogEntry {
  eventType: WebhookEventType;
  transactionId: string;
  url: string;
  eventId: string;
  attempt: number;
  status: number | null;
  error: string | null;
  at: string;
}

interface PreparedEvent {
  eventType: WebhookEventType;
  transactionId: string;
  url: string;
  /** Serialised once: every attempt and every duplicate carries the same bytes and signature. */
  body: string;
}

export interface WebhookDispatcherOptions {
  cryptoToken: string;
  retryScheduleMs: readonly number[];
  timeoutMs: number;
  faults: FaultRegistry;
  timers: TimerSet;
  logger: Logger;
}

const MAX_LOG_ENTRIES = 10_000;
/** Abort reason of attempts cut short by reset() or close(): not a delivery failure, not logged. */
const STOPPED = new Error('sandbox stopped the delivery');

/**
 * Sends CASHIN_* / CASHOUT_* events in the background: fresh X-Event-Id per attempt, retries on
 * timeout or non-2xx after each delay of the schedule, every attempt in the delivery log.
 */
export class WebhookDispatcher {
  private log: DeliveryLogEntry[] = [];
  private withheld: PreparedEvent[] = [];
  /** One event per transaction held back until the next event of that transaction has been sent. */
  private readonly heldOutOfOrder = new Map<string, PreparedEvent>();
  private readonly inFlight = new Set<AbortController>();
  private readonly agent: Agent;
  private closed = false;

  constructor(private readonly options: WebhookDispatcherOptions) {
    this.agent = new Agent({ connect: { timeout: options.timeoutMs }, keepAliveTimeout: 1_000 });
  }

  emit(eventType: WebhookEventType, url: string | null, data: CashIn | CashOut): void {
    if (!url || this.closed) return;
    const { faults } = this.options;
    const event: PreparedEvent = {
      eventType,
      transactionId: data.transactionId,
      url,
      body: JSON.stringify({ eventType, eventAt: utcIso(Date.now()), data }),
    };
    const reference = data.externalReference;
    if (faults.forWebhook('withholdWebhook', reference)) {
      this.withheld.push(event);
      return;
    }
    const held = this.heldOutOfOrder.get(event.transactionId);
    if (!held && faults.forWebhook('outOfOrderWebhook', reference)) {
      this.heldOutOfOrder.set(event.transactionId, event);
      return;
    }
    this.heldOutOfOrder.delete(event.transactionId);
    const releaseHeld = held ? () => this.start(held) : undefined;
    this.start(event, releaseHeld);
    if (faults.forWebhook('duplicateWebhook', reference)) this.start(event);
  }

  /** Sends every withheld event (and any still held for reordering) now; returns how many. */
  release(): number {
    const events = [...this.withheld, ...this.heldOutOfOrder.values()];
    this.withheld = [];
    this.heldOutOfOrder.clear();
    for (const event of events) this.start(event);
    return events.length;
  }

  deliveries(): DeliveryLogEntry[] {
    return [...this.log];
  }

  /** Forgets the log and held events and aborts attempts in flight (timers are cleared by their owner). */
  reset(): void {
    this.log = [];
    this.withheld = [];
    this.heldOutOfOrder.clear();
    for (const controller of this.inFlight) controller.abort(STOPPED);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const controller of this.inFlight) controller.abort(STOPPED);
    await this.agent.destroy();
  }

  private start(event: PreparedEvent, afterFirstAttempt?: () => void): void {
    this.options.timers.after(0, () => this.attempt(event, 1, afterFirstAttempt));
  }

  private async attempt(
    event: PreparedEvent,
    attempt: number,
    afterFirstAttempt?: () => void,
  ): Promise<void> {
    if (this.closed) return;
    const { cryptoToken, timeoutMs, retryScheduleMs, timers, logger } = this.options;
    const eventId = randomUUID();
    const controller = new AbortController();
    const timeout = setTimeout(
      () => controller.abort(new Error(`timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
    this.inFlight.add(controller);
    let status: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetch(event.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-connect-signature': webhookSignature(event.body, cryptoToken),
          'x-event-id': eventId,
        },
        body: event.body,
        signal: controller.signal,
        dispatcher: this.agent,
      });
      await response.arrayBuffer();
      status = response.status;
    } catch (err) {
      // undici reports "fetch failed" and keeps the useful part (ECONNREFUSED, …) in `cause`.
      const reason = controller.signal.aborted ? controller.signal.reason : ((err as Error).cause ?? err);
      error = reason instanceof Error ? reason.message : String(reason);
    } finally {
      clearTimeout(timeout);
      this.inFlight.delete(controller);
    }
    if (this.closed || controller.signal.reason === STOPPED) return;

    this.log.push({
      eventType: event.eventType,
      transactionId: event.transactionId,
      url: event.url,
      eventId,
      attempt,
      status,
      error,
      at: utcIso(Date.now()),
    });
    if (this.log.length > MAX_LOG_ENTRIES) this.log.splice(0, this.log.length - MAX_LOG_ENTRIES);
    logger.debug({ eventType: event.eventType, eventId, attempt, status, error }, 'webhook attempt');
    afterFirstAttempt?.();

    if (status !== null && status >= 200 && status < 300) return;
    const delay = retryScheduleMs[attempt - 1];
    if (delay === undefined) {
      logger.warn({ eventType: event.eventType, attempts: attempt }, 'webhook delivery abandoned');
      return;
    }
    timers.after(delay, () => this.attempt(event, attempt + 1));
  }
}
