/**
 * Cash-in `cash-in:<reference>`: create the PIX charge → hand the QR code to the caller
 * (cashInChargeUpdate, used with update-with-start) → wait for CASHIN_PAID or expiry, reconciling
 * by GET while the webhook is late → credit the wallet once → SETTLED, then keep listening for a
 * refund (platform-requested or a MED reversal) that debits the wallet back.
 */
import { ApplicationFailure, condition, continueAsNew, log, patched, setHandler } from '@temporalio/workflow';
import { REFUND_REASONS, type RefundReason } from '../domain/connectpsp/cash-in';
import { idempotencyKey } from '../domain/ids';
import { transferIds } from '../domain/ledger';
import { formatBrl } from '../domain/money';
import { ValidationError, validateCashInInput } from '../domain/validation';
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
  reconcileBackoff,
  recordPspTransactionId,
  transition,
  watchStep,
} from './lifecycle';
import {
  type CashInRefundAccepted,
  type CashInRefundRequest,
  type CashInStatus,
  cashInChargeUpdate,
  type PaymentFailure,
  pspEventSignal,
  refundCashInUpdate,
  statusQuery,
} from './messages';
import {
  type CashInPspStatus,
  cashInObservationFromDetails,
  cashInObservationFromEvent,
  laterCashIn,
  type PspObservation,
} from './psp-observations';

/** Cash-ins started before this patch refund without holding the wallet first (see holdRefundOnWallet). */
const REFUND_HOLD_PATCH = 'cash-in-refund-hold';

