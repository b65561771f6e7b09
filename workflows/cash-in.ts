/**
 * Cash-in `cash-in:<reference>`: create the PIX charge → hand the QR code to the caller
 * (cashInChargeUpdate, used with update-with-start) → wait for the payment or expiry, the PSP's
 * record (GET) deciding → credit the wallet once → SETTLED, then keep listening for a refund
 * (platform-requested or a MED reversal) that debits the wallet back. A refund or a verdict that
 * cannot be proven keeps the money where it is and goes to NEEDS_REVIEW.
 */
import { ApplicationFailure, condition, continueAsNew, patched, setHandler } from '@temporalio/workflow';
import { REFUND_REASONS, type RefundReason } from '../domain/connectpsp/cash-in';
import { PSP_REFUND_REFUSAL_CODES } from '../domain/connectpsp/common';
import { idempotencyKey } from '../domain/ids';
import { transferIds } from '../domain/ledger';
import { formatBrl } from '../domain/money';
import {
  cashInRequestDifferences,
  ValidationError,
  validateCashInInput,
  validationVerdict,
} from '../domain/validation';
import { ledger, psp, pspAttempts, pspChargeCreation, pspReadsWithin, validation } from './activity-proxies';
import { CANCELLATION_PATCH, Cancellation, shieldedFromCancellation } from './cancellation';
import {
  type CashInWorkflowInput,
  DEFAULT_PSP_OUTCOME_DEADLINE_SECONDS,
  DEFAULT_PSP_RETRY_WINDOW_SECONDS,
} from './inputs';
import {
  activityFailure,
  answerWhenState,
  CLOSE_AT_TERMINAL_PATCH,
  checkAwaitStateRequest,
  expectActivityFailure,
  failLifecycle,
  finishLifecycle,
  initialSearchAttributes,
  lateEventWindow,
  nowIso,
  PROVEN_OUTCOMES_PATCH,
  reconcileBackoff,
  recordPspTransactionId,
  referenceInUse,
  transition,
  watchStep,
} from './lifecycle';
import {
  awaitStateUpdate,
  type CashInCharge,
  type CashInRefundAccepted,
  type CashInRefundRequest,
  type CashInRequest,
  type CashInStatus,
  cashInChargeUpdate,
  isTerminalState,
  type PaymentFailure,
  pspEventSignal,
  refundCashInUpdate,
  requestDifferencesQuery,
  resolveReviewUpdate,
  statusQuery,
} from './messages';
import { callUntilProven } from './proven-call';
import { CASH_IN_PSP, type CashInPspStatus } from './psp-observations';
import { PspTracking } from './psp-tracking';
import { moveUntilApplied, Review } from './review';

/** Cash-ins started before this patch refund without holding the wallet first (see holdRefundOnWallet). */
const REFUND_HOLD_PATCH = 'cash-in-refund-hold';
/** The expiry cap when cash-ins validated inline (raised caps only: a lower one would change their replay). */
const FIRST_RELEASED_MAX_EXPIRY_MINUTES = 525_600;

export async function cashInWorkflow(input: CashInWorkflowInput): Promise<CashInStatus> {
  const cashIn = new CashIn(
    input,
    patched(PROVEN_OUTCOMES_PATCH),
    patched(CLOSE_AT_TERMINAL_PATCH),
    patched(CANCELLATION_PATCH),
  );
  // Handlers first: an event, a status read or the QR request may arrive before anything else ran.
  setHandler(statusQuery, () => cashIn.status);
  // Update handlers wait too; like the body, they outlive a cancellation request (answered lifecycles).
  const shielded = <T>(handle: () => Promise<T>) =>
    shieldedFromCancellation(cashIn.cancellation !== null, handle);
  setHandler(awaitStateUpdate, (request) => shielded(() => answerWhenState(() => cashIn.status, request)), {
    validator: checkAwaitStateRequest,
  });
  setHandler(requestDifferencesQuery, (request) => cashIn.requestDifferences(request as CashInRequest));
  setHandler(pspEventSignal, (envelope) => cashIn.psp.onEvent(envelope));
  setHandler(cashInChargeUpdate, () => shielded(() => cashIn.chargeOnceCreated()), {
    validator: (request?: CashInRequest) => cashIn.checkSameRequest(request),
  });
  setHandler(refundCashInUpdate, (request) => shielded(() => cashIn.answerRefundRequest(request)), {
    validator: (request) => cashIn.checkRefundRequest(request),
  });
  setHandler(resolveReviewUpdate, (resolution) => shielded(() => cashIn.review.resolve(resolution)), {
    validator: (resolution) => cashIn.review.validate(resolution),
  });

  return shieldedFromCancellation(cashIn.cancellation !== null, async () => {
    if (!input.resume) {
      initialSearchAttributes({ ...cashIn.status, kind: 'CASH_IN' });
      const checked = await cashIn.validate();
      if ('invalid' in checked) return failLifecycle(cashIn.status, checked.invalid);

      if (cashIn.cancellation?.pending) return cashIn.endCancelled();
      await cashIn.createCharge();
      const outcome = await cashIn.waitForPaymentOrExpiry();
      if (outcome === 'EXPIRED' || outcome === 'CANCELLED') return cashIn.expire(outcome);
      if (outcome === 'REFUNDED') return cashIn.refundedBeforeSettlement();
      if (!cashIn.paidTheExpectedAmount()) return cashIn.refundWrongAmount();
      await cashIn.creditWallet();
    }

    await cashIn.watchForRefund();
    return finishLifecycle(cashIn.status);
  });
}

