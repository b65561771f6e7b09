/**
 * Lifecycles close when done (issue: cost grows with payments in flight, not with history): a
 * settled payment completes after its grace window, and whatever happens to it later (a MED
 * reversal, a return, a platform refund, a webhook lost on the way) runs in a short late-event run
 * keyed by the payment, moving the money once.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { refundAfterClose } from '../../runtime/late-event-door';
import type { lateEventSweepWorkflow } from '../../workflows/late-event-sweep';
import {
  awaitStateUpdate,
  type CashInStatus,
  type CashOutStatus,
  statusQuery,
} from '../../workflows/messages';
import { lateEventWorkflowId } from '../../workflows/workflow-ids';
import { useLifecycleEnv } from '../helpers/lifecycle-env';
import { postSignedEvent as postSignedWebhook } from '../helpers/signed-webhook';

const GRACE = { closeGraceSeconds: 1 };

describe('lifecycles close when done; later events run in late-event runs (dev server + sandbox + relay)', () => {
  const env = useLifecycleEnv();

  const postSignedEvent = (eventType: string, data: unknown) =>
    postSignedWebhook(env.webhookUrl, eventType, data);

  async function settledAndClosedCashIn() {
    const input = env.cashInInput(GRACE);
    const { handle, charge } = await env.startCashIn(input);
    await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`);
    const settled = (await handle.result()) as CashInStatus;
    expect(settled.state).toBe('SETTLED');
    return { input, handle, charge };
  }

  /** The late-event run's status once it reached `state` (it may already have closed). */
  async function lateRunReaches<S extends CashInStatus | CashOutStatus>(
    kind: 'CASH_IN' | 'CASH_OUT',
    reference: string,
    state: S['state'],
  ): Promise<S> {
    const late = env.client.workflow.getHandle(lateEventWorkflowId(kind, reference));
    let status: S | undefined;
    await env.waitUntil(`the late-event run of ${reference} reached ${state}`, async () => {
      status = (await late.query(statusQuery).catch(() => undefined)) as S | undefined;
      return status?.state === state;
    });
    return status as S;
  }

  it('a settled cash-in completes once its grace window is over, with its final status as result', async () => {
    const { handle } = await settledAndClosedCashIn();
    const description = await handle.describe();
    expect(description.status.name).toBe('COMPLETED');
    const open = await env.client.workflow.count(
      `TaskQueue = '${env.taskQueue}' AND ExecutionStatus = 'Running' AND WorkflowId = '${handle.workflowId}'`,
    );
    expect(open.count).toBe(0);
  });

  it('a MED reversal after the lifecycle closed debits the wallet once, in a late-event run, however often delivered', async () => {
    const { input, charge } = await settledAndClosedCashIn();
    await env.psp.control('POST', '/faults', {
      kind: 'duplicateWebhook',
      reference: input.reference,
      count: 1,
    });
    await env.psp.control('POST', `/cash-in/${charge.transactionId}/med-reversal`);
    const refunded = await lateRunReaches<CashInStatus>('CASH_IN', input.reference, 'REFUNDED');
    expect(refunded.timeline.map((t) => t.state)).toEqual([
      'CREATING',
      'AWAITING_PAYMENT',
      'PAID',
      'SETTLED',
      'REFUNDED',
    ]);
    expect(refunded.refund).toEqual({ origin: 'PSP', reason: null });
    await env.waitUntil(
      'both deliveries of CASHIN_REFUNDED were acknowledged',
      async () =>
        (await env.acknowledgedEvents(charge.transactionId)).filter((e) => e === 'CASHIN_REFUNDED').length ===
        2,
    );
    // Redelivered once every workflow of the payment has closed: acknowledged, neither parked nor applied.
    const lateRun = env.client.workflow.getHandle(lateEventWorkflowId('CASH_IN', input.reference));
    await lateRun.result();
    const { runId } = await lateRun.describe();
    const { body: record } = await env.psp.call('GET', `/cash-in/${charge.transactionId}`);
    expect(await postSignedEvent('CASHIN_REFUNDED', record)).toBe(200);
    expect((await lateRun.describe()).runId).toBe(runId);
    const parked = await env.client.workflow.count(
      `PaymentStatus = 'PARKED' AND PaymentReference = '${input.reference}'`,
    );
    expect(parked.count).toBe(0);
    expect(await env.wallet.transferIds(input.userId)).toEqual([
      `cash-in:${input.reference}:credit`,
      `cash-in:${input.reference}:reversal`,
    ]);
    expect((await env.wallet.balance(input.userId)).postedCents).toBe(0);
  });

  it('a platform refund after the lifecycle closed holds, asks the PSP and debits once, in a late-event run (update-with-start)', async () => {
    const { input, charge } = await settledAndClosedCashIn();
    const accepted = await refundAfterClose(env.client, env.taskQueue, input.reference, {
      reason: 'CUSTOMER_REQUEST',
    });
    expect(accepted.transactionId).toBe(charge.transactionId);
    const refunded = await lateRunReaches<CashInStatus>('CASH_IN', input.reference, 'REFUNDED');
    expect(refunded.refund).toEqual({ origin: 'PLATFORM', reason: 'CUSTOMER_REQUEST' });
    // The refund's hold is posted under the reversal's id: a late run that took the PSP's REFUNDED
    // for a MED would meet a conflicting transfer, never debit twice.
    expect(await env.wallet.transferIds(input.userId)).toEqual([
      `cash-in:${input.reference}:credit`,
      `cash-in:${input.reference}:refund-hold`,
      `cash-in:${input.reference}:reversal`,
    ]);
    expect(await env.wallet.balance(input.userId)).toMatchObject({ postedCents: 0, pendingDebitCents: 0 });
  });

  it('a cash-out returned after its lifecycle closed credits the user back once', async () => {
    const input = env.cashOutInput({ ...GRACE, amountCents: 30_00 });
    await env.fundUser(input.userId, 50_00);
    const handle = await env.startCashOut(input);
    await env.waitForState<CashOutStatus>(handle, 'PROCESSING');
    await env.psp.control('POST', `/cash-out/${input.reference}/complete`);
    expect(((await handle.result()) as CashOutStatus).state).toBe('SETTLED');
    await env.psp.control('POST', `/cash-out/${input.reference}/return`);
    const returned = await lateRunReaches<CashOutStatus>('CASH_OUT', input.reference, 'REFUNDED');
    expect(returned.ledger).toMatchObject({ posted: true, returned: true });
    expect((await env.wallet.balance(input.userId)).postedCents).toBe(50_00);
  });

  it('the sweep catches a MED reversal whose webhook was lost, and the late-event run debits it once', async () => {
    const { input, charge } = await settledAndClosedCashIn();
    await env.psp.control('POST', '/faults', {
      kind: 'withholdWebhook',
      reference: input.reference,
      count: 1,
    });
    await env.psp.control('POST', `/cash-in/${charge.transactionId}/med-reversal`);
    await env.waitUntil('the lifecycle is visible as SETTLED and closed', async () => {
      const { count } = await env.client.workflow.count(
        `WorkflowId = 'cash-in:${input.reference}' AND ExecutionStatus = 'Completed' AND PaymentStatus = 'SETTLED'`,
      );
      return count === 1;
    });
    const sweep = await env.client.workflow.execute<typeof lateEventSweepWorkflow>('lateEventSweepWorkflow', {
      workflowId: env.unique('sweep'),
      taskQueue: env.taskQueue,
      args: [{ intervalHours: 24, watchDays: 90, requestsPerSecond: 50 }],
    });
    expect(sweep.woken).toBe(1);
    await lateRunReaches<CashInStatus>('CASH_IN', input.reference, 'REFUNDED');
    expect(await env.wallet.transferIds(input.userId)).toEqual([
      `cash-in:${input.reference}:credit`,
      `cash-in:${input.reference}:reversal`,
    ]);
    // A second sweep finds it refunded already and wakes nothing for it.
    const again = await env.client.workflow.execute<typeof lateEventSweepWorkflow>('lateEventSweepWorkflow', {
      workflowId: env.unique('sweep'),
      taskQueue: env.taskQueue,
      args: [{ intervalHours: 24, watchDays: 90, requestsPerSecond: 50 }],
    });
    expect(again.woken).toBe(0);
  });

  it('a waiter on a lifecycle that closes is answered with its final state', async () => {
    const input = env.cashInInput(GRACE);
    const { handle, charge } = await env.startCashIn(input);
    const waiting = (handle as WorkflowHandle).executeUpdate(awaitStateUpdate, {
      args: [{ waitSeconds: 30 }],
    });
    await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`);
    expect((await waiting).state).toBe('SETTLED');
  });
});
