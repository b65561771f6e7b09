/**
 * What a payment lifecycle knows of its PSP transaction, kept in one place for cash-in and
 * cash-out: observations from webhooks (the `pspEvent` signal) and from the PSP's own record
 * (reconciliation by GET), only ever moving forward, and the wait for the PSP to decide.
 */
import { condition, log } from '@temporalio/workflow';
import { expectActivityFailure, reconcileBackoff } from './lifecycle';
import type { PspEventEnvelope } from './messages';
import {
  later,
  observationFromEvent,
  observationFromRecord,
  type PspKind,
  type PspObservation,
} from './psp-observations';

export interface PspTrackingOptions<S extends string> {
  kind: PspKind<S> & { label: 'cash-in' | 'cash-out' };
  reference: string;
  /** What is already known (a lifecycle resumed after continue-as-new), or null. */
  known: PspObservation<S> | null;
  /** GET of the PSP's record by transaction id. */
  read(transactionId: string): Promise<Parameters<typeof observationFromRecord<S>>[1]>;
  /** Called after every observation, with the latest: the lifecycle mirrors it into its status. */
  onObserved(latest: PspObservation<S>, previous: PspObservation<S> | null): void;
}

export class PspTracking<S extends string> {
  private latest: PspObservation<S> | null;

  constructor(private readonly options: PspTrackingOptions<S>) {
    this.latest = options.known;
  }

  /** The PSP status as far as known; null before the PSP named the transaction. */
  get status(): S | null {
    return this.latest?.status ?? null;
  }

  get observation(): PspObservation<S> | null {
    return this.latest;
  }

  get transactionId(): string | null {
    return this.latest?.transactionId ?? null;
  }

  observe(next: PspObservation<S>): void {
    const previous = this.latest;
    this.latest = later(this.options.kind, previous, next);
    this.options.onObserved(this.latest, previous);
  }

  /** The `pspEvent` signal: an envelope of another payment (or transaction) is logged and ignored. */
  onEvent(envelope: PspEventEnvelope): void {
    const next = observationFromEvent(this.options.kind, envelope, this.options.reference);
    const known = this.transactionId;
    if (!next || (known !== null && next.transactionId !== known)) {
      log.warn(`PSP event ignored: not this ${this.options.kind.label}`, { eventType: envelope.eventType });
      return;
    }
    this.observe(next);
  }

  /** GET of the PSP's record; a PSP that cannot answer now is asked again at the next tick. */
  async reconcile(): Promise<void> {
    const transactionId = this.transactionId;
    if (!transactionId) return; // not yet identified: only a webhook can tell
    try {
      this.observe(observationFromRecord(this.options.kind, await this.options.read(transactionId)));
    } catch (err) {
      log.warn(`${this.options.kind.label} reconciliation failed; retrying at the next tick`, {
        failure: expectActivityFailure(err),
      });
    }
  }

  /**
   * Waits until the PSP status satisfies `done`: woken by webhooks, reconciling by GET at pauses
   * that start at `intervalSeconds` and double up to an hour, and at `deadlineMs` when given.
   */
  async waitUntil(done: (status: S | null) => boolean, intervalSeconds: number, deadlineMs?: number) {
    const nextReconcileMs = reconcileBackoff(intervalSeconds);
    while (!done(this.status)) {
      const untilDeadline = deadlineMs === undefined ? Number.POSITIVE_INFINITY : deadlineMs - Date.now();
      const interval = nextReconcileMs();
      const wait = untilDeadline > 0 ? Math.min(interval, untilDeadline) : interval;
      if (await condition(() => done(this.status), wait)) return;
      await this.reconcile();
    }
  }
}
