/**
 * How each recorded history under test/fixtures/histories was produced: one recipe per fixture,
 * run against the sandbox by `npm run histories:record` (test/replay/record.histories.ts). The
 * branch each one covers is listed in docs/lifecycles.md ("Recorded histories").
 *
 * Fixtures recorded before a `patched()` change have no recipe: the code that made them is gone,
 * and they stay, frozen, to prove those executions still replay.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { orphanedHoldWorkflowId } from '../../operations/messages';
import { refundAfterClose } from '../../runtime/late-event-door';
import { executeRebalance } from '../../runtime/rebalance-door';
import type { CashInWorkflowInput, RebalanceWorkflowInput } from '../../workflows/inputs';
import type { lateEventSweepWorkflow } from '../../workflows/late-event-sweep';
import {
  type CashInStatus,
  type CashOutStatus,
  type PspEventEnvelope,
  pspEventSignal,
  requestRebalanceUpdate,
  resolveReviewUpdate,
} from '../../workflows/messages';
import {
  type ParkedEventInput,
  parkedEventWorkflow,
  parkedEventWorkflowId,
  resolveParkedEventUpdate,
} from '../../workflows/parked-event';
import {
  lateEventWorkflowId,
  rebalanceWorkflowId,
  scheduledRebalanceWorkflowId,
} from '../../workflows/workflow-ids';
import type { LifecycleEnv } from '../helpers/lifecycle-env';
import { resetToFirstTask } from '../helpers/reset';
import { cancelWhenToppingUp, slowTopUps } from '../helpers/topping-up';

/** Saves one run of a workflow (the latest run when `runId` is omitted) as the fixture `name`. */
export type SaveHistory = (name: string, handle: WorkflowHandle, runId?: string) => Promise<void>;

export interface Recording {
  /** The fixtures it writes (file names without `.json`). */
  fixtures: string[];
  record(env: LifecycleEnv, save: SaveHistory): Promise<void>;
}

/**
 * A watch window that closes a few seconds after settlement, so a recorded lifecycle completes:
 * the late-event watch of lifecycles before CLOSE_AT_TERMINAL_PATCH, the grace window since.
 */
const SHORT_WATCH = {
  lateEventWatchDays: 8 / 86_400,
  lateEventReconcileHours: 1 / 3_600,
  closeGraceSeconds: 2,
};