/** How an unproven refund ended: refunded (the PSP's record says so) or not (with why). */
type RefundEnd = { refunded: true } | { notRefunded: PaymentFailure };

/** A cash-in's state and steps; the workflow function above strings them together. */
class CashIn {
  readonly status: CashInStatus;
  readonly psp: PspTracking<CashInPspStatus>;
  readonly review: Review;
  private readonly reference: string;
  private readonly attempts: ReturnType<typeof pspAttempts>;
  private expiresAtMs = 0;
  private refundRequest: CashInRefundRequest | null = null;
  private refundOutcome: { accepted: CashInRefundAccepted } | { rejected: PaymentFailure } | null = null;
  /** The platform refund's hold on the wallet (or why it could not be placed), while a refund is under way. */
  private refundHold: { held: string } | { rejected: PaymentFailure } | null = null;
  /** Set when watching ended (window over, or refunded): no refund can be asked of this workflow any more. */
  private watchClosed = false;
  /** How an unproven refund was decided meanwhile (by the PSP's record or an operator). */
  private refundEnd: RefundEnd | null = null;
  /** POST /cash-in has been tried: the charge may exist at the PSP. */
  private chargeMayExist = false;
  /** Answers cancellation requests (since CANCELLATION_PATCH); null in older cash-ins. */
  readonly cancellation: Cancellation | null;

  /**
   * `proven`: started since PROVEN_OUTCOMES_PATCH; `closesAtTerminal`: since CLOSE_AT_TERMINAL_PATCH.
   * Older cash-ins replay the way they ran.
   */
  constructor(
    private readonly input: CashInWorkflowInput,
    private readonly proven: boolean,
    private readonly closesAtTerminal: boolean,
    answersCancellation = false,
  ) {
    this.reference = input.reference;
    this.status = input.resume?.status ?? {
      kind: 'CASH_IN',
      reference: input.reference,
      userId: input.userId,
      amountCents: input.amountCents,
      state: 'CREATING',
      psp: { transactionId: null, internalCode: null, endToEndId: null, status: null, paidAmountCents: null },
      charge: null,
      refund: null,
      ledger: { credited: false, reversed: false },
      failure: null,
      watchingUntil: null,
      timeline: [{ state: 'CREATING', at: nowIso() }],
    };
    const refused = input.resume?.refundRefused;
    if (refused) {
      this.refundRequest = {};
      this.refundOutcome = { rejected: refused };
    }
    this.review = new Review(this.status);
    this.cancellation = answersCancellation
      ? new Cancellation(this.status, () => this.cancellationRefusal())
      : null;
    this.attempts = pspAttempts(input.pspCallTimeoutSeconds);
    const reads = pspReadsWithin(input.pspCallTimeoutSeconds);
    const { psp: known } = this.status;
    this.psp = new PspTracking({
      kind: { ...CASH_IN_PSP, label: 'cash-in' },
      reference: this.reference,
      confirmEvents: proven,
      ...(closesAtTerminal ? { claimQuietAfterFailedReadMs: input.reconcileIntervalSeconds * 1000 } : {}),
      known: known.transactionId
        ? {
            status: known.status ?? 'AWAITING_PAYMENT',
            transactionId: known.transactionId,
            internalCode: known.internalCode,
            endToEndId: known.endToEndId,
            amountCents: known.paidAmountCents,
            failure: null,
          }
        : null,
      read: (id) => reads.getCashIn({ id }),
      onObserved: (latest) => {
        this.status.psp = {
          ...this.status.psp,
          transactionId: latest.transactionId,
          internalCode: latest.internalCode ?? this.status.psp.internalCode,
          endToEndId: latest.endToEndId ?? this.status.psp.endToEndId,
          status: latest.status,
          paidAmountCents: latest.amountCents,
        };
      },
      onUnconfirmed: () => {
        this.status.psp.unconfirmedEvents = (this.status.psp.unconfirmedEvents ?? 0) + 1;
      },
    });
  }

