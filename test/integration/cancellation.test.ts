/**
 * The Web UI's "Request Cancellation" (the same call as `temporal workflow cancel`) on a payment in
 * each state: honoured while nothing has left for the PSP (any hold given back, CANCELLED),
 * refused once the PSP may have the payment (the lifecycle follows it to the PSP's outcome), and
 * a settled payment just closes early. Never a stranded hold, never a misreported state.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { afterEach, describe, expect, it } from 'vitest';
import type { CashInWorkflowInput, CashOutWorkflowInput } from '../../workflows/inputs';
import {
  awaitStateUpdate,
  type CashInStatus,
  type CashOutStatus,
  resolveReviewUpdate,
} from '../../workflows/messages';
import { paymentStartOptions } from '../../workflows/start-options';
import { useLifecycleEnv } from '../helpers/lifecycle-env';
import { resetToFirstTask } from '../helpers/reset';
import { cancelWhenToppingUp, slowTopUps } from '../helpers/topping-up';

describe('cancellation is a request, answered safely in every state (dev server + sandbox)', () => {
  const env = useLifecycleEnv();
  afterEach(async () => {
    await env.psp.control('DELETE', '/faults');
    await env.setPspWallet({ transactional: 100_000, proprietary: 100_000 });
  });

  const fault = (spec: Record<string, unknown>) => env.psp.control('POST', '/faults', spec);

  /** Started while no worker runs, then cancelled: the lifecycle's first task already sees the request. */
  async function cancelledBeforeItRuns(
    kind: 'CASH_IN' | 'CASH_OUT',
    input: CashInWorkflowInput | CashOutWorkflowInput,
  ) {
    await env.stopWorker();
    try {
      const handle = await env.client.workflow.start(
        kind === 'CASH_IN' ? 'cashInWorkflow' : 'cashOutWorkflow',
        {
          ...paymentStartOptions({
            kind,
            reference: input.reference,
            userId: input.userId,
            amountCents: input.amountCents,
            counterpartyName: 'Ana Souza',
            taskQueue: env.taskQueue,
          }),
          args: [input],
        },
      );
      await handle.cancel();
      return handle;
    } finally {
      await env.startWorker();
    }
  }

  async function fundedCashOut(overrides: Partial<CashOutWorkflowInput> = {}) {
    const input = env.cashOutInput({ amountCents: 20_00, ...overrides });
    await env.fundUser(input.userId, 50_00);
    return { input, handle: await env.startCashOut(input) };
  }

  const completed = async <S>(handle: WorkflowHandle) => {
    const status = (await handle.result()) as S;
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    return status;
  };

  describe('cash-out', () => {
    it('before anything was held: CANCELLED, nothing held, nothing sent', async () => {
      const input = env.cashOutInput({ amountCents: 20_00 });
      await env.fundUser(input.userId, 50_00);
      const handle = await cancelledBeforeItRuns('CASH_OUT', input);
      const status = await completed<CashOutStatus>(handle);
      expect(status).toMatchObject({ state: 'CANCELLED', cancellation: { outcome: 'CANCELLED' } });
      expect(status.ledger.held).toBe(false);
      expect(await env.wallet.balance(input.userId)).toMatchObject({
        postedCents: 50_00,
        pendingDebitCents: 0,
      });
      expect((await env.pspTransactions(input.reference)).cashOuts).toEqual([]);
    });

    it('while topping the PSP account up after a refusal: the hold is given back, CANCELLED, nothing sent', async () => {
      await env.setPspWallet({ transactional: 1, proprietary: 1_000 });
      await slowTopUps(env);
      const { input, handle } = await fundedCashOut();
      await cancelWhenToppingUp(env, handle);
      const status = await completed<CashOutStatus>(handle);
      expect(status.state).toBe('CANCELLED');
      expect(status.cancellation).toMatchObject({
        outcome: 'CANCELLED',
        reason: 'the hold was given back; nothing was sent',
      });
      expect(status.ledger).toMatchObject({ held: true, voided: true, posted: false });
      expect(await env.wallet.balance(input.userId)).toMatchObject({
        postedCents: 50_00,
        pendingDebitCents: 0,
      });
      expect((await env.pspTransactions(input.reference)).cashOuts).toEqual([]);
    });

    it('PROCESSING: refused and recorded; the PIX completes and the hold is posted', async () => {
      const { input, handle } = await fundedCashOut();
      await env.waitForState<CashOutStatus>(handle, 'PROCESSING');
      await handle.cancel();
      const refused = await env.waitForStatus<CashOutStatus>(handle, (s) => s.cancellation !== undefined);
      expect(refused.cancellation).toMatchObject({ outcome: 'REFUSED' });
      expect(refused.timeline.at(-1)?.note).toMatch(
        /^cancellation refused: the PSP may already have the PIX/,
      );
      await env.psp.control('POST', `/cash-out/${input.reference}/complete`);
      const settled = await env.waitForState<CashOutStatus>(handle, 'SETTLED');
      expect(settled.ledger).toMatchObject({ posted: true, voided: false });
      expect(await env.wallet.balance(input.userId)).toMatchObject({
        postedCents: 30_00,
        pendingDebitCents: 0,
      });
    });

    it('NEEDS_REVIEW (the send proved nothing): refused; the retry is answered and the PIX fails at the PSP', async () => {
      await fault({ kind: 'commitThenDrop', method: 'POST', path: '/cash-out', count: 1 });
      const { input, handle } = await fundedCashOut();
      await env.waitForState<CashOutStatus>(handle, 'NEEDS_REVIEW');
      await handle.cancel();
      const refused = await env.waitForStatus<CashOutStatus>(handle, (s) => s.cancellation !== undefined);
      expect(refused.cancellation?.outcome).toBe('REFUSED');
      await env.waitForState<CashOutStatus>(handle, 'PROCESSING');
      await env.psp.control('POST', `/cash-out/${input.reference}/fail`);
      const givenBack = await env.waitForState<CashOutStatus>(handle, 'REFUNDED');
      expect(givenBack.ledger).toMatchObject({ voided: true, posted: false });
      expect(await env.wallet.balance(input.userId)).toMatchObject({
        postedCents: 50_00,
        pendingDebitCents: 0,
      });
    });

    it('a refused cancellation leaves every update answered: the operator resolves NEEDS_REVIEW as before', async () => {
      const { input, handle } = await fundedCashOut({ pspOutcomeDeadlineSeconds: 2 });
      await env.waitForState<CashOutStatus>(handle, 'NEEDS_REVIEW');
      await handle.cancel();
      const refused = await env.waitForStatus<CashOutStatus>(handle, (s) => s.cancellation !== undefined);
      expect(refused.cancellation?.outcome).toBe('REFUSED');
      // Waiting for a state, and resolving, both wait inside an update handler: neither is cancelled.
      const waiting = handle.executeUpdate(awaitStateUpdate, {
        args: [{ states: ['REFUNDED'], waitSeconds: 30 }],
      });
      const resolved = (await handle.executeUpdate(resolveReviewUpdate, {
        args: [
          {
            decision: 'NOT_SENT',
            reason: 'the PSP says it never left',
            resolvedBy: 'ops@example.com',
          },
        ],
      })) as CashOutStatus;
      expect(resolved.review?.resolution?.decision).toBe('NOT_SENT');
      expect((await waiting).state).toBe('REFUNDED');
      expect(await env.wallet.balance(input.userId)).toMatchObject({
        postedCents: 50_00,
        pendingDebitCents: 0,
      });
      await env.psp.control('POST', `/cash-out/${input.reference}/fail`);
    });

    it('after a Reset, the earlier run may have sent the PIX: cancellation is refused, the hold kept', async () => {
      const { input, handle } = await fundedCashOut();
      await env.waitForState<CashOutStatus>(handle, 'PROCESSING');
      // Reset and cancelled before the re-run's first task: it cannot see the earlier run's PIX yet.
      await env.stopWorker();
      let rerun: WorkflowHandle;
      try {
        rerun = await resetToFirstTask(env.client, handle);
        await rerun.cancel();
      } finally {
        await env.startWorker();
      }
      const refused = await env.waitForStatus<CashOutStatus>(rerun, (s) => s.cancellation !== undefined);
      expect(refused.cancellation?.outcome).toBe('REFUSED');
      await env.psp.control('POST', `/cash-out/${input.reference}/complete`);
      const settled = await env.waitForState<CashOutStatus>(rerun, 'SETTLED');
      expect(settled.ledger).toMatchObject({ posted: true, voided: false });
      expect((await env.pspTransactions(input.reference)).cashOuts).toHaveLength(1);
    });

    it('SETTLED, in its grace window: the workflow closes now, still SETTLED', async () => {
      const { input, handle } = await fundedCashOut({ closeGraceSeconds: 600 });
      await env.waitForState<CashOutStatus>(handle, 'PROCESSING');
      await env.psp.control('POST', `/cash-out/${input.reference}/complete`);
      await env.waitForState<CashOutStatus>(handle, 'SETTLED');
      await handle.cancel();
      const status = await completed<CashOutStatus>(handle);
      expect(status).toMatchObject({ state: 'SETTLED', cancellation: { outcome: 'CLOSED' } });
      expect(status.ledger).toMatchObject({ posted: true });
    });
  });

  describe('cash-in', () => {
    it('before the charge was asked for: CANCELLED, nothing at the PSP', async () => {
      const input = env.cashInInput();
      const handle = await cancelledBeforeItRuns('CASH_IN', input);
      const status = await completed<CashInStatus>(handle);
      expect(status).toMatchObject({
        state: 'CANCELLED',
        charge: null,
        cancellation: { outcome: 'CANCELLED' },
      });
      expect((await env.pspTransactions(input.reference)).cashIns).toEqual([]);
    });

    it('AWAITING_PAYMENT: refused (the QR stays payable until it expires); a payment is still credited', async () => {
      const input = env.cashInInput();
      const { handle, charge } = await env.startCashIn(input);
      await handle.cancel();
      const refused = await env.waitForStatus<CashInStatus>(handle, (s) => s.cancellation !== undefined);
      expect(refused.cancellation).toMatchObject({ outcome: 'REFUSED' });
      expect(refused.cancellation?.reason).toContain(`stays payable until it expires at ${charge.expiresAt}`);
      await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`);
      const settled = await env.waitForState<CashInStatus>(handle, 'SETTLED');
      expect(settled.ledger.credited).toBe(true);
      expect((await env.wallet.balance(input.userId)).postedCents).toBe(input.amountCents);
    });

    it('SETTLED, in its grace window: the workflow closes now, still SETTLED and credited', async () => {
      const input = env.cashInInput({ closeGraceSeconds: 600 });
      const { handle, charge } = await env.startCashIn(input);
      await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`);
      await env.waitForState<CashInStatus>(handle, 'SETTLED');
      await handle.cancel();
      const status = await completed<CashInStatus>(handle);
      expect(status).toMatchObject({ state: 'SETTLED', cancellation: { outcome: 'CLOSED' } });
      expect((await env.wallet.balance(input.userId)).postedCents).toBe(input.amountCents);
    });
  });
});
