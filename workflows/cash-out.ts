/**
 * Cash-out `cash-out:<reference>`, a saga: validate → hold the amount on the wallet → send the PIX
 * (signed, idempotent; INSUFFICIENT_FUNDS at the PSP → rebalance top-up and a bounded retry) →
 * wait for the PSP's verdict, reconciling by GET → post the hold (SETTLED) or void it (REFUNDED,
 * with the PSP's reason). A send or verdict that cannot be proven keeps the hold and goes to
 * NEEDS_REVIEW, where the PSP's record or an operator decides. A settled cash-out keeps listening
 * for a CASHOUT_REFUNDED (the money came back) and credits the user once.
 */
import {
  ApplicationFailure,
  condition,
  continueAsNew,
  log,
  patched,
  setHandler,
  sleep,
} from '@temporalio/workflow';
import type { Payee } from '../domain/connectpsp/cash-out';
import { PSP_NOTHING_CREATED_CODES } from '../domain/connectpsp/common';
import { idempotencyKey } from '../domain/ids';
import { type FinalisationNote, type HoldFinalised, transferIds } from '../domain/ledger';
import {
  cashOutRequestDifferences,
  ValidationError,
  type ValidCashOutInput,
  validateCashOutInput,
  validationVerdict,
} from '../domain/validation';
import { ledger, psp, pspAttempts, pspReadsWithin, rebalance, validation } from './activity-proxies';
import { CANCELLATION_PATCH, Cancellation, shieldedFromCancellation } from './cancellation';
import {
  type CashOutWorkflowInput,
  DEFAULT_PSP_OUTCOME_DEADLINE_SECONDS,
  DEFAULT_PSP_RETRY_WINDOW_SECONDS,
} from './inputs';
import {
  answerWhenState,
  CLOSE_AT_TERMINAL_PATCH,
  checkAwaitStateRequest,
  expectActivityFailure,
  failLifecycle,
  finishLifecycle,
  initialSearchAttributes,
  isResetRun,
  lateEventWindow,
  nowIso,
  PROVEN_OUTCOMES_PATCH,
  RESET_CONVERGES_PATCH,
  reconcileBackoff,
  recordPspTransactionId,
  referenceInUse,
  transition,
  watchStep,
} from './lifecycle';
import {
  awaitStateUpdate,
  type CashOutAccepted,
  type CashOutRequest,
  type CashOutStatus,
  cashOutAcceptedUpdate,
  isTerminalState,
  type PaymentFailure,
  pspEventSignal,
  type ReviewResolution,
  requestDifferencesQuery,
  resolveReviewUpdate,
  statusQuery,
} from './messages';
import { callUntilProven } from './proven-call';
import { CASH_OUT_PSP, type CashOutPspStatus } from './psp-observations';
import { PspTracking } from './psp-tracking';
import { moveUntilApplied, Review } from './review';
import { cashOutWorkflowId } from './workflow-ids';