  private pspStatus(): CashInPspStatus {
    return this.psp.status ?? 'AWAITING_PAYMENT';
  }

  /** The ledger input of a movement of this cash-in's whole amount on the user's wallet. */
  private walletMovement(transferId: string) {
    return {
      transferId,
      userId: this.input.userId,
      amountCents: this.input.amountCents,
      reference: this.reference,
    };
  }

  private get retryWindowMs(): number {
    return (this.input.pspRetryWindowSeconds ?? DEFAULT_PSP_RETRY_WINDOW_SECONDS) * 1000;
  }

  private get outcomeDeadlineMs(): number {
    return (this.input.pspOutcomeDeadlineSeconds ?? DEFAULT_PSP_OUTCOME_DEADLINE_SECONDS) * 1000;
  }

  // ---- the QR code -------------------------------------------------------------------------

  /** The input's validation, recorded in history (older cash-ins validated inline, with the cap of then). */
  validate() {
    if (!this.proven) {
      const maxExpiryMinutes = FIRST_RELEASED_MAX_EXPIRY_MINUTES;
      return Promise.resolve(validationVerdict(() => validateCashInInput(this.input, { maxExpiryMinutes })));
    }
    return validation.validateCashInRequest(this.input);
  }

  /** The cashInCharge update's validator: a start naming a request must be the request this reference was made for. */
  /** The fields in which `request` differs from the request this cash-in was started for. */
  requestDifferences(request: CashInRequest): string[] {
    try {
      return cashInRequestDifferences(this.input, request);
    } catch (err) {
      if (err instanceof ValidationError) throw new Error(err.message);
      throw err;
    }
  }

  /** The cashInCharge update's validator: a start naming a request must be the request this reference was made for. */
  checkSameRequest(request: CashInRequest | undefined): void {
    if (request === undefined) return;
    const differences = this.requestDifferences(request);
    if (differences.length > 0) throw referenceInUse(this.reference, 'cash-in', differences);
  }

  /** POST /cash-in; the lifecycle fails (and the QR request with it) when the PSP refuses. */
  async createCharge(): Promise<void> {
    const { input } = this;
    this.chargeMayExist = true;
    try {
      const created = await pspChargeCreation.createCashIn({
        externalReference: this.reference,
        amountCents: input.amountCents,
        payer: input.payer,
        expirationInMinutes: input.expiresInMinutes,
        webhookUrl: input.webhookUrl,
        openFinanceRedirectUrl: input.openFinanceRedirectUrl,
        idempotencyKey: idempotencyKey(`cash-in:${this.reference}:create`),
      });
      this.expiresAtMs = Date.now() + input.expiresInMinutes * 60_000;
      this.psp.observe({
        status: 'AWAITING_PAYMENT',
        transactionId: created.transactionId,
        internalCode: created.internalCode,
        endToEndId: null,
        amountCents: null,
        failure: null,
      });
      this.status.charge = {
        reference: this.reference,
        transactionId: created.transactionId,
        internalCode: created.internalCode,
        amountCents: created.amountCents,
        copyAndPaste: created.copyAndPaste,
        qrCodeImageBase64: created.qrCodeImageBase64,
        ...(created.paymentUrl === undefined ? {} : { paymentUrl: created.paymentUrl }),
        requestedAt: created.requestedAt,
        expiresAt: new Date(this.expiresAtMs).toISOString(),
      };
      recordPspTransactionId(created.transactionId);
      transition(this.status, 'AWAITING_PAYMENT');
    } catch (err) {
      const failure = activityFailure(err);
      if (!failure) throw err;
      await failLifecycle(this.status, failure);
    }
  }

