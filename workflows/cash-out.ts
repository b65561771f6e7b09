/**
 * Cash-out `cash-out:<reference>`, a saga: validate → hold the amount on the wallet → send the PIX
 * (signed, idempotent; INSUFFICIENT_FUNDS at the PSP → rebalance top-up and a bounded retry) →
 * wait for CASHOUT_COMPLETED / CASHOUT_FAILED, reconciling by GET when late → post the hold
 * (SETTLED) or void it (REFUNDED, with the PSP's reason). A settled cash-out keeps listening for a
 * CASHOUT_REFUNDED (the money came back) and credits the user once.
 */
import { continueAsNew, log, setHandler } from '@temporalio/workflow';
import type { Payee } from '../domain/connectpsp/cash-out';
import { PSP_NOTHING_CREATED_CODES } from '../domain/connectpsp/common';
import { idempotencyKey } from '../domain/ids';
import { transferIds } from '../domain/ledger';
import { type ValidCashOutInput, validateCashOutInput } from '../domain/validation';
import { ledger, psp, pspReads, rebalance } from './activity-proxies';
import type { CashOutWorkflowInput } from './inputs';
import {
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
import { type CashOutStatus, type PaymentFailure, pspEventSignal, statusQuery } from './messages';
import { CASH_OUT_PSP, type CashOutPspStatus } from './psp-observations';
import { PspTracking } from './psp-tracking';
import { cashOutWorkflowId } from './workflow-ids';

export async function cashOutWorkflow(input: CashOutWorkflowInput): Promise<CashOutStatus> {
  const cashOut = new CashOut(input);
  setHandler(statusQuery, () => cashOut.status);
  setHandler(pspEventSignal, (envelope) => cashOut.psp.onEvent(envelope));

  if (!input.resume) {
    initialSearchAttributes({ ...cashOut.status, kind: 'CASH_OUT' });
    const checked = validated(() => validateCashOutInput(input));
    if ('invalid' in checked) return failLifecycle(cashOut.status, checked.invalid);

    await cashOut.holdOnWallet();
    const refused = await cashOut.send(checked.valid);
    if (refused) return cashOut.giveBackAndFail(refused);
    const outcome = await cashOut.waitForPspOutcome();
    if (outcome === 'FAILED' || outcome === 'CANCELLED') return cashOut.giveBack(outcome);
    await cashOut.settle();
  }

  await cashOut.watchForReturn();
  return finishLifecycle(cashOut.status);
}

/** A cash-out's state and steps; the workflow function above strings them together. */
class CashOut {
  readonly status: CashOutStatus;
  readonly psp: PspTracking<CashOutPspStatus>;
  private readonly reference: string;
  private readonly holdId: string;

  constructor(private readonly input: CashOutWorkflowInput) {
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
    const { psp } = this.status;
    this.psp = new PspTracking({
      kind: { ...CASH_OUT_PSP, label: 'cash-out' },
      reference: this.reference,
      known: psp.transactionId
        ? {
            status: psp.status ?? 'PROCESSING',
            transactionId: psp.transactionId,
            internalCode: psp.internalCode,
            endToEndId: psp.endToEndId,
            amountCents: input.amountCents,
            failure: this.status.failure,
          }
        : null,
      read: (id) => pspReads.getCashOut({ id }),
      onObserved: (latest, previous) => {
        this.status.psp = {
          transactionId: latest.transactionId,
          internalCode: latest.internalCode ?? this.status.psp.internalCode,
          endToEndId: latest.endToEndId ?? this.status.psp.endToEndId,
          status: latest.status,
        };
        if (previous === null) recordPspTransactionId(latest.transactionId);
      },
    });
  }

  /** Holds the amount on the wallet; USER_INSUFFICIENT_FUNDS fails the lifecycle, nothing held, nothing sent. */
  async holdOnWallet(): Promise<void> {
    try {
      await ledger.holdCashOut({
        transferId: this.holdId,
        userId: this.input.userId,
        reference: this.reference,
        amountCents: this.input.amountCents,
      });
    } catch (err) {
      await failLifecycle(this.status, expectActivityFailure(err));
    }
    this.status.ledger.held = true;
  }

  /** POST /cash-out; returns why nothing was sent, or null once the PSP accepted it. */
  async send(valid: ValidCashOutInput): Promise<PaymentFailure | null> {
    const { input, reference } = this;
    for (let attempt = 0; ; attempt++) {
      transition(this.status, 'SENDING', attempt === 0 ? undefined : `attempt ${attempt + 1}`);
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
          // The PSP may hold this cash-out (it already had the reference, answered something we
          // cannot read, or a webhook already spoke of it): the money may be out, so the hold
          // stays and the PSP's webhooks decide how it ends.
          transition(this.status, 'PROCESSING', `the PSP may have it (${failure.code})`);
          return null;
        }
        if (failure.code !== 'INSUFFICIENT_FUNDS' || attempt >= input.topUpRetries) return failure;
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

  /** Nothing left for the PSP: the hold is given back and the lifecycle fails with the PSP's refusal. */
  async giveBackAndFail(refused: PaymentFailure): Promise<never> {
    await this.voidHold();
    return failLifecycle(this.status, refused);
  }

  async waitForPspOutcome(): Promise<CashOutPspStatus | null> {
    await this.psp.waitUntil((s) => s !== 'PROCESSING' && s !== null, this.input.reconcileIntervalSeconds);
    return this.psp.status;
  }

  /** The PSP failed (or cancelled) the cash-out: the hold goes back to the user, with the PSP's reason. */
  async giveBack(outcome: 'FAILED' | 'CANCELLED'): Promise<CashOutStatus> {
    const failure = this.psp.observation?.failure ?? {
      code: outcome,
      message: `the PSP reported the cash-out ${outcome}`,
    };
    this.status.failure = failure;
    await this.voidHold();
    transition(this.status, 'REFUNDED', failure.code);
    return finishLifecycle(this.status);
  }

  /** COMPLETED, or already REFUNDED (events out of order): the money left, so the hold is posted. */
  async settle(): Promise<void> {
    await ledger.postCashOut({ transferId: transferIds.cashOutPost(this.reference), pendingId: this.holdId });
    this.status.ledger.posted = true;
    transition(this.status, 'SETTLED');
  }

  private async voidHold(): Promise<void> {
    await ledger.voidCashOut({ transferId: transferIds.cashOutVoid(this.reference), pendingId: this.holdId });
    this.status.ledger.voided = true;
  }

  /** Until the window closes, a CASHOUT_REFUNDED (the payee's bank sent it back) credits the user once. */
  async watchForReturn(): Promise<void> {
    const window = lateEventWindow(this.input);
    this.status.watchingUntil = new Date(window.untilMs).toISOString();
    const returned = () => this.psp.status === 'REFUNDED';
    const carryOn = () =>
      continueAsNew<typeof cashOutWorkflow>({
        ...this.input,
        resume: { status: this.status, watchUntilMs: window.untilMs },
      });
    while (!returned()) {
      if (
        !(await watchStep(window, this.input.maxHistoryEvents, returned, () => this.psp.reconcile(), carryOn))
      ) {
        this.status.watchingUntil = null;
        return;
      }
    }
    await ledger.creditCashOutReturn({
      transferId: transferIds.cashOutReturn(this.reference),
      userId: this.input.userId,
      amountCents: this.input.amountCents,
      reference: this.reference,
    });
    this.status.ledger.returned = true;
    this.status.watchingUntil = null;
    transition(this.status, 'REFUNDED', 'returned by the payee bank');
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