export async function cashOutWorkflow(input: CashOutWorkflowInput): Promise<CashOutStatus> {
  const cashOut = new CashOut(
    input,
    patched(PROVEN_OUTCOMES_PATCH),
    patched(CLOSE_AT_TERMINAL_PATCH),
    patched(CANCELLATION_PATCH),
    patched(RESET_CONVERGES_PATCH),
  );
  setHandler(statusQuery, () => cashOut.status);
  // Update handlers wait too; like the body, they outlive a cancellation request (answered lifecycles).
  const shielded = <T>(handle: () => Promise<T>) =>
    shieldedFromCancellation(cashOut.cancellation !== null, handle);
  setHandler(awaitStateUpdate, (request) => shielded(() => answerWhenState(() => cashOut.status, request)), {
    validator: checkAwaitStateRequest,
  });
  setHandler(requestDifferencesQuery, (request) => cashOut.requestDifferences(request as CashOutRequest));
  setHandler(pspEventSignal, (envelope) => cashOut.psp.onEvent(envelope));
  setHandler(cashOutAcceptedUpdate, () => shielded(() => cashOut.acceptedOnceHeld()), {
    validator: (request) => cashOut.checkSameRequest(request),
  });
  setHandler(resolveReviewUpdate, (resolution) => shielded(() => cashOut.review.resolve(resolution)), {
    validator: (resolution) => cashOut.review.validate(resolution),
  });

  return shieldedFromCancellation(cashOut.cancellation !== null, async () => {
    if (!input.resume) {
      initialSearchAttributes({ ...cashOut.status, kind: 'CASH_OUT' });
      const checked = await cashOut.validate();
      if ('invalid' in checked) return failLifecycle(cashOut.status, checked.invalid);

      // A reset run first learns from its hold whether the earlier run got that far (holdOnWallet).
      if (cashOut.cancellation?.pending && !isResetRun())
        return cashOut.endCancelled('nothing was held or sent');
      const finalised = await cashOut.holdOnWallet();
      if (finalised?.state === 'voided') return cashOut.rerunOfGivenBackHold(finalised.note);
      if (finalised?.note.pspTransactionId) {
        await cashOut.rerunOfPostedHold(finalised.note.pspTransactionId);
      } else {
        // A fresh hold; or one posted by an older lifecycle (no note), sent again with the same
        // key: the PSP replays its first answer (past its retention it refuses the reused
        // reference, which proves nothing: NEEDS_REVIEW).
        const refused = await cashOut.send(checked.valid);
        if (refused?.code === CANCELLED) return cashOut.cancelHeld();
        if (refused) return cashOut.giveBackAndFail(refused);
        const verdict = await cashOut.waitForVerdict();
        if ('giveBack' in verdict) return cashOut.giveBack(verdict.giveBack);
        await cashOut.settle(verdict.note);
      }
    }

    await cashOut.watchForReturn();
    return finishLifecycle(cashOut.status);
  });
}

/** The send's answer when a cancellation was honoured before an attempt: nothing left for the PSP. */
const CANCELLED = 'CANCELLED';

/** What ends the wait for the PSP: the hold is posted, or given back with a reason. */
type Verdict = { note?: string } | { giveBack: PaymentFailure };

/** A cash-out's state and steps; the workflow function above strings them together. */
class CashOut {
  readonly status: CashOutStatus;
  readonly psp: PspTracking<CashOutPspStatus>;
  readonly review: Review;
  private readonly reference: string;
  private readonly holdId: string;
  private readonly attempts: ReturnType<typeof pspAttempts>;
  /** How an unproven send was decided meanwhile: null, the PSP has it; otherwise why nothing was sent. */
  private sendDecision: PaymentFailure | null = null;
  /** An attempt of the send is under way or its outcome is not a proven refusal: the PSP may have the PIX. */
  private sendMayHaveLeft = false;
  /** Answers cancellation requests (since CANCELLATION_PATCH); null in older cash-outs. */
  readonly cancellation: Cancellation | null;