  /** The cashInCharge update: the QR data once the charge exists, or the lifecycle's failure. */
  async chargeOnceCreated(): Promise<CashInCharge> {
    await condition(
      () =>
        this.status.charge !== null || this.status.state === 'FAILED' || this.status.state === 'CANCELLED',
    );
    if (this.status.charge) return this.status.charge;
    const failure = this.status.failure ?? {
      code: 'CASH_IN_FAILED',
      message: 'the charge could not be created',
    };
    throw ApplicationFailure.create({
      type: failure.code,
      message: failure.message,
      nonRetryable: true,
      details: [failure],
    });
  }

  // ---- payment -------------------------------------------------------------------------------

  /**
   * No expiry webhook exists: the deadline is ours, and the PSP's GET tells when it expired. In
   * proven cash-ins, a PSP that has still not said PAID or EXPIRED long after the expiry sends the
   * payment to NEEDS_REVIEW (it keeps asking), where an operator may stop the wait.
   */
  async waitForPaymentOrExpiry(): Promise<CashInPspStatus | 'GIVEN_UP'> {
    const decided = (s: CashInPspStatus | null) => (s ?? 'AWAITING_PAYMENT') !== 'AWAITING_PAYMENT';
    const interval = this.input.reconcileIntervalSeconds;
    await this.psp.waitUntil(decided, interval, this.expiresAtMs);
    if (!this.proven || decided(this.psp.status)) return this.pspStatus();

    let deadlineMs: number | undefined = this.expiresAtMs + this.outcomeDeadlineMs;
    for (;;) {
      await this.psp.waitUntil(decided, interval, deadlineMs, () => this.review.pending !== null);
      if (decided(this.psp.status)) return this.pspStatus();
      const resolution = this.review.pending;
      if (resolution?.decision === 'SENT') {
        this.review.refuse(
          "a payment is proven by the PSP's record only, and it still says AWAITING_PAYMENT",
        );
      } else if (resolution) {
        this.review.accept();
        transition(this.status, 'EXPIRED', Review.note(resolution));
        return 'GIVEN_UP';
      } else if (deadlineMs !== undefined && Date.now() >= deadlineMs) {
        this.review.enter(
          'PSP_OUTCOME',
          'the PSP has said neither PAID nor EXPIRED since the charge expired',
          null,
        );
        deadlineMs = undefined;
      }
    }
  }

  /** Why a cancellation request would be refused now; null while it can be honoured (before the charge, or settled). */
  private cancellationRefusal(): string | null {
    const { state, charge } = this.status;
    if (isTerminalState(state) || !this.chargeMayExist) return null;
    if (state === 'AWAITING_PAYMENT' || state === 'CREATING') {
      const until = charge ? ` until it expires at ${charge.expiresAt}` : '';
      return `the charge exists at the PSP and stays payable${until}; a payment is still credited`;
    }
    return `the payment is ${state} with the PSP; it is followed to the PSP's outcome`;
  }

  /** A cancellation honoured before the charge was asked for: nothing exists at the PSP. */
  endCancelled(): Promise<CashInStatus> {
    const reason = 'no charge was created';
    this.cancellation?.honour('CANCELLED', reason);
    this.status.failure = { code: 'CANCELLED', message: reason };
    transition(this.status, 'CANCELLED', reason);
    return finishLifecycle(this.status);
  }

  expire(outcome: 'EXPIRED' | 'CANCELLED' | 'GIVEN_UP'): Promise<CashInStatus> {
    if (outcome !== 'GIVEN_UP') {
      transition(this.status, 'EXPIRED', outcome === 'CANCELLED' ? 'cancelled by the PSP' : undefined);
    }
    return finishLifecycle(this.status);
  }

  /** Paid and taken back before we credited anything: nothing to do on the ledger. */
  refundedBeforeSettlement(): Promise<CashInStatus> {
    this.status.refund = { origin: 'PSP', reason: null };
    transition(this.status, 'REFUNDED', 'refunded by the PSP before settlement');
    return finishLifecycle(this.status);
  }

  paidTheExpectedAmount(): boolean {
    return this.status.psp.paidAmountCents === this.input.amountCents;
  }