/** A cash-in paid, settled and closed. */
async function closedCashIn(env: LifecycleEnv) {
  const input = env.cashInInput(SHORT_WATCH);
  const { handle, charge } = await env.startCashIn(input);
  await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`);
  await handle.result();
  return { input, handle, charge };
}

/** The late-event run of a payment, once it closed. */
async function closedLateRun(env: LifecycleEnv, kind: 'CASH_IN' | 'CASH_OUT', reference: string) {
  const late = env.client.workflow.getHandle(lateEventWorkflowId(kind, reference));
  await env.waitUntil('the late-event run started', () =>
    late.describe().then(
      () => true,
      () => false,
    ),
  );
  await late.result();
  return late;
}

const withoutFaults = async (env: LifecycleEnv, run: () => Promise<void>) => {
  try {
    await run();
  } finally {
    await env.psp.control('DELETE', '/faults');
  }
};

/** A closed cash-out reset to its first workflow task: saves the re-run (reset-converges). */
async function resetCashOut(env: LifecycleEnv, save: SaveHistory, name: string, handle: WorkflowHandle) {
  await handle.result().catch(() => undefined);
  const rerun = await resetToFirstTask(env.client, handle);
  await rerun.result().catch(() => undefined);
  await save(name, rerun);
}

/** A funded cash-out the PSP accepted (PROCESSING). */
async function processingCashOut(env: LifecycleEnv) {
  const input = env.cashOutInput(SHORT_WATCH);
  await env.fundUser(input.userId, input.amountCents);
  const handle = await env.startCashOut(input);
  await env.waitForState<CashOutStatus>(handle, 'PROCESSING');
  return { input, handle };
}

export const RECORDINGS: Recording[] = [
  {
    fixtures: ['cash-in-settled-then-med-reversal'],
    async record(env, save) {
      const { handle, charge } = await env.startCashIn(env.cashInInput());
      await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`);
      await env.waitForState<CashInStatus>(handle, 'SETTLED');
      await env.psp.control('POST', `/cash-in/${charge.transactionId}/med-reversal`);
      await handle.result();
      await save('cash-in-settled-then-med-reversal', handle);
    },
  },
  {
    fixtures: ['cash-in-wrong-amount-refunded'],
    async record(env, save) {
      const { handle, charge } = await env.startCashIn(env.cashInInput());
      await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`, { amount: 1 });
      await handle.result();
      await save('cash-in-wrong-amount-refunded', handle);
    },
  },
  {
    fixtures: ['cash-in-platform-refund'],
    async record(env, save) {
      const { handle, charge } = await env.startCashIn(env.cashInInput());
      await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`);
      await env.waitForState<CashInStatus>(handle, 'SETTLED');
      await handle.executeUpdate('refundCashIn', { args: [{ reason: 'CUSTOMER_REQUEST' }] });
      await handle.result();
      await save('cash-in-platform-refund', handle);
    },
  },
  {
    fixtures: ['cash-in-expired'],
    async record(env, save) {
      // No reconciliation before the deadline: the expiry timer itself fires, then one GET.
      const input = env.cashInInput({ expiresInMinutes: 1, reconcileIntervalSeconds: 3_600 });
      const { handle } = await env.startCashIn(input);
      await handle.result();
      await save('cash-in-expired', handle);
    },
  },
  {
    fixtures: ['cash-in-settled-by-reconciliation'],
    async record(env, save) {
      const { handle, charge } = await env.startCashIn(env.cashInInput(SHORT_WATCH));
      await withoutFaults(env, async () => {
        await env.psp.control('POST', '/faults', { kind: 'withholdWebhook', rate: 1 });
        await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`);
        await env.waitForState<CashInStatus>(handle, 'SETTLED');
      });
      await env.psp.control('POST', '/webhooks/release');
      await handle.result();
      await save('cash-in-settled-by-reconciliation', handle);
    },
  },
  {
    fixtures: ['cash-in-watch-continued-as-new', 'cash-in-watch-resumed-then-closed'],
    async record(env, save) {
      const input: CashInWorkflowInput = env.cashInInput({ ...SHORT_WATCH, maxHistoryEvents: 40 });
      const { handle, charge } = await env.startCashIn(input);
      const firstRunId = (await handle.describe()).runId;
      await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`);
      await handle.result(); // follows the continue-as-new to the last run
      await save('cash-in-watch-continued-as-new', handle, firstRunId);
      await save('cash-in-watch-resumed-then-closed', handle);
    },
  },
  {
    fixtures: ['cash-in-refund-refused-by-psp'],
    async record(env, save) {
      const { handle, charge } = await env.startCashIn(env.cashInInput(SHORT_WATCH));
      // A charge paid without an end-to-end id cannot be refunded: the PSP answers MISSING_END_TO_END_ID.
      await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`, { withoutEndToEndId: true });
      await env.waitForState<CashInStatus>(handle, 'SETTLED');
      await handle.executeUpdate('refundCashIn', { args: [{ reason: 'FRAUD' }] }).catch(() => undefined);
      await handle.result();
      await save('cash-in-refund-refused-by-psp', handle);
    },
  },
  {
    fixtures: ['cash-in-invalid-input'],
    async record(env, save) {
      const input = env.cashInInput({ payer: { name: 'Ana Souza', document: '12345678900' } });
      const handle = await env.client.workflow.start('cashInWorkflow', {
        taskQueue: env.taskQueue,
        workflowId: `cash-in:${input.reference}`,
        args: [input],
      });
      await handle.result().catch(() => undefined);
      await save('cash-in-invalid-input', handle);
    },
  },
  {
    fixtures: ['cash-out-top-up-settled-then-returned'],
    async record(env, save) {
      await env.setPspWallet({ transactional: 0, proprietary: 100_000 });
      const input = env.cashOutInput();
      await env.fundUser(input.userId, input.amountCents);
      const handle = await env.startCashOut(input);
      const processing = await env.waitForState<CashOutStatus>(handle, 'PROCESSING');
      await env.psp.control('POST', `/cash-out/${processing.psp.transactionId}/complete`);
      await env.waitForState<CashOutStatus>(handle, 'SETTLED');
      await env.psp.control('POST', `/cash-out/${processing.psp.transactionId}/return`);
      await handle.result();
      await save('cash-out-top-up-settled-then-returned', handle);
    },
  },
  {
    fixtures: ['cash-out-psp-failed-refunded'],
    async record(env, save) {
      const input = env.cashOutInput();
      await env.fundUser(input.userId, input.amountCents);
      await env.setPspWallet({ transactional: 1_000, proprietary: 100_000 });
      const handle = await env.startCashOut(input);
      const processing = await env.waitForState<CashOutStatus>(handle, 'PROCESSING');
      await env.psp.control('POST', `/cash-out/${processing.psp.transactionId}/fail`, {
        code: 'PIX_KEY_NOT_FOUND',
      });
      await handle.result();
      await save('cash-out-psp-failed-refunded', handle);
    },
  },
  {
    fixtures: ['cash-out-user-insufficient-funds'],
    async record(env, save) {
      const handle = await env.startCashOut(env.cashOutInput());
      await handle.result().catch(() => undefined);
      await save('cash-out-user-insufficient-funds', handle);
    },
  },
  {
    fixtures: ['cash-out-settled-by-reconciliation'],
    async record(env, save) {
      await env.setPspWallet({ transactional: 1_000, proprietary: 100_000 });
      const input = env.cashOutInput(SHORT_WATCH);
      await env.fundUser(input.userId, input.amountCents);
      const handle = await env.startCashOut(input);
      await withoutFaults(env, async () => {
        await env.psp.control('POST', '/faults', { kind: 'withholdWebhook', rate: 1 });
        const processing = await env.waitForState<CashOutStatus>(handle, 'PROCESSING');
        await env.psp.control('POST', `/cash-out/${processing.psp.transactionId}/complete`);
        await env.waitForState<CashOutStatus>(handle, 'SETTLED');
      });
      await env.psp.control('POST', '/webhooks/release');
      await handle.result();
      await save('cash-out-settled-by-reconciliation', handle);
    },
  },
  {
    fixtures: ['cash-out-unreadable-answer-kept-hold'],
    async record(env, save) {
      await env.setPspWallet({ transactional: 1_000, proprietary: 100_000 });
      const input = env.cashOutInput(SHORT_WATCH);
      await env.fundUser(input.userId, input.amountCents);
      await withoutFaults(env, async () => {
        // The PSP takes the cash-out but answers a body the contract does not allow.
        await env.psp.control('POST', '/faults', {
          kind: 'commitThenGarble',
          method: 'POST',
          path: '/cash-out',
        });
        const handle = await env.startCashOut(input);
        await env.waitForStatus<CashOutStatus>(
          handle,
          (s) => s.state === 'PROCESSING' && s.timeline.some((t) => t.note?.includes('may have it')),
        );
        await env.psp.control('POST', `/cash-out/${input.reference}/complete`);
        await handle.result();
        await save('cash-out-unreadable-answer-kept-hold', handle);
      });
    },
  },
  {
    fixtures: ['cash-out-top-up-failed'],
    async record(env, save) {
      // Nothing to move from: the top-up fails, the retry is refused again, the hold is given back.
      await env.setPspWallet({ transactional: 0, proprietary: 0 });
      const input = env.cashOutInput({ topUpRetries: 1 });
      await env.fundUser(input.userId, input.amountCents);
      const handle = await env.startCashOut(input);
      await handle.result().catch(() => undefined);
      await save('cash-out-top-up-failed', handle);
    },
  },
  // Lifecycles started since patch proven-outcomes (workflows/lifecycle.ts): outcomes proven by the
  // PSP's record, NEEDS_REVIEW and the operator's resolutions.
  {
    fixtures: ['proven-cash-in-settled'],
    async record(env, save) {
      const { handle, charge } = await env.startCashIn(env.cashInInput(SHORT_WATCH));
      await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`);
      await handle.result();
      await save('proven-cash-in-settled', handle);
    },
  },
  {
    fixtures: ['proven-cash-in-unconfirmed-event-then-paid'],
    async record(env, save) {
      const input = env.cashInInput({ ...SHORT_WATCH, reconcileIntervalSeconds: 3_600 });
      const { handle, charge } = await env.startCashIn(input);
      // A webhook the PSP's record does not bear out: counted, nothing credited.
      await handle.signal(pspEventSignal, {
        eventType: 'CASHIN_PAID',
        eventAt: new Date().toISOString(),
        data: {
          transactionId: charge.transactionId,
          externalReference: input.reference,
          status: 'PAID',
          amount: 25,
        },
      });
      await env.waitForStatus<CashInStatus>(handle, (s) => (s.psp.unconfirmedEvents ?? 0) === 1);
      await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`);
      await handle.result();
      await save('proven-cash-in-unconfirmed-event-then-paid', handle);
    },
  },
  {
    fixtures: ['proven-cash-in-refund-unreadable-then-refunded'],
    async record(env, save) {
      const { handle, charge } = await env.startCashIn(env.cashInInput(SHORT_WATCH));
      await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`);
      await env.waitForState<CashInStatus>(handle, 'SETTLED');
      await withoutFaults(env, async () => {
        await env.psp.control('POST', '/faults', {
          kind: 'commitThenGarble',
          method: 'POST',
          path: '/cash-in/',
        });
        await handle.executeUpdate('refundCashIn', { args: [{ reason: 'CUSTOMER_REQUEST' }] });
      });
      await handle.result();
      await save('proven-cash-in-refund-unreadable-then-refunded', handle);
    },
  },
  {
    fixtures: ['proven-cash-out-settled'],
    async record(env, save) {
      await env.setPspWallet({ transactional: 1_000, proprietary: 100_000 });
      const input = env.cashOutInput(SHORT_WATCH);
      await env.fundUser(input.userId, input.amountCents);
      const handle = await env.startCashOut(input);
      await env.waitForState<CashOutStatus>(handle, 'PROCESSING');
      await env.psp.control('POST', `/cash-out/${input.reference}/complete`);
      await handle.result();
      await save('proven-cash-out-settled', handle);
    },
  },
  {
    fixtures: ['proven-cash-out-send-unknown-then-replayed'],
    async record(env, save) {
      await env.setPspWallet({ transactional: 1_000, proprietary: 100_000 });
      const input = env.cashOutInput(SHORT_WATCH);
      await env.fundUser(input.userId, input.amountCents);
      await withoutFaults(env, async () => {
        // The first attempt commits and its answer is lost; the retry is refused; the next replays the first.
        await env.psp.control('POST', '/faults', {
          kind: 'commitThenDrop',
          method: 'POST',
          path: '/cash-out',
          count: 1,
        });
        await env.psp.control('POST', '/faults', {
          kind: 'refuse',
          status: 422,
          code: 'INVALID_SIGNATURE',
          method: 'POST',
          path: '/cash-out',
          skip: 1,
          count: 1,
        });
        const handle = await env.startCashOut(input);
        await env.waitForState<CashOutStatus>(handle, 'PROCESSING');
        await env.psp.control('POST', `/cash-out/${input.reference}/complete`);
        await handle.result();
        await save('proven-cash-out-send-unknown-then-replayed', handle);
      });
    },
  },
  {
    fixtures: ['proven-cash-out-send-unproven-resolved-not-sent'],
    async record(env, save) {
      await env.setPspWallet({ transactional: 1_000, proprietary: 100_000 });
      const input = env.cashOutInput({ pspRetryWindowSeconds: 3 });
      await env.fundUser(input.userId, input.amountCents);
      await withoutFaults(env, async () => {
        await env.psp.control('POST', '/faults', {
          kind: 'refuse',
          status: 422,
          code: 'NIGHT_LIMIT_EXCEEDED',
          method: 'POST',
          path: '/cash-out',
          rate: 1,
        });
        const handle = await env.startCashOut(input);
        await env.waitForStatus<CashOutStatus>(
          handle,
          (s) => s.state === 'NEEDS_REVIEW' && s.review?.retryingUntil === null,
        );
        await handle.executeUpdate(resolveReviewUpdate, {
          args: [{ decision: 'NOT_SENT', reason: 'recorded for replay', resolvedBy: 'test' }],
        });
        await handle.result().catch(() => undefined);
        await save('proven-cash-out-send-unproven-resolved-not-sent', handle);
      });
    },
  },
  {
    fixtures: ['proven-cash-out-verdict-overdue-resolved-not-sent'],
    async record(env, save) {
      await env.setPspWallet({ transactional: 1_000, proprietary: 100_000 });
      const input = env.cashOutInput({ pspOutcomeDeadlineSeconds: 2 });
      await env.fundUser(input.userId, input.amountCents);
      const handle = await env.startCashOut(input);
      await env.waitForState<CashOutStatus>(handle, 'NEEDS_REVIEW');
      await handle.executeUpdate(resolveReviewUpdate, {
        args: [{ decision: 'NOT_SENT', reason: 'recorded for replay', resolvedBy: 'test' }],
      });
      await handle.result();
      await env.psp.control('POST', `/cash-out/${input.reference}/fail`, { code: 'CANCELLED_BY_PSP' });
      await save('proven-cash-out-verdict-overdue-resolved-not-sent', handle);
    },
  },
  {
    fixtures: ['proven-cash-out-duplicate-reference-adopted'],
    async record(env, save) {
      await env.setPspWallet({ transactional: 1_000, proprietary: 100_000 });
      const input = env.cashOutInput(SHORT_WATCH);
      const earlier = await env.psp.call('POST', '/cash-out', {
        signed: true,
        idempotencyKey: true,
        body: {
          amount: input.amountCents / 100,
          externalReference: input.reference,
          payee: {
            name: input.payee.name,
            document: input.payee.document,
            destination: { type: 'PIX', pixKeyType: 'EMAIL', pixKey: input.payee.pixKey },
          },
        },
      });
      await env.fundUser(input.userId, input.amountCents);
      const handle = await env.startCashOut(input);
      await env.waitForState<CashOutStatus>(handle, 'NEEDS_REVIEW');
      await handle.executeUpdate(resolveReviewUpdate, {
        args: [
          {
            decision: 'SENT',
            pspTransactionId: earlier.body.transactionId,
            reason: 'recorded',
            resolvedBy: 'test',
          },
        ],
      });
      await env.psp.control('POST', `/cash-out/${input.reference}/complete`);
      await handle.result();
      await save('proven-cash-out-duplicate-reference-adopted', handle);
    },
  },
  {
    fixtures: ['rebalance-coordinator'],
    async record(env, save) {
      await executeRebalance(env.client, {
        taskQueue: env.taskQueue,
        trigger: { source: 'MANUAL', thresholdCents: 0, requestedBy: 'record-histories' },
      });
      // Still running: a partial history replays too.
      await save('rebalance-coordinator', env.client.workflow.getHandle(rebalanceWorkflowId(env.taskQueue)));
    },
  },
  {
    fixtures: ['rebalance-coordinator-continued-as-new'],
    async record(env, save) {
      const input: RebalanceWorkflowInput = { runsPerExecution: 2 };
      const handle = await env.client.workflow.start('rebalanceWorkflow', {
        taskQueue: env.taskQueue,
        workflowId: `${rebalanceWorkflowId(env.taskQueue)}-continued`,
        args: [input],
      });
      const firstRunId = handle.firstExecutionRunId;
      for (const requestedBy of ['first', 'second']) {
        await handle.executeUpdate(requestRebalanceUpdate, {
          args: [{ source: 'MANUAL', thresholdCents: 0, requestedBy }],
        });
      }
      await env.waitUntil('the coordinator continued as new', async () => {
        return (await handle.describe()).runId !== firstRunId;
      });
      await save('rebalance-coordinator-continued-as-new', handle, firstRunId);
    },
  },
  {
    fixtures: ['rebalance-scheduled-run'],
    async record(env, save) {
      const scheduled = await env.client.workflow.start('scheduledRebalanceWorkflow', {
        taskQueue: env.taskQueue,
        workflowId: `${scheduledRebalanceWorkflowId(env.taskQueue)}-recorded`,
        args: [{ thresholdCents: 0 }],
      });
      await scheduled.result();
      await save('rebalance-scheduled-run', scheduled);
    },
  },
  {
    fixtures: ['rebalance-scheduled-run-below-threshold'],
    async record(env, save) {
      const scheduled = await env.client.workflow.start('scheduledRebalanceWorkflow', {
        taskQueue: env.taskQueue,
        workflowId: `${scheduledRebalanceWorkflowId(env.taskQueue)}-below-threshold`,
        args: [{ thresholdCents: 1_000_000_000_00 }],
      });
      await scheduled.result();
      await save('rebalance-scheduled-run-below-threshold', scheduled);
    },
  },
  {
    fixtures: ['parked-event-resolved'],
    async record(env, save) {
      // A PSP event for a reference no lifecycle has: parked (delivered twice), then resolved by an operator.
      const orphan: PspEventEnvelope = {
        eventType: 'CASHOUT_REFUNDED',
        eventAt: new Date().toISOString(),
        data: { transactionId: 'recorded-orphan', externalReference: 'no-such-reference' },
      };
      const parkedInput: ParkedEventInput = {
        transactionId: orphan.data.transactionId,
        eventType: orphan.eventType,
        reason: 'NO_WORKFLOW',
        kind: 'CASH_OUT',
        intendedWorkflowId: 'cash-out:no-such-reference',
      };
      const parkedOptions = {
        taskQueue: env.taskQueue,
        workflowId: `${parkedEventWorkflowId(orphan.data.transactionId, orphan.eventType)}:${env.taskQueue}`,
        args: [parkedInput] as [ParkedEventInput],
        signal: pspEventSignal,
        signalArgs: [orphan] as [PspEventEnvelope],
      };
      const parked = await env.client.workflow.signalWithStart(parkedEventWorkflow, parkedOptions);
      await env.client.workflow.signalWithStart(parkedEventWorkflow, parkedOptions);
      await parked.executeUpdate(resolveParkedEventUpdate, {
        args: [{ note: 'recorded for replay', resolvedBy: 'test' }],
      });
      await parked.result();
      await save('parked-event-resolved', parked);
    },
  },
  {
    fixtures: ['closing-cash-in-settled'],
    async record(env, save) {
      const { handle } = await closedCashIn(env);
      await save('closing-cash-in-settled', handle);
    },
  },
  {
    fixtures: ['closing-cash-out-settled', 'late-run-cash-out-returned'],
    async record(env, save) {
      const input = env.cashOutInput(SHORT_WATCH);
      await env.fundUser(input.userId, input.amountCents);
      const handle = await env.startCashOut(input);
      await env.waitForState<CashOutStatus>(handle, 'PROCESSING');
      await env.psp.control('POST', `/cash-out/${input.reference}/complete`);
      await handle.result();
      await save('closing-cash-out-settled', handle);
      await env.psp.control('POST', `/cash-out/${input.reference}/return`);
      await save('late-run-cash-out-returned', await closedLateRun(env, 'CASH_OUT', input.reference));
    },
  },
  {
    fixtures: ['cancelled-cash-out-topping-up'],
    async record(env, save) {
      // The recording env's PSP account starts empty, so the cash-out tops it up first.
      await withoutFaults(env, async () => {
        await slowTopUps(env);
        const input = env.cashOutInput(SHORT_WATCH);
        await env.fundUser(input.userId, input.amountCents);
        const handle = await env.startCashOut(input);
        await cancelWhenToppingUp(env, handle);
        await handle.result();
        await save('cancelled-cash-out-topping-up', handle);
      });
    },
  },
  {
    fixtures: ['cancel-refused-cash-out-settled'],
    async record(env, save) {
      const input = env.cashOutInput(SHORT_WATCH);
      await env.fundUser(input.userId, input.amountCents);
      const handle = await env.startCashOut(input);
      await env.waitForState<CashOutStatus>(handle, 'PROCESSING');
      await handle.cancel();
      await env.waitForStatus<CashOutStatus>(handle, (status) => status.cancellation !== undefined);
      await env.psp.control('POST', `/cash-out/${input.reference}/complete`);
      await handle.result();
      await save('cancel-refused-cash-out-settled', handle);
    },
  },
  {
    fixtures: ['cancel-refused-cash-in-settled'],
    async record(env, save) {
      const { handle, charge } = await env.startCashIn(env.cashInInput(SHORT_WATCH));
      await handle.cancel();
      await env.waitForStatus<CashInStatus>(handle, (status) => status.cancellation !== undefined);
      await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`);
      await handle.result();
      await save('cancel-refused-cash-in-settled', handle);
    },
  },
  {
    fixtures: ['late-run-cash-in-med-reversal'],
    async record(env, save) {
      const { input, charge } = await closedCashIn(env);
      await env.psp.control('POST', `/cash-in/${charge.transactionId}/med-reversal`);
      await save('late-run-cash-in-med-reversal', await closedLateRun(env, 'CASH_IN', input.reference));
    },
  },
  {
    fixtures: ['late-run-cash-in-platform-refund'],
    async record(env, save) {
      const { input } = await closedCashIn(env);
      await refundAfterClose(env.client, env.taskQueue, input.reference, { reason: 'CUSTOMER_REQUEST' });
      await save('late-run-cash-in-platform-refund', await closedLateRun(env, 'CASH_IN', input.reference));
    },
  },
  {
    fixtures: ['late-event-sweep-woke-one'],
    async record(env, save) {
      // A MED reversal whose webhook is lost: the sweep finds it and wakes the payment's late-event run.
      const { input, charge } = await closedCashIn(env);
      await env.psp.control('POST', '/faults', {
        kind: 'withholdWebhook',
        reference: input.reference,
        count: 1,
      });
      await env.psp.control('POST', `/cash-in/${charge.transactionId}/med-reversal`);
      const sweep = await env.client.workflow.start<typeof lateEventSweepWorkflow>('lateEventSweepWorkflow', {
        workflowId: `late-event-sweep:${env.taskQueue}`,
        taskQueue: env.taskQueue,
        args: [{ intervalHours: 24, watchDays: 90, requestsPerSecond: 50 }],
      });
      await sweep.result();
      await closedLateRun(env, 'CASH_IN', input.reference);
      await save('late-event-sweep-woke-one', sweep);
    },
  },
  {
    fixtures: ['ledger-check-run'],
    async record(env, save) {
      const check = await env.client.workflow.start('ledgerCheckWorkflow', {
        taskQueue: env.taskQueue,
        workflowId: `ledger-check-recorded:${env.taskQueue}`,
        args: [{ thresholdCents: 100_00, holdLimitSeconds: 3600 }],
      });
      await check.result();
      await save('ledger-check-run', check);
    },
  },
  {
    fixtures: ['orphaned-hold-refused-while-processing', 'orphaned-hold-posted'],
    async record(env, save) {
      // A cash-out terminated while the PSP processes it: its hold is orphaned.
      const input = env.cashOutInput({ reconcileIntervalSeconds: 3_600 });
      await env.fundUser(input.userId, input.amountCents);
      const cashOut = await env.startCashOut(input);
      await env.waitForState<CashOutStatus>(cashOut, 'PROCESSING');
      await cashOut.terminate('recorded for replay: an operator pressed Terminate');
      const holdTransferId = `cash-out:${input.reference}:hold`;
      const resolve = async (attempt: string) => {
        const handle = await env.client.workflow.start('orphanedHoldWorkflow', {
          taskQueue: env.taskQueue,
          workflowId: `${orphanedHoldWorkflowId(holdTransferId)}:${attempt}`,
          args: [{ holdTransferId, reason: 'recorded for replay', resolvedBy: 'test' }],
        });
        await handle.result();
        return handle;
      };
      await save('orphaned-hold-refused-while-processing', await resolve('early'));
      await env.psp.control('POST', `/cash-out/${input.reference}/complete`);
      await save('orphaned-hold-posted', await resolve('completed'));
    },
  },
  {
    fixtures: ['reset-cash-out-settled'],
    async record(env, save) {
      // The hold answers "posted": the PSP transaction kept with the post is read, the post replayed.
      const { input, handle } = await processingCashOut(env);
      await env.psp.control('POST', `/cash-out/${input.reference}/complete`);
      await resetCashOut(env, save, 'reset-cash-out-settled', handle);
    },
  },
  {
    fixtures: ['reset-cash-out-refunded'],
    async record(env, save) {
      // The hold answers "voided" with the PSP transaction: its record (FAILED) decides, nothing is sent.
      const { input, handle } = await processingCashOut(env);
      await env.psp.control('POST', `/cash-out/${input.reference}/fail`);
      await resetCashOut(env, save, 'reset-cash-out-refunded', handle);
    },
  },
  {
    fixtures: ['reset-cash-out-cancelled'],
    async record(env, save) {
      // The hold answers "voided" with no PSP transaction: the void's reason (CANCELLED) decides.
      await env.setPspWallet({ transactional: 0, proprietary: 100_000 });
      await withoutFaults(env, async () => {
        await slowTopUps(env);
        const input = env.cashOutInput(SHORT_WATCH);
        await env.fundUser(input.userId, input.amountCents);
        const handle = await env.startCashOut(input);
        await cancelWhenToppingUp(env, handle);
        await resetCashOut(env, save, 'reset-cash-out-cancelled', handle);
      });
    },
  },
];
