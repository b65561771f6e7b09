/**
 * Cash-in `cash-in:<reference>`: create the PIX charge → hand the QR code to the caller
 * (cashInChargeUpdate, used with update-with-start) → wait for CASHIN_PAID or expiry, reconciling
 * by GET while the webhook is late → credit the wallet once → SETTLED, then keep listening for a
 * refund (platform-requested or a MED reversal) that debits the wallet back.
 */
import { ApplicationFailure, condition, continueAsNew, patched, setHandler } from '@temporalio/workflow';
import { REFUND_REASONS, type RefundReason } from '../domain/connectpsp/cash-in';
import { idempotencyKey } from '../domain/ids';
import { transferIds } from '../domain/ledger';
import { formatBrl } from '../domain/money';
import { validateCashInInput } from '../domain/validation';
import { ledger, psp, pspChargeCreation, pspReads } from './activity-proxies';
import type { CashInWorkflowInput } from './inputs';
import {
  activityFailure,
  expectActivityFailure,
  failLifecycle,
  finishLifecycle,
  initialSearchAttributes,
  lateEventWindow,
  nowIso,
  recordPspTransactionId,
  transition,
  validated,
  watchStep,
} from './lifecycle';
import {
  type CashInCharge,
  type CashInRefundAccepted,
  type CashInRefundRequest,
  type CashInStatus,
  cashInChargeUpdate,
  type PaymentFailure,
  pspEventSignal,
  refundCashInUpdate,
  statusQuery,
} from './messages';
import { CASH_IN_PSP, type CashInPspStatus } from './psp-observations';
import { PspTracking } from './psp-tracking';

/** Cash-ins started before this patch refund without holding the wallet first (see holdRefundOnWallet). */
const REFUND_HOLD_PATCH = 'cash-in-refund-hold';

export async function cashInWorkflow(input: CashInWorkflowInput): Promise<CashInStatus> {
  const cashIn = new CashIn(input);
  // Handlers first: an event, a status read or the QR request may arrive before anything else ran.
  setHandler(statusQuery, () => cashIn.status);
  setHandler(pspEventSignal, (envelope) => cashIn.psp.onEvent(envelope));
  setHandler(cashInChargeUpdate, () => cashIn.chargeOnceCreated());
  setHandler(refundCashInUpdate, (request) => cashIn.answerRefundRequest(request), {
    validator: (request) => cashIn.checkRefundRequest(request),
  });

  if (!input.resume) {
    initialSearchAttributes({ ...cashIn.status, kind: 'CASH_IN' });
    const checked = validated(() => validateCashInInput(input));
    if ('invalid' in checked) return failLifecycle(cashIn.status, checked.invalid);

    await cashIn.createCharge();
    const outcome = await cashIn.waitForPaymentOrExpiry();
    if (outcome === 'EXPIRED' || outcome === 'CANCELLED') return cashIn.expire(outcome);
    if (outcome === 'REFUNDED') return cashIn.refundedBeforeSettlement();
    if (!cashIn.paidTheExpectedAmount()) return cashIn.refundWrongAmount();
    await cashIn.creditWallet();
  }

  await cashIn.watchForRefund();
  return finishLifecycle(cashIn.status);
}

/** A cash-in's state and steps; the workflow function above strings them together. */
class CashIn {
  readonly status: CashInStatus;
  readonly psp: PspTracking<CashInPspStatus>;
  private readonly reference: string;
  private expiresAtMs = 0;
  private refundRequest: CashInRefundRequest | null = null;
  private refundOutcome: { accepted: CashInRefundAccepted } | { rejected: PaymentFailure } | null = null;
  /** The platform refund's hold on the wallet (or why it could not be placed), while a refund is under way. */
  private refundHold: { held: string } | { rejected: PaymentFailure } | null = null;
  /** Set when watching ended (window over, or refunded): no refund can be asked of this workflow any more. */
  private watchClosed = false;

