/**
 * Invariant 1 under stress: one reference → one lifecycle, one PSP transaction and one ledger
 * effect, whatever is duplicated, reordered, early, or interrupted by a worker dying.
 */
import { WorkflowExecutionAlreadyStartedError, type WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../scripts/wait-for';
import type { CashInStatus, CashOutStatus, PspEventEnvelope } from '../../workflows/messages';
import { pspEventSignal, statusQuery } from '../../workflows/messages';
import { type LifecycleEnv, useLifecycleEnv } from '../helpers/lifecycle-env';
import { WALLET_BACKENDS } from '../helpers/test-wallet';
import { startWorkerProcess } from '../helpers/worker-process';

type Json = Record<string, unknown>;

/** Transfer ids of the payments on a user's wallet (not the test's funding), sorted. */
async function walletTransferIds(env: LifecycleEnv, userId: string): Promise<string[]> {
  return (await env.wallet.transferIds(userId)).filter((id) => !id.startsWith('fund-'));
}

/** The envelope the PSP would send for the transaction's current record. */
async function envelopeFor(
  env: LifecycleEnv,
  eventType: string,
  reference: string,
): Promise<PspEventEnvelope> {
  const { cashIns, cashOuts } = await env.pspTransactions(reference);
  const data = (eventType.startsWith('CASHIN_') ? cashIns[0] : cashOuts[0]) as Json;
  return { eventType, eventAt: new Date().toISOString(), data: data as PspEventEnvelope['data'] };
}

/**
 * Once this returns, the workflow has handled every signal already in its history (a query is
 * answered after the pending workflow task) and whatever activity that started has finished.
 */
async function settledDown(env: LifecycleEnv, handle: WorkflowHandle): Promise<void> {
  await handle.query(statusQuery);
  await env.waitUntil(
    `${handle.workflowId} has no activity pending`,
    async () => ((await handle.describe()).raw.pendingActivities ?? []).length === 0,
  );
}

describe.each(WALLET_BACKENDS)(
  'lifecycle invariants (dev server + sandbox over HTTP, %s wallet)',
  (walletBackend) => {
    const env = useLifecycleEnv({ walletBackend });
    beforeAll(async () => {
      await env.setPspWallet({ transactional: 100_000, proprietary: 100_000 });
    });
    afterEach(async () => {
      await env.psp.control('DELETE', '/faults');
      await env.psp.control('PUT', '/behaviour', {
        autoPayCashInAfterMs: null,
        autoCompleteCashOutAfterMs: null,
      });
    });

    it('starts one lifecycle per reference however often it is started', async () => {
      const cashIn = env.cashInInput();
      const [first, second] = await Promise.all([env.startCashIn(cashIn), env.startCashIn(cashIn)]);
      expect(second.charge).toEqual(first.charge);
      expect((await second.handle.describe()).runId).toBe((await first.handle.describe()).runId);
      await env.psp.control('POST', `/cash-in/${first.charge.transactionId}/pay`);
      await env.waitForState<CashInStatus>(first.handle, 'SETTLED');
      // Still watching for refunds, so a third start attaches to it and gets the same charge back.
      expect((await env.startCashIn(cashIn)).charge).toEqual(first.charge);
      expect((await env.pspTransactions(cashIn.reference)).cashIns).toHaveLength(1);
      expect(await walletTransferIds(env, cashIn.userId)).toEqual([`cash-in:${cashIn.reference}:credit`]);

      const cashOut = env.cashOutInput();
      await env.fundUser(cashOut.userId, 50_00);
      const [a, b] = await Promise.all([env.startCashOut(cashOut), env.startCashOut(cashOut)]);
      expect(b.firstExecutionRunId).toBe(a.firstExecutionRunId);
      const processing = await env.waitForState<CashOutStatus>(a, 'PROCESSING');
      await env.psp.control('POST', `/cash-out/${processing.psp.transactionId}/complete`);
      await env.waitForState<CashOutStatus>(a, 'SETTLED');
      expect((await env.pspTransactions(cashOut.reference)).cashOuts).toHaveLength(1);
      expect(await walletTransferIds(env, cashOut.userId)).toEqual([
        `cash-out:${cashOut.reference}:hold`,
        `cash-out:${cashOut.reference}:post`,
      ]);
    });

    it('never starts a finished reference again', async () => {
      const input = env.cashInInput();
      const { handle, charge } = await env.startCashIn(input);
      await env.psp.control('POST', `/cash-in/${charge.transactionId}/expire`);
      await handle.result();
      const again = await env.startCashIn(input).catch((err: unknown) => err);
      expect(again).toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
      expect(again).toMatchObject({ workflowId: `cash-in:${input.reference}` });
      expect((await env.pspTransactions(input.reference)).cashIns).toHaveLength(1);
    });

    it('applies an event delivered three times (and by the PSP again) once', async () => {
      await env.psp.control('POST', '/faults', { kind: 'withholdWebhook', count: 2 });
      const cashOut = env.cashOutInput({ reconcileIntervalSeconds: 600 });
      await env.fundUser(cashOut.userId, 50_00);
      const outHandle = await env.startCashOut(cashOut);
      const processing = await env.waitForState<CashOutStatus>(outHandle, 'PROCESSING');
      await env.psp.control('POST', `/cash-out/${processing.psp.transactionId}/complete`);
      const completed = await envelopeFor(env, 'CASHOUT_COMPLETED', cashOut.reference);
      await Promise.all([1, 2, 3].map(() => outHandle.signal(pspEventSignal, completed)));
      await env.waitForState<CashOutStatus>(outHandle, 'SETTLED');

      const cashIn = env.cashInInput({ reconcileIntervalSeconds: 600 });
      const { handle: inHandle, charge } = await env.startCashIn(cashIn);
      await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`);
      const paid = await envelopeFor(env, 'CASHIN_PAID', cashIn.reference);
      await Promise.all([1, 2, 3].map(() => inHandle.signal(pspEventSignal, paid)));
      await env.waitForState<CashInStatus>(inHandle, 'SETTLED');

      // The PSP's own deliveries, late: both lifecycles take them as a fourth signal, with no effect.
      const { body: released } = await env.psp.control('POST', '/webhooks/release');
      expect(released).toEqual({ released: 2 });
      await env.waitUntil(
        'the PSP delivered both withheld webhooks',
        async () =>
          (await env.acknowledgedEvents(processing.psp.transactionId as string)).length === 1 &&
          (await env.acknowledgedEvents(charge.transactionId)).length === 1,
      );
      for (const handle of [outHandle, inHandle]) {
        const { events } = await handle.fetchHistory();
        expect(events?.filter((e) => e.workflowExecutionSignaledEventAttributes)).toHaveLength(4);
        await settledDown(env, handle);
      }
      expect(await walletTransferIds(env, cashOut.userId)).toEqual([
        `cash-out:${cashOut.reference}:hold`,
        `cash-out:${cashOut.reference}:post`,
      ]);
      expect(await walletTransferIds(env, cashIn.userId)).toEqual([`cash-in:${cashIn.reference}:credit`]);
      expect((await env.wallet.balance(cashIn.userId)).postedCents).toBe(cashIn.amountCents);
    });

    it('ends right when events arrive out of order', async () => {
      await env.psp.control('POST', '/faults', { kind: 'outOfOrderWebhook', count: 1 });
      const input = env.cashOutInput({ reconcileIntervalSeconds: 600 });
      await env.fundUser(input.userId, 50_00);
      const handle = await env.startCashOut(input);
      const processing = await env.waitForState<CashOutStatus>(handle, 'PROCESSING');
      await env.psp.control('POST', `/cash-out/${processing.psp.transactionId}/complete`);
      await env.psp.control('POST', `/cash-out/${processing.psp.transactionId}/return`);
      const returned = await env.waitForState<CashOutStatus>(handle, 'REFUNDED');
      const delivered = await env.acknowledgedEvents(processing.psp.transactionId as string);
      expect(delivered[0]).toBe('CASHOUT_REFUNDED');
      expect(returned.ledger).toEqual({ held: true, posted: true, voided: false, returned: true });
      expect(await env.wallet.balance(input.userId)).toMatchObject({
        postedCents: 50_00,
        pendingDebitCents: 0,
      });
      expect((await env.pspTransactions(input.reference)).cashOuts).toHaveLength(1);

      // A cash-in paid and reversed, CASHIN_REFUNDED delivered before CASHIN_PAID: nothing to credit.
      await env.psp.control('POST', '/faults', { kind: 'outOfOrderWebhook', count: 1 });
      const cashIn = env.cashInInput({ reconcileIntervalSeconds: 600 });
      const { handle: inHandle, charge } = await env.startCashIn(cashIn);
      await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`);
      await env.psp.control('POST', `/cash-in/${charge.transactionId}/med-reversal`);
      const reversed = await env.waitForState<CashInStatus>(inHandle, 'REFUNDED');
      expect(reversed.ledger).toEqual({ credited: false, reversed: false });
      expect(reversed.refund).toEqual({ origin: 'PSP', reason: null });
      expect(await walletTransferIds(env, cashIn.userId)).toEqual([]);
      expect((await env.pspTransactions(cashIn.reference)).cashIns).toHaveLength(1);
    });

    it('takes an event that arrives before the workflow waits for it', async () => {
      // The PSP commits and completes at once, but the answer is lost: CASHOUT_COMPLETED reaches the
      // workflow while it does not yet know whether its send went through, and settles it (confirmed by GET).
      await env.psp.control('PUT', '/behaviour', { autoCompleteCashOutAfterMs: 0, autoPayCashInAfterMs: 0 });
      await env.psp.control('POST', '/faults', { kind: 'commitThenDrop', method: 'POST', path: '/cash-out' });
      const cashOut = env.cashOutInput({ reconcileIntervalSeconds: 600 });
      await env.fundUser(cashOut.userId, 50_00);
      const handle = await env.startCashOut(cashOut);
      await env.waitForState<CashOutStatus>(handle, 'SETTLED');
      const events = (await handle.fetchHistory()).events ?? [];
      const send = events.find(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'createCashOut',
      );
      const sendFailed = events.findIndex(
        (e) => String(e.activityTaskFailedEventAttributes?.scheduledEventId) === String(send?.eventId),
      );
      const firstSignal = events.findIndex((e) => e.workflowExecutionSignaledEventAttributes);
      const confirmingGet = events.findIndex(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'getCashOut',
      );
      expect(sendFailed).toBeGreaterThan(-1);
      expect(firstSignal).toBeGreaterThan(-1);
      expect(firstSignal).toBeLessThan(confirmingGet);
      expect((await env.pspTransactions(cashOut.reference)).cashOuts).toHaveLength(1);

      await env.psp.control('POST', '/faults', { kind: 'commitThenDrop', method: 'POST', path: '/cash-in' });
      const cashIn = env.cashInInput({ reconcileIntervalSeconds: 600 });
      const { handle: inHandle, charge } = await env.startCashIn(cashIn);
      expect(charge.copyAndPaste).toMatch(/^000201/);
      await env.waitForState<CashInStatus>(inHandle, 'SETTLED');
      expect((await env.pspTransactions(cashIn.reference)).cashIns).toHaveLength(1);
      expect(await walletTransferIds(env, cashIn.userId)).toEqual([`cash-in:${cashIn.reference}:credit`]);
    });
  },
);

