/**
 * A cancellation request (the Web UI's "Request Cancellation", `temporal workflow cancel`) answered
 * the way a payment allows. Since CANCELLATION_PATCH a lifecycle runs in a non-cancellable scope, so
 * no step that moves money is ever cut in half, and reads the request as a flag: at the points
 * where nothing has left for the PSP it honours it (gives any hold back, ends CANCELLED); once
 * the PSP may have the payment it refuses it, records why, and follows the payment to the PSP's
 * real outcome; a settled payment just closes early.
 */
import { CancellationScope } from '@temporalio/workflow';
import { nowIso, transition } from './lifecycle';
import type { CancellationAnswer, TimelineEntry } from './messages';

export const CANCELLATION_PATCH = 'cancellation-answered';

type Answered = { state: string; timeline: TimelineEntry[]; cancellation?: CancellationAnswer };

export class Cancellation {
  private requestedAt: string | null = null;

  /**
   * `refusal`: why a request would be refused right now (the PSP may have the payment), or null
   * while the lifecycle can still honour it at its next checkpoint.
   */
  constructor(
    private readonly status: Answered,
    private readonly refusal: () => string | null,
  ) {
    CancellationScope.current().cancelRequested.catch(() => this.requested());
  }

  /** Asked and not refused: the lifecycle should honour it at this checkpoint. */
  get pending(): boolean {
    return this.requestedAt !== null && this.status.cancellation === undefined;
  }

  /**
   * At a checkpoint: true when a request waits and can still be honoured. A request asked while it
   * could be honoured, that the lifecycle has since learnt it cannot (a reset run found the hold
   * its earlier run placed), is refused and recorded here instead.
   */
  checkpoint(): boolean {
    if (!this.pending) return false;
    const why = this.refusal();
    if (why === null) return true;
    this.refuse(why);
    return false;
  }

  /** Records the request as honoured (the caller then ends the payment or closes the workflow). */
  honour(outcome: 'CANCELLED' | 'CLOSED', reason: string): void {
    this.status.cancellation = { requestedAt: this.requestedAt ?? nowIso(), outcome, reason };
  }

  private requested(): void {
    if (this.requestedAt !== null) return;
    this.requestedAt = nowIso();
    const why = this.refusal();
    if (why !== null) this.refuse(why);
  }

  private refuse(why: string): void {
    this.status.cancellation = { requestedAt: this.requestedAt ?? nowIso(), outcome: 'REFUSED', reason: why };
    transition(this.status, this.status.state, `cancellation refused: ${why}`);
  }
}

/** Runs a lifecycle so that a cancellation request never interrupts it (answered lifecycles only). */
export function shieldedFromCancellation<T>(
  answersCancellation: boolean,
  body: () => Promise<T>,
): Promise<T> {
  return answersCancellation ? CancellationScope.nonCancellable(body) : body();
}