  async creditWallet(): Promise<void> {
    transition(this.status, 'PAID');
    await moveUntilApplied(this.review, this.proven, 'credit the payment', () =>
      ledger.creditCashIn(this.walletMovement(transferIds.cashInCredit(this.reference))),
    );
    this.status.ledger.credited = true;
    transition(this.status, 'SETTLED');
  }

  /** Paid another amount: the whole payment goes back to the payer (MERCHANT_ERROR); nothing is credited. */
  async refundWrongAmount(): Promise<CashInStatus> {
    const paid = this.status.psp.paidAmountCents;
    this.status.refund = { origin: 'WRONG_AMOUNT', reason: 'MERCHANT_ERROR' };
    transition(this.status, 'REFUNDING', `paid ${paid === null ? 'an unknown amount' : formatBrl(paid)}`);
    const end = await this.refund('MERCHANT_ERROR', `expected ${formatBrl(this.input.amountCents)}`);
    if ('notRefunded' in end) return failLifecycle(this.status, end.notRefunded);
    transition(this.status, 'REFUNDED');
    return finishLifecycle(this.status);
  }

  // ---- refunds after settlement ----------------------------------------------------------------

  /** The refundCashIn update's validator: refuses what this cash-in cannot do, before it is recorded. */
  checkRefundRequest(request: CashInRefundRequest | undefined): void {
    if (this.refundRequest !== null) return; // answered with the first request's outcome
    if (this.watchClosed) throw new Error('the cash-in stopped listening for refunds');
    if (this.status.state !== 'SETTLED')
      throw new Error(`cash-in is ${this.status.state}; only a SETTLED cash-in can be refunded`);
    if (request?.reason !== undefined && !REFUND_REASONS.includes(request.reason)) {
      throw new Error(`reason must be one of ${REFUND_REASONS.join(', ')}`);
    }
  }

  /** The refundCashIn update: the first request's outcome, whoever asks. */
  async answerRefundRequest(request: CashInRefundRequest): Promise<CashInRefundAccepted> {
    this.refundRequest ??= request;
    await condition(() => this.refundOutcome !== null || this.watchClosed);
    if (this.refundOutcome && 'accepted' in this.refundOutcome) return this.refundOutcome.accepted;
    const failure =
      this.refundOutcome?.rejected ??
      (this.status.state === 'REFUNDED'
        ? { code: 'CASH_IN_ALREADY_REFUNDED', message: 'the PSP refunded this cash-in on its own' }
        : { code: 'REFUND_WINDOW_CLOSED', message: 'the cash-in stopped listening for refunds' });
    throw ApplicationFailure.create({ type: failure.code, message: failure.message, nonRetryable: true });
  }

  /**
   * A settled cash-in listens, for a long but bounded time, for the platform's refund request and
   * for a CASHIN_REFUNDED it did not ask for (MED). Either way the wallet is debited exactly once.
   */
  async watchForRefund(): Promise<void> {
    const window = lateEventWindow(this.input, this.closesAtTerminal);
    this.status.watchingUntil = new Date(window.untilMs).toISOString();
    const refundPending = () => this.refundRequest !== null && this.refundOutcome === null;
    const carryOn = () =>
      continueAsNew<typeof cashInWorkflow>({
        ...this.input,
        resume: {
          status: this.status,
          watchUntilMs: window.untilMs,
          ...(this.refundOutcome && 'rejected' in this.refundOutcome
            ? { refundRefused: this.refundOutcome.rejected }
            : {}),
        },
      });

    for (;;) {
      if (this.pspStatus() === 'REFUNDED') break;
      if (refundPending()) {
        if (await this.refundForThePlatform()) break;
        continue;
      }
      const closeAsked = () => this.cancellation?.pending === true;
      const woken = () =>
        this.pspStatus() === 'REFUNDED' || refundPending() || this.psp.hasClaim || closeAsked();
      if (!(await watchStep(window, this.input.maxHistoryEvents, woken, () => this.reconcile(), carryOn))) {
        this.status.watchingUntil = null;
        this.watchClosed = true;
        return;
      }
      if (closeAsked() && !refundPending() && !this.psp.hasClaim) {
        const reason = 'already settled: the workflow closes now; a later refund runs in a late-event run';
        this.cancellation?.honour('CLOSED', reason);
        this.status.watchingUntil = null;
        this.watchClosed = true;
        transition(this.status, this.status.state, `cancellation: ${reason}`);
        return;
      }
      if (this.psp.hasClaim) await this.reconcile();
    }
    await this.debitRefund();
  }

