/**
 * NEEDS_REVIEW, the state of a payment whose outcome could not be proven, and the operator's way
 * out of it (`resolveReviewUpdate`). The lifecycle decides when to enter it and what a resolution
 * does; this class keeps the record in the status and hands each resolution to the lifecycle's
 * main loop, which checks it against the PSP's own record before answering the operator.
 */
import { ApplicationFailure, condition } from '@temporalio/workflow';
import { expectActivityFailure, nowIso, transition } from './lifecycle';
import {
  type CashInStatus,
  type CashOutStatus,
  NEEDS_REVIEW,
  type PaymentReview,
  type ReviewResolution,
} from './messages';

type Verdict = { accepted: true } | { refused: string };

export class Review {
  private request: ReviewResolution | null = null;
  private verdict: Verdict | null = null;

  constructor(private readonly status: CashInStatus | CashOutStatus) {
    status.review ??= null;
  }

  /** True while the payment is in NEEDS_REVIEW. */
  get open(): boolean {
    return this.status.state === NEEDS_REVIEW;
  }

  /** The operator's resolution waiting for the lifecycle to check and apply it. */
  get pending(): ReviewResolution | null {
    return this.verdict === null ? this.request : null;
  }

  /** Enters NEEDS_REVIEW, or refreshes why while in it; the money stays where it is. */
  enter(step: PaymentReview['step'], reason: string, retryingUntil: string | null): void {
    if (this.open && this.status.review) {
      this.status.review.reason = reason;
      this.status.review.retryingUntil = retryingUntil;
      return;
    }
    this.status.review = {
      step,
      reason,
      since: nowIso(),
      retryingUntil,
      resolution: null,
      contradiction: null,
    };
    transition(this.status as { state: string; timeline: CashOutStatus['timeline'] }, NEEDS_REVIEW, reason);
  }

  /** The lifecycle stopped sending the request again (the PSP's idempotency retention is near). */
  stopRetrying(): void {
    if (this.status.review) this.status.review.retryingUntil = null;
  }

  /** A PSP fact learnt after an operator's resolution that contradicts it: flagged, back in NEEDS_REVIEW. */
  flagContradiction(fact: string): void {
    if (!this.status.review) return;
    this.status.review.contradiction = fact;
    transition(this.status as { state: string; timeline: CashOutStatus['timeline'] }, NEEDS_REVIEW, fact);
  }

  /** The update's validator: only a payment in NEEDS_REVIEW, one resolution at a time, every field given. */
  validate(resolution: ReviewResolution | undefined): void {
    if (!this.open) throw new Error(`the payment is ${this.status.state}, not ${NEEDS_REVIEW}`);
    if (this.request !== null) throw new Error('another resolution is being applied');
    if (resolution?.decision !== 'SENT' && resolution?.decision !== 'NOT_SENT') {
      throw new Error('decision must be SENT or NOT_SENT');
    }
    if (typeof resolution.reason !== 'string' || resolution.reason.trim() === '') {
      throw new Error('reason must not be blank');
    }
    if (typeof resolution.resolvedBy !== 'string' || resolution.resolvedBy.trim() === '') {
      throw new Error('resolvedBy must not be blank');
    }
    const id = resolution.pspTransactionId;
    if (id !== undefined && (typeof id !== 'string' || !/^[\w.:-]{1,128}$/.test(id))) {
      throw new Error('pspTransactionId must be 1..128 letters, digits and . _ : -');
    }
  }

  /** The update's handler: waits for the lifecycle's verdict, then answers the status or the refusal. */
  async resolve(resolution: ReviewResolution): Promise<CashInStatus | CashOutStatus> {
    this.request = {
      ...resolution,
      reason: resolution.reason.trim(),
      resolvedBy: resolution.resolvedBy.trim(),
    };
    let verdict: Verdict;
    try {
      await condition(() => this.verdict !== null);
      verdict = this.verdict as Verdict;
    } finally {
      // Even if the wait ends otherwise, the next resolution is not refused as "being applied".
      this.request = null;
      this.verdict = null;
    }
    if ('refused' in verdict) {
      throw ApplicationFailure.create({
        type: 'REVIEW_RESOLUTION_REFUSED',
        message: verdict.refused,
        nonRetryable: true,
      });
    }
    return this.status;
  }

  /** The lifecycle accepts the pending resolution: recorded, with who and why, before it acts on it. */
  accept(): ReviewResolution {
    const resolution = this.request as ReviewResolution;
    if (this.status.review) this.status.review.resolution = { ...resolution, at: nowIso() };
    this.verdict = { accepted: true };
    return resolution;
  }

  /** The lifecycle refuses the pending resolution: the PSP's own record contradicts it, or it cannot apply. */
  refuse(why: string): void {
    this.verdict = { refused: why };
  }

  /** How the operator's decision reads in the timeline. */
  static note(resolution: ReviewResolution): string {
    return `${resolution.decision} by ${resolution.resolvedBy}: ${resolution.reason}`;
  }
}

/**
 * A wallet movement the PSP's record requires (a paid cash-in's credit, a returned cash-out's):
 * when the wallet refuses it (a platform's service that does not know the user, say), the money is
 * at the PSP and not in the wallet. Proven lifecycles then wait in NEEDS_REVIEW until an operator
 * has fixed the wallet and resolves SENT, which applies the movement again (its transfer id makes
 * that safe); older lifecycles fail, as they did.
 */
export async function moveUntilApplied(
  review: Review,
  proven: boolean,
  what: string,
  move: () => Promise<unknown>,
): Promise<void> {
  for (;;) {
    try {
      await move();
      return;
    } catch (err) {
      if (!proven) throw err;
      const failure = expectActivityFailure(err);
      review.enter('WALLET', `the wallet refused to ${what}: ${failure.code}`, null);
    }
    for (;;) {
      await condition(() => review.pending !== null);
      if (review.pending?.decision === 'SENT') {
        review.accept();
        break;
      }
      review.refuse(`the PSP's record requires it: fix the wallet, then resolve SENT to ${what} again`);
    }
  }
}