  /**
   * `proven`: started since PROVEN_OUTCOMES_PATCH; `closesAtTerminal`: since CLOSE_AT_TERMINAL_PATCH.
   * Older cash-outs replay the way they ran.
   */
  constructor(
    private readonly input: CashOutWorkflowInput,
    private readonly proven: boolean,
    private readonly closesAtTerminal: boolean,
    answersCancellation = false,
    private readonly convergesOnRerun = false,
  ) {
    this.reference = input.reference;
    this.holdId = transferIds.cashOutHold(input.reference);
    this.status = input.resume?.status ?? {
      kind: 'CASH_OUT',
      reference: input.reference,
      userId: input.userId,
      amountCents: input.amountCents,
      state: 'HOLDING',
      psp: { transactionId: null, internalCode: null, endToEndId: null, status: null },
      topUps: 0,
      ledger: { held: false, posted: false, voided: false, returned: false },
      failure: null,
      watchingUntil: null,
      timeline: [{ state: 'HOLDING', at: nowIso() }],
    };
    this.review = new Review(this.status);
    this.cancellation = answersCancellation
      ? new Cancellation(this.status, () => this.cancellationRefusal())
      : null;
    this.attempts = pspAttempts(input.pspCallTimeoutSeconds);
    const reads = pspReadsWithin(input.pspCallTimeoutSeconds);
    const { psp: known } = this.status;
    this.psp = new PspTracking({
      kind: { ...CASH_OUT_PSP, label: 'cash-out' },
      reference: this.reference,
      amountCents: input.amountCents,
      confirmEvents: proven,
      ...(closesAtTerminal ? { claimQuietAfterFailedReadMs: input.reconcileIntervalSeconds * 1000 } : {}),
      known: known.transactionId
        ? {
            status: known.status ?? 'PROCESSING',
            transactionId: known.transactionId,
            internalCode: known.internalCode,
            endToEndId: known.endToEndId,
            amountCents: input.amountCents,
            failure: this.status.failure,
          }
        : null,
      read: (id) => reads.getCashOut({ id }),
      onObserved: (latest, previous) => {
        this.status.psp = {
          ...this.status.psp,
          transactionId: latest.transactionId,
          internalCode: latest.internalCode ?? this.status.psp.internalCode,
          endToEndId: latest.endToEndId ?? this.status.psp.endToEndId,
          status: latest.status,
        };
        if (previous === null) recordPspTransactionId(latest.transactionId);
      },
      onUnconfirmed: () => {
        this.status.psp.unconfirmedEvents = (this.status.psp.unconfirmedEvents ?? 0) + 1;
      },
    });
  }

  // ---- start ---------------------------------------------------------------------------------

  /** The input's validation, recorded in history (older cash-outs validated inline, as they ran). */
  validate() {
    if (!this.proven) return Promise.resolve(validationVerdict(() => validateCashOutInput(this.input)));
    return validation.validateCashOutRequest(this.input);
  }

  /** The cashOutAccepted update's validator: a start with the same reference must be the same request. */
  /** The fields in which `request` differs from the request this cash-out was started for. */
  requestDifferences(request: CashOutRequest | undefined): string[] {
    try {
      return cashOutRequestDifferences(this.input, request as CashOutRequest);
    } catch (err) {
      if (err instanceof ValidationError) throw new Error(err.message);
      throw err;
    }
  }

  /** The cashOutAccepted update's validator: a start with the same reference must be the same request. */
  checkSameRequest(request: CashOutRequest | undefined): void {
    const differences = this.requestDifferences(request);
    if (differences.length > 0) throw referenceInUse(this.reference, 'cash-out', differences);
  }

  /** The cashOutAccepted update: answers once the amount is held, or fails with why nothing was held. */
  async acceptedOnceHeld(): Promise<CashOutAccepted> {
    await condition(
      () => this.status.ledger.held || this.status.state === 'FAILED' || this.status.state === 'CANCELLED',
    );
    if (this.status.ledger.held) return { reference: this.reference, state: this.status.state };
    const failure = this.status.failure ?? { code: 'CASH_OUT_FAILED', message: 'nothing was held' };
    throw ApplicationFailure.create({
      type: failure.code,
      message: failure.message,
      nonRetryable: true,
      details: [failure],
    });
  }

