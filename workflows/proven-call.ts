/**
 * A mutating PSP call (send a cash-out, refund a cash-in) made until its outcome is proven.
 *
 * Only a refusal proves that nothing was done, and only when no earlier attempt of the same call
 * had an unknown outcome: the first attempt may have gone through before, say, a credential
 * rotation made the retry fail with INVALID_SIGNATURE. Once an outcome is unknown (a dropped
 * connection, a timeout, a 5xx, an unreadable answer, a code we do not know), the payment goes to
 * NEEDS_REVIEW, keeps its money where it is, and sends the same request with the same idempotency
 * key again at backed-off pauses (a PSP replay returns the first answer), but never past the PSP's
 * idempotency retention: after that only the PSP's own record or an operator can decide.
 */
import { condition, log } from '@temporalio/workflow';
import { attemptVerdict } from '../domain/connectpsp/common';
import { expectActivityFailure } from './lifecycle';
import type { PaymentFailure, PaymentReview } from './messages';
import type { Review } from './review';

export type ProvenCallResult<T> =
  /** The PSP answered success (first or replayed): it has the request. */
  | { accepted: T }
  /** Refused, with no earlier unknown outcome: nothing was done. */
  | { refused: PaymentFailure }
  /** The PSP's own record, or an operator, decided meanwhile: the caller reads its state. */
  | { decidedElsewhere: true };

export interface ProvenCallOptions<T> {
  /** One attempt, always with the same idempotency key. */
  attempt(): Promise<T>;
  /** The failure codes that refuse this call (they prove nothing was done, absent an unknown outcome). */
  refusals: ReadonlySet<string>;
  review: Review;
  step: PaymentReview['step'];
  /** How the call reads in the review's reason, e.g. `POST /cash-out`. */
  label: string;
  /** How long the same key may be sent again after the first attempt (below the PSP's retention). */
  retryWindowMs: number;
  /** Successive pauses between attempts. */
  pauses(): number;
  /** What wakes the wait between attempts early: a webhook claim, an operator's resolution. */
  woken(): boolean;
  /** The longest a wait may last before `woken` turns true by itself (a claim waiting out its pause), if any. */
  wokenWithinMs?(): number | undefined;
  /** Whether the PSP's record (read by GET) or an operator has decided meanwhile. */
  decidedMeanwhile(): Promise<boolean>;
  /** After the retry window: read the PSP's record now and then (it can be looked up), or only wait to be woken. */
  reconcileAfterWindow: boolean;
}

export async function callUntilProven<T>(options: ProvenCallOptions<T>): Promise<ProvenCallResult<T>> {
  const windowEndsMs = Date.now() + options.retryWindowMs;
  for (;;) {
    let failure: PaymentFailure;
    try {
      return { accepted: await options.attempt() };
    } catch (err) {
      failure = expectActivityFailure(err);
    }
    const verdict = attemptVerdict(failure.code, options.refusals);
    if (verdict === 'refused' && !options.review.open) return { refused: failure };
    if (verdict === 'unknown' || options.review.open) {
      options.review.enter(
        options.step,
        `${options.label}: ${failure.code}`,
        new Date(windowEndsMs).toISOString(),
      );
    }
    log.warn(
      `${options.label}: outcome not proven yet (${failure.code}); the same request will be sent again`,
    );

    const retryAtMs = Date.now() + options.pauses();
    if (retryAtMs >= windowEndsMs) {
      // Every attempt provably did nothing: that is a refusal too.
      if (!options.review.open) return { refused: failure };
      options.review.stopRetrying();
      return waitForADecision(options);
    }
    while (Date.now() < retryAtMs) {
      if (!(await condition(options.woken, soonest(retryAtMs - Date.now(), options.wokenWithinMs?.()))))
        if (Date.now() >= retryAtMs) break;
      if (await options.decidedMeanwhile()) return { decidedElsewhere: true };
    }
  }
}

/** Past the retry window, only the PSP's record (a webhook, a GET) or an operator can end the wait. */
async function waitForADecision<T>(options: ProvenCallOptions<T>): Promise<ProvenCallResult<T>> {
  for (;;) {
    const pauseMs = options.reconcileAfterWindow ? options.pauses() : undefined;
    const waitMs = soonest(pauseMs, options.wokenWithinMs?.());
    if (waitMs === undefined) await condition(options.woken);
    else await condition(options.woken, waitMs);
    if (await options.decidedMeanwhile()) return { decidedElsewhere: true };
  }
}

/** The shorter of two optional waits. */
function soonest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  return b === undefined ? a : Math.min(a, b);
}
