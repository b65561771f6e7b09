/**
 * What a payment lifecycle knows of its PSP transaction, kept in one place for cash-in and
 * cash-out: observations only ever move forward, and the wait for the PSP to decide reconciles by
 * GET at backed-off intervals.
 *
 * A webhook is a wake-up, the PSP's own record is the truth: in lifecycles started since patch
 * `proven-outcomes` (`confirmEvents`), a `pspEvent` only records a claim and wakes the lifecycle,
 * which then reads the record with GET; a claim the record does not bear out is logged and
 * counted, never applied. So a leaked signing key cannot mint money. Older lifecycles observe
 * the event itself, as they did when they started.
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

export type PspRecord<S extends string> = Parameters<typeof observationFromRecord<S>>[1] & {
  externalReference: string;
};

export interface PspTrackingOptions<S extends string> {
  kind: PspKind<S> & { label: 'cash-in' | 'cash-out' };
  reference: string;
  /** Cash-out: the amount sent; a record of another amount is not this payment's. (A cash-in's record states what was paid.) */
  amountCents?: number;
  /** What is already known (a lifecycle resumed after continue-as-new), or null. */
  known: PspObservation<S> | null;
  /** Webhooks wake the lifecycle and the GET decides (true), or are observed as they come (older lifecycles). */
  confirmEvents: boolean;
  /**
   * After a GET the PSP did not answer, a pending claim stops waking the lifecycle for this long
   * (lifecycles since close-at-terminal: their reconciliation interval). Older ones re-read at
   * once, which during a PSP outage adds a failed read to the history every few seconds.
   */
  claimQuietAfterFailedReadMs?: number;
  /** GET of the PSP's record by transaction id. */
  read(transactionId: string): Promise<PspRecord<S>>;
  /** Called after every observation, with the latest: the lifecycle mirrors it into its status. */
  onObserved(latest: PspObservation<S>, previous: PspObservation<S> | null): void;
  /** Called when a webhook's claim was not borne out by the PSP's record. */
  onUnconfirmed?(): void;
}

export class PspTracking<S extends string> {
  private latest: PspObservation<S> | null;
  /** The furthest webhook claim not yet checked against the PSP's record (confirmEvents only). */
  private claim: PspObservation<S> | null = null;
  /** A claim does not wake the lifecycle before this (workflow time, ms): the last GET failed. */
  private claimQuietUntilMs = 0;

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

  /** A webhook claims more than is known: the lifecycle should read the PSP's record. */
  get hasClaim(): boolean {
    return this.claim !== null && Date.now() >= this.claimQuietUntilMs;
  }

  /** How long until a claim held back after a failed read wakes the lifecycle again; undefined when none is held back. */
  get claimWakesInMs(): number | undefined {
    const remainingMs = this.claimQuietUntilMs - Date.now();
    return this.claim !== null && remainingMs > 0 ? remainingMs : undefined;
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
    if (!this.options.confirmEvents) {
      this.observe(next);
      return;
    }
    const { rank } = this.options.kind;
    if (this.latest && rank[next.status] <= rank[this.latest.status]) return; // nothing new
    this.claim = later(this.options.kind, this.claim, next);
  }

  /**
   * GET of the PSP's record (by the known transaction id, or the one a webhook named); a PSP that
   * cannot answer now is asked again at the next tick. True when the record was read.
   */
  async reconcile(): Promise<boolean> {
    const claim = this.claim;
    this.claim = null;
    const transactionId = this.transactionId ?? claim?.transactionId;
    if (!transactionId) return false; // not yet identified: only a webhook can tell
    let record: PspRecord<S>;
    try {
      record = await this.options.read(transactionId);
    } catch (err) {
      log.warn(`${this.options.kind.label} reconciliation failed; retrying at the next tick`, {
        failure: expectActivityFailure(err),
      });
      if (claim) this.claim = later(this.options.kind, this.claim, claim);
      this.claimQuietUntilMs = Date.now() + (this.options.claimQuietAfterFailedReadMs ?? 0);
      return false;
    }
    if (!this.isThisPayment(record)) {
      this.unconfirmed(claim, 'the record named by the event belongs to another payment');
      return false;
    }
    this.observe(observationFromRecord(this.options.kind, record));
    if (claim && this.options.kind.rank[claim.status] > this.options.kind.rank[record.status]) {
      this.unconfirmed(claim, `the PSP's record says ${record.status}`);
    }
    return true;
  }

  /**
   * Checks what an operator says is this payment's transaction: true, and observed, when the PSP's
   * record exists and is this payment's; false when it is not (or the PSP cannot say now).
   */
  async adopt(transactionId: string): Promise<boolean> {
    try {
      const record = await this.options.read(transactionId);
      if (!this.isThisPayment(record)) return false;
      this.observe(observationFromRecord(this.options.kind, record));
      return true;
    } catch (err) {
      log.warn(`${this.options.kind.label}: the PSP could not confirm ${transactionId}`, {
        failure: expectActivityFailure(err),
      });
      return false;
    }
  }

  /**
   * Waits until the PSP status satisfies `done` (or `interrupt` holds): woken by webhooks,
   * reconciling by GET at pauses that start at `intervalSeconds` and double up to an hour, and at
   * `deadlineMs` when given (then it returns, `done` or not).
   */
  async waitUntil(
    done: (status: S | null) => boolean,
    intervalSeconds: number,
    deadlineMs?: number,
    interrupt: () => boolean = () => false,
  ): Promise<void> {
    const nextReconcileMs = reconcileBackoff(intervalSeconds);
    while (!done(this.status) && !interrupt()) {
      const untilDeadline = deadlineMs === undefined ? Number.POSITIVE_INFINITY : deadlineMs - Date.now();
      const interval = nextReconcileMs();
      const wait = untilDeadline > 0 ? Math.min(interval, untilDeadline) : interval;
      if (await condition(() => done(this.status) || this.hasClaim || interrupt(), wait)) {
        if (done(this.status) || interrupt()) return;
      }
      await this.reconcile();
      if (this.options.confirmEvents && deadlineMs !== undefined && Date.now() >= deadlineMs) return;
    }
  }

  private isThisPayment(record: PspRecord<S>): boolean {
    const { reference, amountCents } = this.options;
    return (
      record.externalReference === reference &&
      (amountCents === undefined || record.amountCents === amountCents)
    );
  }

  private unconfirmed(claim: PspObservation<S> | null, why: string): void {
    if (!claim) return;
    log.warn(`PSP event not confirmed: ${why}; nothing applied`, {
      claimed: claim.status,
      transactionId: claim.transactionId,
    });
    this.options.onUnconfirmed?.();
  }
}