  /**
   * Holds the amount on the wallet; USER_INSUFFICIENT_FUNDS fails the lifecycle, nothing held,
   * nothing sent. Since RESET_CONVERGES_PATCH, a hold this reference already posted or voided (the
   * lifecycle is run again) answers what became of it; null for a hold placed (or replayed) now.
   */
  async holdOnWallet(): Promise<HoldFinalised | null> {
    let finalised: HoldFinalised | undefined;
    try {
      const outcome = await ledger.holdCashOut({
        transferId: this.holdId,
        userId: this.input.userId,
        reference: this.reference,
        amountCents: this.input.amountCents,
        ...(this.convergesOnRerun ? { answersFinalised: true } : {}),
      });
      finalised = outcome.finalised;
      // The hold was there before this attempt: an earlier run (a Reset) may have sent the PIX.
      if (this.cancellation && !outcome.created) this.sendMayHaveLeft = true;
    } catch (err) {
      await failLifecycle(this.status, expectActivityFailure(err));
    }
    this.status.ledger.held = true;
    return this.convergesOnRerun ? (finalised ?? null) : null;
  }

  // ---- run again (a reset) after the hold was finalised ------------------------------------------

  /**
   * The hold was posted before: the money left. The PSP's record, read by the transaction id kept
   * with the post, fills the status; the post is answered by its id; then it watches as settled.
   */
  async rerunOfPostedHold(transactionId: string): Promise<void> {
    this.sendMayHaveLeft = true;
    const status = await this.readUntilAdopted(transactionId);
    await this.settle('run again: the hold was already posted');
    if (status === 'FAILED' || status === 'CANCELLED') {
      this.review.enter(
        'PSP_OUTCOME',
        `run again: the hold was posted, but the PSP's record says ${status}; correct the wallet by hand`,
        null,
      );
    }
  }

  /**
   * The hold was given back before: nothing is ever sent again (the PSP's idempotency retention
   * may be over, and a resend would pay a second time with nothing held). The outcome follows what
   * was recorded with the void: the PSP's record when it knew the transaction (FAILED or CANCELLED
   * → REFUNDED; anything else → NEEDS_REVIEW: money may have left with the hold given back), else
   * the lifecycle's own reason (CANCELLED, or FAILED with its code).
   */
  async rerunOfGivenBackHold(note: FinalisationNote): Promise<CashOutStatus> {
    const failure = {
      code: note.failureCode ?? 'HOLD_ALREADY_VOIDED',
      message: 'run again: the hold was already given back; nothing is sent again',
    };
    if (!note.pspTransactionId) {
      await this.voidHold(note);
      if (failure.code === CANCELLED) return this.endCancelled('the hold was given back; nothing was sent');
      return failLifecycle(this.status, failure);
    }
    this.sendMayHaveLeft = true;
    const status = await this.readUntilAdopted(note.pspTransactionId);
    if (status === 'FAILED' || status === 'CANCELLED') {
      const verdict = this.verdictOfPsp();
      return this.giveBack('giveBack' in verdict ? verdict.giveBack : failure);
    }
    this.status.ledger.voided = true;
    this.review.enter(
      'PSP_OUTCOME',
      `run again: the hold was given back, but the PSP's record says ${status}: the money may have left; debit the wallet by hand, then resolve SENT`,
      null,
    );
    for (;;) {
      await condition(() => this.review.pending !== null);
      const resolution = this.review.pending;
      if (resolution?.decision === 'SENT') {
        this.review.accept();
        transition(this.status, 'SETTLED', Review.note(resolution));
        return finishLifecycle(this.status);
      }
      this.review.refuse(
        `the PSP's record says ${status}: only SENT, once the wallet is corrected, closes it`,
      );
    }
  }

  /** GET of a transaction id the ledger kept, asked again at the reconcile pace until the PSP answers it. */
  private async readUntilAdopted(transactionId: string): Promise<CashOutPspStatus> {
    const pause = reconcileBackoff(this.input.reconcileIntervalSeconds);
    while (!(await this.psp.adopt(transactionId))) {
      await sleep(pause());
    }
    return this.psp.status ?? 'PROCESSING';
  }

  // ---- send ------------------------------------------------------------------------------------