export async function cashInWorkflow(input: CashInWorkflowInput): Promise<CashInStatus> {
  const { reference } = input;
  const status: CashInStatus = input.resume?.status ?? {
    kind: 'CASH_IN',
    reference,
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
  let observed: PspObservation<CashInPspStatus> | null = status.psp.transactionId
    ? {
        status: status.psp.status ?? 'AWAITING_PAYMENT',
        transactionId: status.psp.transactionId,
        internalCode: status.psp.internalCode,
        endToEndId: status.psp.endToEndId,
        amountCents: status.psp.paidAmountCents,
        failure: null,
      }
    : null;
  let refundRequest: CashInRefundRequest | null = null;
  let refundOutcome: { accepted: CashInRefundAccepted } | { rejected: PaymentFailure } | null = null;
  /** The platform refund's hold on the wallet (or why it could not be placed), while a refund is under way. */
  let refundHold: { held: string } | { rejected: PaymentFailure } | null = null;
  /** Set when watching ended (window over, or refunded): no refund can be asked of this workflow any more. */
  let watchClosed = false;

  const pspStatus = (): CashInPspStatus => observed?.status ?? 'AWAITING_PAYMENT';
  const observe = (next: PspObservation<CashInPspStatus>) => {
    observed = laterCashIn(observed, next);
    status.psp = {
      transactionId: observed.transactionId,
      internalCode: observed.internalCode ?? status.psp.internalCode,
      endToEndId: observed.endToEndId ?? status.psp.endToEndId,
      status: observed.status,
      paidAmountCents: observed.amountCents,
    };
  };

  // Handlers first: an event, a status read or the QR request may arrive before anything else ran.
  setHandler(statusQuery, () => status);
  setHandler(pspEventSignal, (envelope) => {
    const next = cashInObservationFromEvent(envelope, reference);
    if (!next || (status.psp.transactionId !== null && next.transactionId !== status.psp.transactionId)) {
      log.warn('PSP event ignored: not this cash-in', { eventType: envelope.eventType });
      return;
    }
    observe(next);
  });
  setHandler(cashInChargeUpdate, async () => {
    await condition(() => status.charge !== null || status.state === 'FAILED');
    if (status.charge) return status.charge;
    const failure = status.failure ?? { code: 'CASH_IN_FAILED', message: 'the charge could not be created' };
    throw ApplicationFailure.create({
      type: failure.code,
      message: failure.message,
      nonRetryable: true,
      details: [failure],
    });
  });
  setHandler(
    refundCashInUpdate,
    async (request) => {
      refundRequest ??= request;
      await condition(() => refundOutcome !== null || watchClosed);
      if (refundOutcome && 'accepted' in refundOutcome) return refundOutcome.accepted;
      const failure =
        refundOutcome?.rejected ??
        (status.state === 'REFUNDED'
          ? { code: 'CASH_IN_ALREADY_REFUNDED', message: 'the PSP refunded this cash-in on its own' }
          : { code: 'REFUND_WINDOW_CLOSED', message: 'the cash-in stopped listening for refunds' });
      throw ApplicationFailure.create({ type: failure.code, message: failure.message, nonRetryable: true });
    },
    {
      validator: (request) => {
        if (refundRequest !== null) return; // answered with the first request's outcome
        if (watchClosed) throw new Error('the cash-in stopped listening for refunds');
        if (status.state !== 'SETTLED')
          throw new Error(`cash-in is ${status.state}; only a SETTLED cash-in can be refunded`);
        if (request?.reason !== undefined && !REFUND_REASONS.includes(request.reason)) {
          throw new Error(`reason must be one of ${REFUND_REASONS.join(', ')}`);
        }
      },
    },
  );

  /** GET /cash-in/{id}; a PSP that cannot answer now is asked again at the next tick. */
  const reconcile = async () => {
    if (!status.psp.transactionId) return;
    try {
      observe(cashInObservationFromDetails(await pspReads.getCashIn({ id: status.psp.transactionId })));
    } catch (err) {
      log.warn('cash-in reconciliation failed; retrying at the next tick', {
        failure: expectActivityFailure(err),
      });
    }
  };
  /** The ledger input of a movement of this cash-in's whole amount on the user's wallet. */
  const walletMovement = (transferId: string) => ({
    transferId,
    userId: input.userId,
    amountCents: input.amountCents,
    reference,
  });
  /** Waits until the PSP status satisfies `done`, reconciling at backed-off intervals (and at `deadlineMs`). */
  const waitForPsp = async (done: (s: CashInPspStatus) => boolean, deadlineMs?: number) => {
    const nextReconcileMs = reconcileBackoff(input.reconcileIntervalSeconds);
    while (!done(pspStatus())) {
      const untilDeadline = deadlineMs === undefined ? Number.POSITIVE_INFINITY : deadlineMs - Date.now();
      const interval = nextReconcileMs();
      const wait = untilDeadline > 0 ? Math.min(interval, untilDeadline) : interval;
      if (await condition(() => done(pspStatus()), wait)) return;
      await reconcile();
    }
  };

  if (!input.resume) {
    initialSearchAttributes({ ...status, kind: 'CASH_IN' });
    try {
      validateCashInInput(input);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return failLifecycle(status, {
        code: 'INVALID_INPUT',
        message: err.message,
        problems: [...err.problems],
      });
    }

    try {
      const created = await pspChargeCreation.createCashIn({
        externalReference: reference,
        amountCents: input.amountCents,
        payer: input.payer,
        expirationInMinutes: input.expiresInMinutes,
        webhookUrl: input.webhookUrl,
        openFinanceRedirectUrl: input.openFinanceRedirectUrl,
        idempotencyKey: idempotencyKey(`cash-in:${reference}:create`),
      });
      const expiresAtMs = Date.now() + input.expiresInMinutes * 60_000;
      observe({
        status: 'AWAITING_PAYMENT',
        transactionId: created.transactionId,
        internalCode: created.internalCode,
        endToEndId: null,
        amountCents: null,
        failure: null,
      });
      status.charge = {
        reference,
        transactionId: created.transactionId,
        internalCode: created.internalCode,
        amountCents: created.amountCents,
        copyAndPaste: created.copyAndPaste,
        qrCodeImageBase64: created.qrCodeImageBase64,
        ...(created.paymentUrl === undefined ? {} : { paymentUrl: created.paymentUrl }),
        requestedAt: created.requestedAt,
        expiresAt: new Date(expiresAtMs).toISOString(),
      };
      recordPspTransactionId(created.transactionId);
      transition(status, 'AWAITING_PAYMENT');
      // No expiry webhook exists: the deadline is ours, and the PSP's GET tells when it expired.
      await waitForPsp((s) => s !== 'AWAITING_PAYMENT', expiresAtMs);
    } catch (err) {
      const failure = activityFailure(err);
      if (!failure) throw err;
      return failLifecycle(status, failure);
    }

    const outcome = pspStatus();
    if (outcome === 'EXPIRED' || outcome === 'CANCELLED') {
      transition(status, 'EXPIRED', outcome === 'CANCELLED' ? 'cancelled by the PSP' : undefined);
      return finishLifecycle(status);
    }
    if (outcome === 'REFUNDED') {
      // Paid and taken back before we credited anything: nothing to do on the ledger.
      status.refund = { origin: 'PSP', reason: null };
      transition(status, 'REFUNDED', 'refunded by the PSP before settlement');
      return finishLifecycle(status);
    }
    if (status.psp.paidAmountCents !== input.amountCents) {
      await refundWrongAmount();
      return finishLifecycle(status);
    }
    transition(status, 'PAID');
    await ledger.creditCashIn(walletMovement(transferIds.cashInCredit(reference)));
    status.ledger.credited = true;
    transition(status, 'SETTLED');
  }

  await watchForRefund();
  return finishLifecycle(status);

  async function refundWrongAmount(): Promise<void> {
    const paid = status.psp.paidAmountCents;
    status.refund = { origin: 'WRONG_AMOUNT', reason: 'MERCHANT_ERROR' };
    transition(status, 'REFUNDING', `paid ${paid === null ? 'an unknown amount' : formatBrl(paid)}`);
    const failure = await askPspForRefund('MERCHANT_ERROR', `expected ${formatBrl(input.amountCents)}`);
    if (failure) return failLifecycle(status, failure);
    await waitForPsp((s) => s === 'REFUNDED');
    transition(status, 'REFUNDED');
  }

  /**
   * Holds the refund's amount on the wallet before the PSP is asked, so money the user already
   * spent is never refunded to the payer on top (the update is refused with USER_INSUFFICIENT_FUNDS).
   */
  async function holdRefundOnWallet(): Promise<{ held: string } | { rejected: PaymentFailure }> {
    const transferId = transferIds.cashInRefundHold(reference);
    try {
      await ledger.holdCashInRefund(walletMovement(transferId));
      return { held: transferId };
    } catch (err) {
      return { rejected: expectActivityFailure(err) };
    }
  }

  async function releaseRefundHold(): Promise<void> {
    await ledger.voidCashInRefund({
      transferId: transferIds.cashInRefundVoid(reference),
      pendingId: transferIds.cashInRefundHold(reference),
    });
  }

  /** POST /cash-in/{id}/refund; null when the PSP accepted (or had already refunded). */
  async function askPspForRefund(reason: RefundReason, description?: string): Promise<PaymentFailure | null> {
    try {
      const refunded = await psp.refundCashIn({
        id: status.psp.transactionId as string,
        reason,
        ...(description === undefined ? {} : { description }),
        idempotencyKey: idempotencyKey(`cash-in:${reference}:refund`),
      });
      status.psp.endToEndId = refunded.endToEndId;
      return null;
    } catch (err) {
      const failure = expectActivityFailure(err);
      return failure.code === 'CASH_IN_ALREADY_REFUNDED' ? null : failure;
    }
  }

  /**
   * A settled cash-in listens, for a long but bounded time, for the platform's refund request and
   * for a CASHIN_REFUNDED it did not ask for (MED). Either way the wallet is debited exactly once.
   */
  async function watchForRefund(): Promise<void> {
    const window = lateEventWindow(input);
    status.watchingUntil = new Date(window.untilMs).toISOString();
    const refundPending = () => refundRequest !== null && refundOutcome === null;
    const carryOn = () =>
      continueAsNew<typeof cashInWorkflow>({ ...input, resume: { status, watchUntilMs: window.untilMs } });

    for (;;) {
      if (pspStatus() === 'REFUNDED') break;
      if (refundPending()) {
        const reason = refundRequest?.reason ?? 'CUSTOMER_REQUEST';
        status.refund = { origin: 'PLATFORM', reason };
        transition(status, 'REFUNDING', reason);
        // Versioned: histories recorded before the refund hold existed replay without it.
        refundHold = patched(REFUND_HOLD_PATCH) ? await holdRefundOnWallet() : null;
        const failure =
          refundHold && 'rejected' in refundHold
            ? refundHold.rejected
            : await askPspForRefund(reason, refundRequest?.description);
        if (failure) {
          if (refundHold && 'held' in refundHold) await releaseRefundHold();
          refundHold = null;
          refundOutcome = { rejected: failure };
          status.refund = null;
          transition(status, 'SETTLED', `refund refused: ${failure.code}`);
          continue;
        }
        refundOutcome = {
          accepted: {
            transactionId: status.psp.transactionId as string,
            endToEndId: status.psp.endToEndId ?? '',
          },
        };
        await waitForPsp((s) => s === 'REFUNDED');
        break;
      }
      const woken = () => pspStatus() === 'REFUNDED' || refundPending();
      if (!(await watchStep(window, input.maxHistoryEvents, woken, reconcile, carryOn))) {
        status.watchingUntil = null;
        watchClosed = true;
        return;
      }
    }

    status.refund ??= { origin: 'PSP', reason: null };
    if (refundHold && 'held' in refundHold) {
      await ledger.postCashInRefund({
        transferId: transferIds.cashInRefundPost(reference),
        pendingId: refundHold.held,
      });
    } else {
      // The PSP took the money back on its own (MED): recorded even if the wallet goes negative.
      await ledger.debitCashInReversal(walletMovement(transferIds.cashInReversal(reference)));
    }
    status.ledger.reversed = true;
    status.watchingUntil = null;
    transition(status, 'REFUNDED', status.refund.origin === 'PSP' ? 'refunded by the PSP (MED)' : undefined);
    watchClosed = true; // answers a refund request that raced the PSP's own refund
  }
}