  private async reconcile(): Promise<void> {
    await this.psp.reconcile();
  }

  /** Runs the platform's refund request: true once the PSP refunded. */
  private async refundForThePlatform(): Promise<boolean> {
    const reason = this.refundRequest?.reason ?? 'CUSTOMER_REQUEST';
    this.status.refund = { origin: 'PLATFORM', reason };
    transition(this.status, 'REFUNDING', reason);
    // Versioned: histories recorded before the refund hold existed replay without it.
    this.refundHold = patched(REFUND_HOLD_PATCH) ? await this.holdRefundOnWallet() : null;
    const end: RefundEnd =
      this.refundHold && 'rejected' in this.refundHold
        ? { notRefunded: this.refundHold.rejected }
        : await this.refund(reason, this.refundRequest?.description);
    if ('notRefunded' in end) {
      if (this.refundHold && 'held' in this.refundHold) await this.releaseRefundHold();
      this.refundHold = null;
      this.refundOutcome = { rejected: end.notRefunded };
      this.status.refund = null;
      transition(this.status, 'SETTLED', `refund refused: ${end.notRefunded.code}`);
      return false;
    }
    return true;
  }

  /**
   * Asks the PSP for the full refund and waits until it is done. Older cash-ins take any refusal
   * but CASH_IN_ALREADY_REFUNDED as "not refunded". Proven ones release nothing on an answer they
   * cannot prove: NEEDS_REVIEW, the same request again, and the PSP's record (or an operator) decides.
   */
  private async refund(reason: RefundReason, description?: string): Promise<RefundEnd> {
    const request = {
      id: this.status.psp.transactionId as string,
      reason,
      ...(description === undefined ? {} : { description }),
      idempotencyKey: idempotencyKey(`cash-in:${this.reference}:refund`),
    };
    if (!this.proven) {
      const refused = await this.askPspForRefundOnce(request);
      if (refused) return { notRefunded: refused };
      this.acceptRefund();
      await this.psp.waitUntil((s) => s === 'REFUNDED', this.input.reconcileIntervalSeconds);
      return { refunded: true };
    }

    this.refundEnd = null;
    const result = await callUntilProven({
      attempt: async () => {
        try {
          return await this.attempts.refundCashIn(request);
        } catch (err) {
          if (expectActivityFailure(err).code === 'CASH_IN_ALREADY_REFUNDED') return { endToEndId: null };
          throw err;
        }
      },
      refusals: PSP_REFUND_REFUSAL_CODES,
      review: this.review,
      step: 'REFUND',
      label: 'POST /cash-in/{id}/refund',
      retryWindowMs: this.retryWindowMs,
      pauses: reconcileBackoff(this.input.reconcileIntervalSeconds),
      woken: () => this.psp.hasClaim || this.review.pending !== null,
      wokenWithinMs: () => this.psp.claimWakesInMs,
      decidedMeanwhile: () => this.refundDecidedMeanwhile(),
      reconcileAfterWindow: true,
    });
    if ('refused' in result) return { notRefunded: result.refused };
    if ('accepted' in result && result.accepted.endToEndId)
      this.status.psp.endToEndId = result.accepted.endToEndId;
    if (this.refundEnd && 'notRefunded' in this.refundEnd) return this.refundEnd;
    this.acceptRefund();
    if (this.review.open) transition(this.status, 'REFUNDING', 'the PSP has the refund');
    return this.waitForRefundRecord();
  }

  /** After the PSP took the refund: its record must say REFUNDED by the deadline, or NEEDS_REVIEW. */
  private async waitForRefundRecord(): Promise<RefundEnd> {
    const refunded = (s: CashInPspStatus | null) => s === 'REFUNDED';
    let deadlineMs: number | undefined = Date.now() + this.outcomeDeadlineMs;
    for (;;) {
      await this.psp.waitUntil(
        refunded,
        this.input.reconcileIntervalSeconds,
        deadlineMs,
        () => this.review.pending !== null,
      );
      if (refunded(this.psp.status)) return { refunded: true };
      if (this.review.pending) {
        if (await this.refundDecidedMeanwhile()) return this.refundEnd ?? { refunded: true };
      } else if (deadlineMs !== undefined && Date.now() >= deadlineMs) {
        this.review.enter(
          'PSP_OUTCOME',
          'the PSP took the refund but its record does not show it refunded',
          null,
        );
        deadlineMs = undefined;
      }
    }
  }