  /** POST /cash-out; returns why nothing was sent, or null once the PSP has it. */
  send(valid: ValidCashOutInput): Promise<PaymentFailure | null> {
    return this.proven ? this.sendUntilProven(valid) : this.sendAsFirstReleased(valid);
  }

  /** Each attempt after a top-up has its own key: a refused attempt's answer is replayed for its key. */
  private createRequest(valid: ValidCashOutInput, attempt: number) {
    const { input, reference } = this;
    return {
      externalReference: reference,
      amountCents: input.amountCents,
      ...(valid.description === undefined ? {} : { description: valid.description }),
      ...(input.webhookUrl === undefined ? {} : { webhookUrl: input.webhookUrl }),
      payee: wirePayee(valid),
      idempotencyKey: idempotencyKey(`cash-out:${reference}:create${attempt === 0 ? '' : `:${attempt}`}`),
    };
  }

  private async sendUntilProven(valid: ValidCashOutInput): Promise<PaymentFailure | null> {
    for (let attempt = 0; ; attempt++) {
      if (this.cancellation?.checkpoint())
        return { code: CANCELLED, message: 'cancelled before the PIX was sent' };
      transition(this.status, 'SENDING', attempt === 0 ? undefined : `attempt ${attempt + 1}`);
      const request = this.createRequest(valid, attempt);
      this.sendMayHaveLeft = true;
      const result = await callUntilProven({
        attempt: () => this.attempts.createCashOut(request),
        refusals: PSP_NOTHING_CREATED_CODES,
        review: this.review,
        step: 'SEND',
        label: 'POST /cash-out',
        retryWindowMs: (this.input.pspRetryWindowSeconds ?? DEFAULT_PSP_RETRY_WINDOW_SECONDS) * 1000,
        pauses: reconcileBackoff(this.input.reconcileIntervalSeconds),
        woken: () => this.psp.hasClaim || this.review.pending !== null,
        wokenWithinMs: () => this.psp.claimWakesInMs,
        decidedMeanwhile: () => this.sendDecidedMeanwhile(),
        reconcileAfterWindow: false,
      });
      if ('decidedElsewhere' in result) return this.sendDecision;
      if ('accepted' in result) {
        const created = result.accepted;
        this.psp.observe({
          status: 'PROCESSING',
          transactionId: created.transactionId,
          internalCode: created.internalCode,
          endToEndId: null,
          amountCents: created.amountCents,
          failure: null,
        });
        transition(
          this.status,
          'PROCESSING',
          this.review.open ? 'the PSP answered: it has the cash-out' : undefined,
        );
        return null;
      }
      const failure = result.refused;
      this.sendMayHaveLeft = false;
      if (failure.code !== 'INSUFFICIENT_FUNDS' || attempt >= this.input.topUpRetries) return failure;
      await this.topUp(attempt, failure);
    }
  }

  /**
   * Between attempts of an unproven send: a webhook naming this cash-out (its record read by GET)
   * or an operator's resolution (SENT with the PSP's id, checked by GET; NOT_SENT) may decide it.
   */
  private async sendDecidedMeanwhile(): Promise<boolean> {
    if (this.psp.hasClaim && (await this.psp.reconcile())) {
      transition(this.status, 'PROCESSING', "the PSP's record shows the cash-out");
      this.sendDecision = null;
      return true;
    }
    const resolution = this.review.pending;
    if (!resolution) return false;
    if (resolution.decision === 'NOT_SENT') {
      this.review.accept();
      this.sendDecision = { code: 'NOT_SENT', message: Review.note(resolution) };
      return true;
    }
    const transactionId = resolution.pspTransactionId ?? this.psp.transactionId;
    if (!transactionId) {
      this.review.refuse(
        'name the PSP transaction id of this cash-out (pspTransactionId): it was never learnt',
      );
      return false;
    }
    if (!(await this.psp.adopt(transactionId))) {
      this.review.refuse(
        `the PSP shows no cash-out ${transactionId} for reference ${this.reference} and this amount`,
      );
      return false;
    }
    this.review.accept();
    transition(this.status, 'PROCESSING', Review.note(resolution));
    this.sendDecision = null;
    return true;
  }

