/**
 * Cash-out `cash-out:<reference>`, a saga: validate → hold the amount on the wallet → send the PIX
 * (signed, idempotent; INSUFFICIENT_FUNDS at the PSP → rebalance top-up and a bounded retry) →
 * wait for CASHOUT_COMPLETED / CASHOUT_FAILED, reconciling by GET when late → post the hold
 * (SETTLED) or void it (REFUNDED, with the PSP's reason). A settled cash-out keeps listening for a
 * CASHOUT_REFUNDED (the money came back) and credits the user once.
 */
import { condition, continueAsNew, log, setHandler } from '@temporalio/workflow';
import type { Payee } from '../domain/connectpsp/cash-out';
import { PSP_NOTHING_CREATED_CODES } from '../domain/connectpsp/common';
import { idempotencyKey } from '../domain/ids';
import { transferIds } from '../domain/ledger';
import { ValidationError, type ValidCashOutInput, validateCashOutInput } from '../domain/validation';
import { ledger, psp, pspReads, rebalance } from './activity-proxies';
import type { CashOutWorkflowInput } from './inputs';
import {
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
import { type CashOutStatus, type PaymentFailure, pspEventSignal, statusQuery } from './messages';
import {
  type CashOutPspStatus,
  cashOutObservationFromDetails,
  cashOutObservationFromEvent,
  laterCashOut,
  type PspObservation,
} from './psp-observations';
import { cashOutWorkflowId } from './workflow-ids';

export async function cashOutWorkflow(input: CashOutWorkflowInput): Promise<CashOutStatus> {
  const { reference } = input;
  const status: CashOutStatus = input.resume?.status ?? {
    kind: 'CASH_OUT',
    reference,
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
  let observed: PspObservation<CashOutPspStatus> | null = status.psp.transactionId
    ? {
        status: status.psp.status ?? 'PROCESSING',
        transactionId: status.psp.transactionId,
        internalCode: status.psp.internalCode,
        endToEndId: status.psp.endToEndId,
        amountCents: input.amountCents,
        failure: status.failure,
      }
    : null;

  const pspStatus = (): CashOutPspStatus | null => observed?.status ?? null;
  const observe = (next: PspObservation<CashOutPspStatus>) => {
    const known = status.psp.transactionId;
    observed = laterCashOut(observed, next);
    status.psp = {
      transactionId: observed.transactionId,
      internalCode: observed.internalCode ?? status.psp.internalCode,
      endToEndId: observed.endToEndId ?? status.psp.endToEndId,
      status: observed.status,
    };
    if (known === null) recordPspTransactionId(observed.transactionId);
  };

  setHandler(statusQuery, () => status);
  setHandler(pspEventSignal, (envelope) => {
    const next = cashOutObservationFromEvent(envelope, reference);
    if (!next || (status.psp.transactionId !== null && next.transactionId !== status.psp.transactionId)) {
      log.warn('PSP event ignored: not this cash-out', { eventType: envelope.eventType });
      return;
    }
    observe(next);
  });

  const reconcile = async () => {
    if (!status.psp.transactionId) return; // sent but not yet identified: only a webhook can tell
    try {
      observe(cashOutObservationFromDetails(await pspReads.getCashOut({ id: status.psp.transactionId })));
    } catch (err) {
      log.warn('cash-out reconciliation failed; retrying at the next tick', {
        failure: expectActivityFailure(err),
      });
    }
  };
  const hold = { transferId: transferIds.cashOutHold(reference), userId: input.userId, reference };

  if (!input.resume) {
    initialSearchAttributes({ ...status, kind: 'CASH_OUT' });
    let valid: ValidCashOutInput;
    try {
      valid = validateCashOutInput(input);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return failLifecycle(status, {
        code: 'INVALID_INPUT',
        message: err.message,
        problems: [...err.problems],
      });
    }

    try {
      await ledger.holdCashOut({ ...hold, amountCents: input.amountCents });
    } catch (err) {
      return failLifecycle(status, expectActivityFailure(err)); // USER_INSUFFICIENT_FUNDS: nothing held, nothing sent
    }
    status.ledger.held = true;

    const refused = await send(valid);
    if (refused) {
      await ledger.voidCashOut({
        transferId: transferIds.cashOutVoid(reference),
        pendingId: hold.transferId,
      });
      status.ledger.voided = true;
      return failLifecycle(status, refused);
    }

    const nextReconcileMs = reconcileBackoff(input.reconcileIntervalSeconds);
    while (pspStatus() === 'PROCESSING' || pspStatus() === null) {
      if (await condition(() => pspStatus() !== 'PROCESSING' && pspStatus() !== null, nextReconcileMs()))
        break;
      await reconcile();
    }

    const outcome = pspStatus();
    if (outcome === 'FAILED' || outcome === 'CANCELLED') {
      status.failure = observed?.failure ?? {
        code: outcome,
        message: `the PSP reported the cash-out ${outcome}`,
      };
      await ledger.voidCashOut({
        transferId: transferIds.cashOutVoid(reference),
        pendingId: hold.transferId,
      });
      status.ledger.voided = true;
      transition(status, 'REFUNDED', status.failure.code);
      return finishLifecycle(status);
    }
    // COMPLETED, or already REFUNDED (events out of order): the money left, so the hold is posted.
    await ledger.postCashOut({ transferId: transferIds.cashOutPost(reference), pendingId: hold.transferId });
    status.ledger.posted = true;
    transition(status, 'SETTLED');
  }

  await watchForReturn();
  return finishLifecycle(status);

  /** POST /cash-out; returns why nothing was sent, or null once the PSP accepted it. */
  async function send(valid: ValidCashOutInput): Promise<PaymentFailure | null> {
    for (let attempt = 0; ; attempt++) {
      transition(status, 'SENDING', attempt === 0 ? undefined : `attempt ${attempt + 1}`);
      try {
        const created = await psp.createCashOut({
          externalReference: reference,
          amountCents: input.amountCents,
          ...(valid.description === undefined ? {} : { description: valid.description }),
          ...(input.webhookUrl === undefined ? {} : { webhookUrl: input.webhookUrl }),
          payee: wirePayee(valid),
          // A refused attempt's answer is replayed for its key, so each attempt after a top-up has its own.
          idempotencyKey: idempotencyKey(`cash-out:${reference}:create${attempt === 0 ? '' : `:${attempt}`}`),
        });
        observe({
          status: 'PROCESSING',
          transactionId: created.transactionId,
          internalCode: created.internalCode,
          endToEndId: null,
          amountCents: created.amountCents,
          failure: null,
        });
        transition(status, 'PROCESSING');
        return null;
      } catch (err) {
        const failure = expectActivityFailure(err);
        if (!PSP_NOTHING_CREATED_CODES.has(failure.code) || pspStatus() !== null) {
          // The PSP may hold this cash-out (it already had the reference, answered something we
          // cannot read, or a webhook already spoke of it): the money may be out, so the hold
          // stays and the PSP's webhooks decide how it ends.
          transition(status, 'PROCESSING', `the PSP may have it (${failure.code})`);
          return null;
        }
        if (failure.code !== 'INSUFFICIENT_FUNDS' || attempt >= input.topUpRetries) return failure;
        status.topUps += 1;
        transition(status, 'TOPPING_UP', failure.message);
        const workflowId = cashOutWorkflowId(reference);
        try {
          await rebalance.requestRebalance({
            trigger: { source: 'CASH_OUT_TOP_UP', thresholdCents: 0, requestedBy: workflowId },
            updateId: `${workflowId}:top-up:${attempt + 1}`,
          });
        } catch (topUpErr) {
          log.warn('rebalance top-up failed; sending again anyway', {
            failure: expectActivityFailure(topUpErr),
          });
        }
      }
    }
  }

  /** Until the window closes, a CASHOUT_REFUNDED (the payee's bank sent it back) credits the user once. */
  async function watchForReturn(): Promise<void> {
    const window = lateEventWindow(input);
    status.watchingUntil = new Date(window.untilMs).toISOString();
    const returned = () => pspStatus() === 'REFUNDED';
    const carryOn = () =>
      continueAsNew<typeof cashOutWorkflow>({ ...input, resume: { status, watchUntilMs: window.untilMs } });
    while (!returned()) {
      if (!(await watchStep(window, input.maxHistoryEvents, returned, reconcile, carryOn))) {
        status.watchingUntil = null;
        return;
      }
    }
    await ledger.creditCashOutReturn({
      transferId: transferIds.cashOutReturn(reference),
      userId: input.userId,
      amountCents: input.amountCents,
      reference,
    });
    status.ledger.returned = true;
    status.watchingUntil = null;
    transition(status, 'REFUNDED', 'returned by the payee bank');
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