describe.each(WALLET_BACKENDS)(
  'worker processes (the real dist/worker/main.js) killed or stopped mid-lifecycle, %s wallet',
  (walletBackend) => {
    const env = useLifecycleEnv({ inProcessWorker: false, walletBackend });
    beforeAll(async () => {
      await env.setPspWallet({ transactional: 100_000, proprietary: 100_000 });
    });
    const processEnv = () => ({
      taskQueue: env.taskQueue,
      sandboxUrl: env.sandbox.url,
      walletEnv: env.wallet.workerEnv(),
    });

    it('killed and replaced by a new process: every lifecycle finishes once, one PSP transaction and one ledger effect each', async () => {
      const first = await startWorkerProcess(processEnv());
      const cashIn = env.cashInInput();
      const cashOut = env.cashOutInput();
      await env.fundUser(cashOut.userId, 50_00);
      const { handle: inHandle, charge } = await env.startCashIn(cashIn);
      const outHandle = await env.startCashOut(cashOut);
      const processing = await env.waitForState<CashOutStatus>(outHandle, 'PROCESSING');

      await first.kill();
      // While no worker runs, the PSP settles both; the webhooks reach the workflows' histories.
      await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`);
      await env.psp.control('POST', `/cash-out/${processing.psp.transactionId}/complete`);

      const second = await startWorkerProcess(processEnv());
      try {
        await env.waitForState<CashInStatus>(inHandle, 'SETTLED', 40_000);
        await env.waitForState<CashOutStatus>(outHandle, 'SETTLED', 40_000);
        expect((await env.pspTransactions(cashIn.reference)).cashIns).toHaveLength(1);
        expect((await env.pspTransactions(cashOut.reference)).cashOuts).toHaveLength(1);
        expect(await walletTransferIds(env, cashIn.userId)).toEqual([`cash-in:${cashIn.reference}:credit`]);
        expect(await walletTransferIds(env, cashOut.userId)).toEqual([
          `cash-out:${cashOut.reference}:hold`,
          `cash-out:${cashOut.reference}:post`,
        ]);
      } finally {
        await second.stop();
      }
    }, 90_000);

    it('stopped with SIGTERM while a PSP call runs: lets it finish, exits 0, and a new worker carries the lifecycle on', async () => {
      const worker = await startWorkerProcess({
        ...processEnv(),
        env: { WORKER_SHUTDOWN_GRACE_SECONDS: '30' },
      });
      const cashOut = env.cashOutInput();
      await env.fundUser(cashOut.userId, 50_00);
      // The PSP takes 3 s to accept this cash-out: long enough to stop the worker in the middle of the call.
      await env.psp.control('POST', '/faults', {
        kind: 'latency',
        latencyMs: 3_000,
        method: 'POST',
        path: '/cash-out',
        count: 1,
      });
      const handle = await env.startCashOut(cashOut);
      await waitFor(
        'createCashOut to be running on the worker',
        async () => {
          const { pendingActivities } = await handle.describe().then((d) => d.raw);
          return (pendingActivities ?? []).some(
            (a) =>
              a.activityType?.name === 'createCashOut' &&
              a.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED,
          );
        },
        { timeoutMs: 30_000, intervalMs: 50 },
      );

      expect(await worker.stop()).toBe(0);

      // The draining worker completed the call itself: one attempt, completed, nothing timed out or
      // retried. The server may append the outcome a moment after the worker exits (events wait
      // while a workflow task is in flight), so the history is read until it shows one.
      const outcomeOf = async () => {
        const { events } = await handle.fetchHistory();
        const scheduled = (events ?? []).filter(
          (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'createCashOut',
        );
        const scheduledId = scheduled[0]?.eventId?.toString();
        const outcomes = (events ?? []).filter((e) =>
          [
            e.activityTaskCompletedEventAttributes,
            e.activityTaskFailedEventAttributes,
            e.activityTaskTimedOutEventAttributes,
          ].some((attributes) => attributes?.scheduledEventId?.toString() === scheduledId),
        );
        return { events, scheduled, scheduledId, outcomes };
      };
      await waitFor(
        'the createCashOut outcome in the history',
        async () => (await outcomeOf()).outcomes.length > 0,
        {
          timeoutMs: 15_000,
          intervalMs: 100,
        },
      );
      const { events, scheduled, scheduledId, outcomes } = await outcomeOf();
      expect(scheduled).toHaveLength(1);
      expect(
        outcomes.map((e) => (e.activityTaskCompletedEventAttributes ? 'completed' : 'not completed')),
      ).toEqual(['completed']);
      const started = (events ?? []).find(
        (e) => e.activityTaskStartedEventAttributes?.scheduledEventId?.toString() === scheduledId,
      );
      expect(started?.activityTaskStartedEventAttributes?.attempt).toBe(1);

      await env.startWorker();
      const processing = await env.waitForState<CashOutStatus>(handle, 'PROCESSING');
      await env.psp.control('POST', `/cash-out/${processing.psp.transactionId}/complete`);
      await env.waitForState<CashOutStatus>(handle, 'SETTLED', 30_000);
      expect((await env.pspTransactions(cashOut.reference)).cashOuts).toHaveLength(1);
    }, 120_000);
  },
);