  /** The send of cash-outs started before proven outcomes, as it ran then. */
  private async sendAsFirstReleased(valid: ValidCashOutInput): Promise<PaymentFailure | null> {
    for (let attempt = 0; ; attempt++) {
      transition(this.status, 'SENDING', attempt === 0 ? undefined : `attempt ${attempt + 1}`);
      try {
        const created = await psp.createCashOut(this.createRequest(valid, attempt));
        this.psp.observe({
          status: 'PROCESSING',
          transactionId: created.transactionId,
          internalCode: created.internalCode,
          endToEndId: null,
          amountCents: created.amountCents,
          failure: null,
        });
        transition(this.status, 'PROCESSING');
        return null;
      } catch (err) {
        const failure = expectActivityFailure(err);
        if (!PSP_NOTHING_CREATED_CODES.has(failure.code) || this.psp.status !== null) {
          transition(this.status, 'PROCESSING', `the PSP may have it (${failure.code})`);
          return null;
        }
        if (failure.code !== 'INSUFFICIENT_FUNDS' || attempt >= this.input.topUpRetries) return failure;
        await this.topUp(attempt, failure);
      }
    }
  }

  /** The PSP lacks funds: ask the rebalance coordinator for a top-up before the next attempt. */
  private async topUp(attempt: number, failure: PaymentFailure): Promise<void> {
    this.status.topUps += 1;
    transition(this.status, 'TOPPING_UP', failure.message);
    const workflowId = cashOutWorkflowId(this.reference);
    try {
      await rebalance.requestRebalance({
        trigger: { source: 'CASH_OUT_TOP_UP', thresholdCents: 0, requestedBy: workflowId },
        updateId: `${workflowId}:top-up:${attempt + 1}`,
      });
    } catch (topUpErr) {
      log.warn('rebalance top-up failed; sending again anyway', { failure: expectActivityFailure(topUpErr) });
    }
  }

  /** Nothing left for the PSP: the hold is given back and the lifecycle fails with why. */
  async giveBackAndFail(refused: PaymentFailure): Promise<never> {
    await this.voidHold(this.noteOf(refused));
    return failLifecycle(this.status, refused);
  }

  // ---- the PSP's verdict -------------------------------------------------------------------------

  /**
   * Waits for COMPLETED / FAILED / CANCELLED (or REFUNDED out of order), reconciling by GET. In
   * proven cash-outs, a verdict overdue past its deadline goes to NEEDS_REVIEW (reconciling goes
   * on), where an operator may decide what the PSP's record does not contradict.
   */
  async waitForVerdict(): Promise<Verdict> {
    const decided = (s: CashOutPspStatus | null) => s !== null && s !== 'PROCESSING';
    const interval = this.input.reconcileIntervalSeconds;
    if (!this.proven) {
      await this.psp.waitUntil(decided, interval);
      return this.verdictOfPsp();
    }
    const deadlineSeconds = this.input.pspOutcomeDeadlineSeconds ?? DEFAULT_PSP_OUTCOME_DEADLINE_SECONDS;
    let deadlineMs: number | undefined = Date.now() + deadlineSeconds * 1000;
    for (;;) {
      await this.psp.waitUntil(decided, interval, deadlineMs, () => this.review.pending !== null);
      if (decided(this.psp.status)) return this.verdictOfPsp();
      const resolution = this.review.pending;
      if (resolution) {
        const verdict = await this.verdictOfOperator(resolution);
        if (verdict) return verdict;
      } else if (deadlineMs !== undefined && Date.now() >= deadlineMs) {
        this.review.enter('PSP_OUTCOME', `no verdict from the PSP after ${deadlineSeconds} s`, null);
        deadlineMs = undefined;
      }
    }
  }