  constructor(private readonly input: CashInWorkflowInput) {
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
    const { psp } = this.status;
    this.psp = new PspTracking({
      kind: { ...CASH_IN_PSP, label: 'cash-in' },
      reference: this.reference,
      known: psp.transactionId
        ? {
            status: psp.status ?? 'AWAITING_PAYMENT',
            transactionId: psp.transactionId,
            internalCode: psp.internalCode,
            endToEndId: psp.endToEndId,
            amountCents: psp.paidAmountCents,
            failure: null,
          }
        : null,
      read: (id) => pspReads.getCashIn({ id }),
      onObserved: (latest) => {
        this.status.psp = {
          transactionId: latest.transactionId,
          internalCode: latest.internalCode ?? this.status.psp.internalCode,
          endToEndId: latest.endToEndId ?? this.status.psp.endToEndId,
          status: latest.status,
          paidAmountCents: latest.amountCents,
        };
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

  // ---- the QR code -------------------------------------------------------------------------

  /** POST /cash-in; the lifecycle fails (and the QR request with it) when the PSP refuses. */
  async createCharge(): Promise<void> {
    const { input } = this;
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
    await condition(() => this.status.charge !== null || this.status.state === 'FAILED');
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

  /** No expiry webhook exists: the deadline is ours, and the PSP's GET tells when it expired. */
  async waitForPaymentOrExpiry(): Promise<CashInPspStatus> {
    await this.psp.waitUntil(
      (s) => (s ?? 'AWAITING_PAYMENT') !== 'AWAITING_PAYMENT',
      this.input.reconcileIntervalSeconds,
      this.expiresAtMs,
    );
    return this.pspStatus();
  }

  expire(outcome: 'EXPIRED' | 'CANCELLED'): Promise<CashInStatus> {
    transition(this.status, 'EXPIRED', outcome === 'CANCELLED' ? 'cancelled by the PSP' : undefined);
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
    await ledger.creditCashIn(this.walletMovement(transferIds.cashInCredit(this.reference)));
    this.status.ledger.credited = true;
    transition(this.status, 'SETTLED');
  }

  /** Paid another amount: the whole payment goes back to the payer (MERCHANT_ERROR); nothing is credited. */
  async refundWrongAmount(): Promise<CashInStatus> {
    const paid = this.status.psp.paidAmountCents;
    this.status.refund = { origin: 'WRONG_AMOUNT', reason: 'MERCHANT_ERROR' };
    transition(this.status, 'REFUNDING', `paid ${paid === null ? 'an unknown amount' : formatBrl(paid)}`);
    const failure = await this.askPspForRefund(
      'MERCHANT_ERROR',
      `expected ${formatBrl(this.input.amountCents)}`,
    );
    if (failure) return failLifecycle(this.status, failure);
    await this.waitForPspRefund();
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
    const window = lateEventWindow(this.input);
    this.status.watchingUntil = new Date(window.untilMs).toISOString();
    const refundPending = () => this.refundRequest !== null && this.refundOutcome === null;
    const carryOn = () =>
      continueAsNew<typeof cashInWorkflow>({
        ...this.input,
        resume: { status: this.status, watchUntilMs: window.untilMs },
      });

    for (;;) {
      if (this.pspStatus() === 'REFUNDED') break;
      if (refundPending()) {
        if (await this.refundForThePlatform()) break;
        continue;
      }
      const woken = () => this.pspStatus() === 'REFUNDED' || refundPending();
      if (
        !(await watchStep(window, this.input.maxHistoryEvents, woken, () => this.psp.reconcile(), carryOn))
      ) {
        this.status.watchingUntil = null;
        this.watchClosed = true;
        return;
      }
    }
    await this.debitRefund();
  }

  /** Runs the platform's refund request: true once the PSP accepted it and refunded. */
  private async refundForThePlatform(): Promise<boolean> {
    const reason = this.refundRequest?.reason ?? 'CUSTOMER_REQUEST';
    this.status.refund = { origin: 'PLATFORM', reason };
    transition(this.status, 'REFUNDING', reason);
    // Versioned: histories recorded before the refund hold existed replay without it.
    this.refundHold = patched(REFUND_HOLD_PATCH) ? await this.holdRefundOnWallet() : null;
    const failure =
      this.refundHold && 'rejected' in this.refundHold
        ? this.refundHold.rejected
        : await this.askPspForRefund(reason, this.refundRequest?.description);
    if (failure) {
      if (this.refundHold && 'held' in this.refundHold) await this.releaseRefundHold();
      this.refundHold = null;
      this.refundOutcome = { rejected: failure };
      this.status.refund = null;
      transition(this.status, 'SETTLED', `refund refused: ${failure.code}`);
      return false;
    }
    this.refundOutcome = {
      accepted: {
        transactionId: this.status.psp.transactionId as string,
        endToEndId: this.status.psp.endToEndId ?? '',
      },
    };
    await this.waitForPspRefund();
    return true;
  }

  /** The refund is done at the PSP: post the platform refund's hold, or debit a MED reversal. */
  private async debitRefund(): Promise<void> {
    this.status.refund ??= { origin: 'PSP', reason: null };
    if (this.refundHold && 'held' in this.refundHold) {
      await ledger.postCashInRefund({
        transferId: transferIds.cashInRefundPost(this.reference),
        pendingId: this.refundHold.held,
      });
    } else {
      // The PSP took the money back on its own (MED): recorded even if the wallet goes negative.
      await ledger.debitCashInReversal(this.walletMovement(transferIds.cashInReversal(this.reference)));
    }
    this.status.ledger.reversed = true;
    this.status.watchingUntil = null;
    transition(
      this.status,
      'REFUNDED',
      this.status.refund.origin === 'PSP' ? 'refunded by the PSP (MED)' : undefined,
    );
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

  /** POST /cash-in/{id}/refund; null when the PSP accepted (or had already refunded). */
  private async askPspForRefund(reason: RefundReason, description?: string): Promise<PaymentFailure | null> {
    try {
      const refunded = await psp.refundCashIn({
        id: this.status.psp.transactionId as string,
        reason,
        ...(description === undefined ? {} : { description }),
        idempotencyKey: idempotencyKey(`cash-in:${this.reference}:refund`),
      });
      this.status.psp.endToEndId = refunded.endToEndId;
      return null;
    } catch (err) {
      const failure = expectActivityFailure(err);
      return failure.code === 'CASH_IN_ALREADY_REFUNDED' ? null : failure;
    }
  }

  private waitForPspRefund(): Promise<void> {
    return this.psp.waitUntil((s) => s === 'REFUNDED', this.input.reconcileIntervalSeconds);
  }
}