  /**
   * While a refund is unproven: the PSP's record saying REFUNDED decides it; an operator may say it
   * was not refunded (the hold is released), or SENT, which only the record can bear out.
   */
  private async refundDecidedMeanwhile(): Promise<boolean> {
    await this.psp.reconcile();
    if (this.pspStatus() === 'REFUNDED') {
      if (this.review.pending) this.review.refuse("the PSP's record already shows the refund");
      this.refundEnd = { refunded: true };
      return true;
    }
    const resolution = this.review.pending;
    if (!resolution) return false;
    if (resolution.decision === 'SENT') {
      this.review.refuse(`the PSP's record says ${this.pspStatus()}, not REFUNDED`);
      return false;
    }
    this.review.accept();
    this.refundEnd = { notRefunded: { code: 'NOT_REFUNDED', message: Review.note(resolution) } };
    return true;
  }

  private acceptRefund(): void {
    this.refundOutcome = {
      accepted: {
        transactionId: this.status.psp.transactionId as string,
        endToEndId: this.status.psp.endToEndId ?? '',
      },
    };
  }

  /** The refund is done at the PSP: post the platform refund's hold, or debit a MED reversal. */
  private async debitRefund(): Promise<void> {
    this.status.refund ??= { origin: 'PSP', reason: null };
    // Lifecycles that close at their terminal state post the platform refund under the reversal's
    // id: a late-event run that missed an earlier run's refund (its record not visible yet) and
    // took the PSP's REFUNDED for a MED would then meet a conflicting id, not debit twice.
    const postId = this.closesAtTerminal
      ? transferIds.cashInReversal(this.reference)
      : transferIds.cashInRefundPost(this.reference);
    if (this.refundHold && 'held' in this.refundHold) {
      const held = this.refundHold.held;
      await ledger.postCashInRefund({ transferId: postId, pendingId: held });
    } else {
      // The PSP took the money back on its own (MED): recorded even if the wallet goes negative.
      await moveUntilApplied(this.review, this.proven, 'debit the MED reversal', () =>
        ledger.debitCashInReversal(this.walletMovement(transferIds.cashInReversal(this.reference))),
      );
    }
    this.status.ledger.reversed = true;
    this.status.watchingUntil = null;
    const overruled = this.status.review?.resolution?.decision === 'NOT_SENT';
    transition(
      this.status,
      'REFUNDED',
      this.status.refund.origin === 'PSP' ? 'refunded by the PSP (MED)' : undefined,
    );
    if (overruled && !this.status.review?.contradiction) {
      this.review.flagContradiction(
        "refunded by the PSP after an operator said it was not: the PSP's record applied",
      );
    }
    this.watchClosed = true; // answers a refund request that raced the PSP's own refund
  }

  /**
   * Holds the refund's amount on the wallet before the PSP is asked, so money the user already
   * spent is never refunded to the payer on top (the update is refused with USER_INSUFFICIENT_FUNDS).
   */
  private async holdRefundOnWallet(): Promise<{ held: string } | { rejected: PaymentFailure }> {
    const transferId = transferIds.cashInRefundHold(this.reference);
    try {
      await ledger.holdCashInRefund(this.walletMovement(transferId));
      return { held: transferId };
    } catch (err) {
      return { rejected: expectActivityFailure(err) };
    }
  }

  private async releaseRefundHold(): Promise<void> {
    await ledger.voidCashInRefund({
      transferId: transferIds.cashInRefundVoid(this.reference),
      pendingId: transferIds.cashInRefundHold(this.reference),
    });
  }

  /** POST /cash-in/{id}/refund as cash-ins started before proven outcomes ask it: null when accepted. */
  private async askPspForRefundOnce(
    request: Parameters<typeof psp.refundCashIn>[0],
  ): Promise<PaymentFailure | null> {
    try {
      const refunded = await psp.refundCashIn(request);
      this.status.psp.endToEndId = refunded.endToEndId;
      return null;
    } catch (err) {
      const failure = expectActivityFailure(err);
      return failure.code === 'CASH_IN_ALREADY_REFUNDED' ? null : failure;
    }
  }
}