  private verdictOfPsp(): Verdict {
    const outcome = this.psp.status;
    if (outcome === 'FAILED' || outcome === 'CANCELLED') {
      return {
        giveBack: this.psp.observation?.failure ?? {
          code: outcome,
          message: `the PSP reported the cash-out ${outcome}`,
        },
      };
    }
    return {};
  }

  /** An operator's resolution of an overdue verdict, accepted only where the PSP's record does not contradict it. */
  private async verdictOfOperator(resolution: ReviewResolution): Promise<Verdict | null> {
    const known = this.psp.transactionId;
    if (resolution.pspTransactionId !== undefined && resolution.pspTransactionId !== known) {
      this.review.refuse(`this cash-out is PSP transaction ${known}, not ${resolution.pspTransactionId}`);
      return null;
    }
    await this.psp.reconcile();
    const status = this.psp.status;
    const contradicted =
      resolution.decision === 'SENT'
        ? status === 'FAILED' || status === 'CANCELLED'
        : status === 'COMPLETED' || status === 'REFUNDED';
    if (contradicted) {
      this.review.refuse(`the PSP's record says ${status}`);
      return status === 'PROCESSING' ? null : this.verdictOfPsp();
    }
    if (status !== 'PROCESSING') {
      this.review.refuse(`the PSP's record now says ${status}: it decides`);
      return this.verdictOfPsp();
    }
    this.review.accept();
    const note = Review.note(resolution);
    return resolution.decision === 'SENT' ? { note } : { giveBack: { code: 'NOT_SENT', message: note } };
  }

  /** Why a cancellation request would be refused now; null while nothing can have left for the PSP. */
  private cancellationRefusal(): string | null {
    if (isTerminalState(this.status.state) || !this.sendMayHaveLeft) return null;
    return `the PSP may already have the PIX (${this.status.state}); the cash-out is followed to the PSP's outcome`;
  }

  /** A cancellation honoured before anything left for the PSP: nothing held, or the hold already given back. */
  endCancelled(reason: string): Promise<CashOutStatus> {
    this.cancellation?.honour('CANCELLED', reason);
    this.status.failure = { code: CANCELLED, message: reason };
    transition(this.status, 'CANCELLED', reason);
    return finishLifecycle(this.status);
  }

  /** A cancellation honoured after the hold, before any attempt could reach the PSP: the hold goes back. */
  async cancelHeld(): Promise<CashOutStatus> {
    await this.voidHold({ failureCode: CANCELLED });
    return this.endCancelled('the hold was given back; nothing was sent');
  }

  /** The PSP failed (or cancelled) the cash-out, or an operator said it was not sent: the hold goes back. */
  async giveBack(failure: PaymentFailure): Promise<CashOutStatus> {
    this.status.failure = failure;
    await this.voidHold(this.noteOf(failure));
    transition(this.status, 'REFUNDED', failure.code);
    return finishLifecycle(this.status);
  }

  /** COMPLETED, already REFUNDED (events out of order), or sent by an operator's word: the hold is posted. */
  async settle(note?: string): Promise<void> {
    await ledger.postCashOut({
      transferId: transferIds.cashOutPost(this.reference),
      pendingId: this.holdId,
      ...this.finalisationNote(this.noteOf(null)),
    });
    this.status.ledger.posted = true;
    transition(this.status, 'SETTLED', note);
  }

  private async voidHold(note: FinalisationNote): Promise<void> {
    await ledger.voidCashOut({
      transferId: transferIds.cashOutVoid(this.reference),
      pendingId: this.holdId,
      ...this.finalisationNote(note),
    });
    this.status.ledger.voided = true;
  }

  /** What a re-run should learn from the hold: the PSP transaction, when known, and why it was given back. */
  private noteOf(failure: PaymentFailure | null): FinalisationNote {
    const transactionId = this.psp.transactionId;
    return {
      ...(transactionId ? { pspTransactionId: transactionId } : {}),
      ...(failure ? { failureCode: failure.code } : {}),
    };
  }

  /** The note goes with the post or void only in lifecycles since RESET_CONVERGES_PATCH (older inputs replay unchanged). */
  private finalisationNote(note: FinalisationNote): { note?: FinalisationNote } {
    return this.convergesOnRerun ? { note } : {};
  }

  // ---- after settlement ------------------------------------------------------------------------------

  /** Until the window closes, a CASHOUT_REFUNDED (the payee's bank sent it back) credits the user once. */
  async watchForReturn(): Promise<void> {
    const window = lateEventWindow(this.input, this.closesAtTerminal);
    this.status.watchingUntil = new Date(window.untilMs).toISOString();
    const returned = () => this.psp.status === 'REFUNDED';
    const carryOn = () =>
      continueAsNew<typeof cashOutWorkflow>({
        ...this.input,
        resume: { status: this.status, watchUntilMs: window.untilMs },
      });
    const reconcile = async () => {
      await this.psp.reconcile();
      this.flagWhatContradictsTheOperator();
    };
    // A resolution asked while settled (a flagged contradiction) is answered, never left waiting:
    // the money already left, so only a correction by hand can undo it (lifecycles since close-at-terminal).
    const answersResolutions = this.closesAtTerminal;
    const resolutionAsked = () => answersResolutions && this.review.pending !== null;
    const closeAsked = () => this.cancellation?.pending === true;
    while (!returned()) {
      const woken = () => returned() || this.psp.hasClaim || resolutionAsked() || closeAsked();
      if (!(await watchStep(window, this.input.maxHistoryEvents, woken, reconcile, carryOn))) {
        this.status.watchingUntil = null;
        return;
      }
      if (closeAsked() && !returned()) {
        this.closeEarly();
        return;
      }
      if (resolutionAsked()) {
        this.review.refuse(
          'the cash-out is settled and its money left; a contradiction by the PSP is corrected by hand in the wallet (docs/operations.md)',
        );
      }
      if (this.psp.hasClaim) await reconcile();
    }
    await moveUntilApplied(this.review, this.proven, 'credit the return', () =>
      ledger.creditCashOutReturn({
        transferId: transferIds.cashOutReturn(this.reference),
        userId: this.input.userId,
        amountCents: this.input.amountCents,
        reference: this.reference,
      }),
    );
    this.status.ledger.returned = true;
    this.status.watchingUntil = null;
    transition(this.status, 'REFUNDED', 'returned by the payee bank');
  }

  /** A cancellation of a settled cash-out: nothing to undo, the workflow just closes now. */
  private closeEarly(): void {
    const reason = 'already settled: the workflow closes now; a later return runs in a late-event run';
    this.cancellation?.honour('CLOSED', reason);
    this.status.watchingUntil = null;
    transition(this.status, this.status.state, `cancellation: ${reason}`);
  }

  /** Settled on an operator's word, then the PSP says it failed: flagged, nothing moved back silently. */
  private flagWhatContradictsTheOperator(): void {
    const review = this.status.review;
    const status = this.psp.status;
    if (review?.resolution?.decision !== 'SENT' || review.contradiction) return;
    if (status === 'FAILED' || status === 'CANCELLED') {
      this.review.flagContradiction(
        `settled on ${review.resolution.resolvedBy}'s word, but the PSP says ${status}`,
      );
    }
  }
}

function wirePayee(valid: ValidCashOutInput): Payee {
  const { name, document } = valid.payee;
  if (valid.payee.bankAccount)
    return { name, document, destination: { type: 'BANK_ACCOUNT', bankAccount: valid.payee.bankAccount } };
  return {
    name,
    document,
    destination: { type: 'PIX', pixKeyType: valid.payee.pixKeyType, pixKey: valid.payee.pixKey },
  };
}
