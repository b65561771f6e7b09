import { WorkflowFailedError } from '@temporalio/client';
import { beforeAll, describe, expect, it } from 'vitest';
import { idempotencyKey } from '../../domain/ids';
import type { CashOutStatus } from '../../workflows/messages';
import { type LifecycleEnv, useLifecycleEnv } from '../helpers/lifecycle-env';
import { WALLET_BACKENDS } from '../helpers/test-wallet';

describe.each(WALLET_BACKENDS)(
  'cash-out lifecycle (dev server + sandbox over HTTP, %s wallet)',
  (walletBackend) => {
    const env = useLifecycleEnv({ walletBackend });
    /** The same known room at the PSP for every test, whatever the sandbox starts with. */
    const fundPspAccount = () => env.setPspWallet({ transactional: 100_000, proprietary: 100_000 });
    beforeAll(async () => {
      await fundPspAccount();
    });

    const walletOf = (userId: string) => env.wallet.balance(userId);

    /** A cash-out of a funded user, started and accepted by the PSP. */
    async function sentCashOut(overrides: Parameters<LifecycleEnv['cashOutInput']>[0] = {}) {
      const input = env.cashOutInput(overrides);
      await env.fundUser(input.userId, 100_00);
      const handle = await env.startCashOut(input);
      const processing = await env.waitForState<CashOutStatus>(handle, 'PROCESSING');
      return { input, handle, transactionId: processing.psp.transactionId as string };
    }

    it('holds, sends and settles on CASHOUT_COMPLETED, posting the hold', async () => {
      const { input, handle, transactionId } = await sentCashOut({ amountCents: 30_00 });
      const held = await walletOf(input.userId);
      expect(held).toMatchObject({ postedCents: 100_00, pendingDebitCents: 30_00, availableCents: 70_00 });

      await env.psp.control('POST', `/cash-out/${transactionId}/complete`);
      const settled = await env.waitForState<CashOutStatus>(handle, 'SETTLED');
      expect(settled.psp.status).toBe('COMPLETED');
      expect(settled.psp.endToEndId).toMatch(/^E/);
      expect(settled.ledger).toEqual({ held: true, posted: true, voided: false, returned: false });
      expect(settled.timeline.map((t) => t.state)).toEqual(['HOLDING', 'SENDING', 'PROCESSING', 'SETTLED']);
      expect(await walletOf(input.userId)).toMatchObject({ postedCents: 70_00, pendingDebitCents: 0 });
      const description = await handle.describe();
      expect(await description.staticSummary()).toBe('Cash-out R$ 30,00 · Bruno L***');
    });

    it('voids the hold when the PSP fails the PIX, refunding the user with the PSP’s code and message', async () => {
      const { input, handle, transactionId } = await sentCashOut();
      await env.psp.control('POST', `/cash-out/${transactionId}/fail`, {
        code: 'PIX_KEY_NOT_FOUND',
        message: 'The PIX key was not found in the DICT',
      });
      const refunded = await env.waitForState<CashOutStatus>(handle, 'REFUNDED');
      expect(refunded.failure).toEqual({
        code: 'PIX_KEY_NOT_FOUND',
        message: 'The PIX key was not found in the DICT',
      });
      expect(refunded.ledger).toEqual({ held: true, posted: false, voided: true, returned: false });
      expect(await walletOf(input.userId)).toMatchObject({ postedCents: 100_00, pendingDebitCents: 0 });
      expect(await handle.result()).toMatchObject({ state: 'REFUNDED' });
    });

    it('keeps the hold in NEEDS_REVIEW when the PSP accepted the PIX but its answer could not be read, and settles once its record shows it', async () => {
      await env.psp.control('POST', '/faults', {
        kind: 'commitThenGarble',
        method: 'POST',
        path: '/cash-out',
      });
      const input = env.cashOutInput({ amountCents: 20_00, reconcileIntervalSeconds: 600 });
      await env.fundUser(input.userId, 100_00);
      const handle = await env.startCashOut(input);
      const review = await env.waitForState<CashOutStatus>(handle, 'NEEDS_REVIEW');
      expect(review.review).toMatchObject({
        step: 'SEND',
        reason: 'POST /cash-out: CONTRACT_VIOLATION',
        resolution: null,
      });
      expect(review.ledger).toEqual({ held: true, posted: false, voided: false, returned: false });
      expect(await walletOf(input.userId)).toMatchObject({ pendingDebitCents: 20_00, availableCents: 80_00 });

      // The PSP did send it: its webhook names the transaction the garbled answer hid, and GET confirms it.
      await env.psp.control('POST', `/cash-out/${input.reference}/complete`);
      const settled = await env.waitForState<CashOutStatus>(handle, 'SETTLED');
      expect(settled.ledger).toEqual({ held: true, posted: true, voided: false, returned: false });
      expect(settled.timeline.map((t) => t.state)).toEqual(
        expect.arrayContaining(['SENDING', 'NEEDS_REVIEW', 'PROCESSING', 'SETTLED']),
      );
      expect((await env.pspTransactions(input.reference)).cashOuts).toHaveLength(1);
      expect(await walletOf(input.userId)).toMatchObject({ postedCents: 80_00, pendingDebitCents: 0 });
    });

    it('fails at once, sending nothing, when the user’s wallet cannot cover the amount', async () => {
      const input = env.cashOutInput({ amountCents: 10_00 });
      await env.fundUser(input.userId, 9_99);
      const handle = await env.startCashOut(input);
      const failure = await handle.result().catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      expect((failure as WorkflowFailedError).cause).toMatchObject({ type: 'USER_INSUFFICIENT_FUNDS' });
      const status = await env.waitForState<CashOutStatus>(handle, 'FAILED');
      expect(status.failure?.code).toBe('USER_INSUFFICIENT_FUNDS');
      expect(status.ledger.held).toBe(false);
      expect(await env.pspTransactions(input.reference)).toEqual({ cashIns: [], cashOuts: [] });
      const sendKey = idempotencyKey(`cash-out:${input.reference}:create`);
      const requests = (await env.psp.control('GET', '/requests')).body.requests;
      expect(requests.filter((r: { idempotencyKey: string | null }) => r.idempotencyKey === sendKey)).toEqual(
        [],
      );
      expect(await walletOf(input.userId)).toMatchObject({ postedCents: 9_99, pendingDebitCents: 0 });
    });

    it('voids the hold and fails with the PSP code when the PSP refuses and no top-up can help', async () => {
      await env.setPspWallet({ transactional: 1, proprietary: 0 });
      try {
        const input = env.cashOutInput({ amountCents: 15_00, topUpRetries: 1 });
        await env.fundUser(input.userId, 15_00);
        const handle = await env.startCashOut(input);
        const failure = await handle.result().catch((err: unknown) => err);
        expect((failure as WorkflowFailedError).cause).toMatchObject({ type: 'INSUFFICIENT_FUNDS' });
        const failed = await env.waitForState<CashOutStatus>(handle, 'FAILED');
        expect(failed.topUps).toBe(1);
        expect(failed.ledger).toEqual({ held: true, posted: false, voided: true, returned: false });
        expect(await walletOf(input.userId)).toMatchObject({ postedCents: 15_00, pendingDebitCents: 0 });
        expect((await env.pspTransactions(input.reference)).cashOuts).toEqual([]);
      } finally {
        await fundPspAccount();
      }
    });

    it('tops the PSP account up through a rebalance on INSUFFICIENT_FUNDS, then settles', async () => {
      await env.setPspWallet({ transactional: 1, proprietary: 1_000 });
      try {
        const input = env.cashOutInput({ amountCents: 40_00 });
        await env.fundUser(input.userId, 40_00);
        const handle = await env.startCashOut(input);
        const processing = await env.waitForState<CashOutStatus>(handle, 'PROCESSING');
        expect(processing.topUps).toBe(1);
        expect(processing.timeline.map((t) => t.state)).toEqual([
          'HOLDING',
          'SENDING',
          'TOPPING_UP',
          'SENDING',
          'PROCESSING',
        ]);
        await env.psp.control('POST', `/cash-out/${processing.psp.transactionId}/complete`);
        await env.waitForState<CashOutStatus>(handle, 'SETTLED');
        const requests = (await env.psp.control('GET', '/requests')).body.requests as Array<{
          method: string;
          path: string;
          status: number;
        }>;
        const calls = requests
          .filter((r) => r.method === 'POST' && (r.path === '/cash-out' || r.path === '/account/rebalance'))
          .map((r) => `${r.path} ${r.status}`);
        expect(calls.slice(-3)).toEqual(['/cash-out 422', '/account/rebalance 200', '/cash-out 202']);
      } finally {
        await fundPspAccount();
      }
    });

    it('keeps watching across continue-as-new and still credits a late return once', async () => {
      const { input, handle, transactionId } = await sentCashOut({
        amountCents: 20_00,
        maxHistoryEvents: 20,
      });
      const firstRunId = (await handle.describe()).runId;
      await env.psp.control('POST', `/cash-out/${transactionId}/complete`);
      await env.waitForState<CashOutStatus>(handle, 'SETTLED');
      await env.waitUntil('it continued as new', async () => (await handle.describe()).runId !== firstRunId);
      await env.psp.control('POST', `/cash-out/${transactionId}/return`);
      const returned = await env.waitForState<CashOutStatus>(handle, 'REFUNDED');
      expect(returned.ledger).toEqual({ held: true, posted: true, voided: false, returned: true });
      expect(await walletOf(input.userId)).toMatchObject({ postedCents: 100_00, pendingDebitCents: 0 });
    });

    it('credits the user back exactly once when CASHOUT_REFUNDED arrives after settlement', async () => {
      await env.psp.control('POST', '/faults', { kind: 'duplicateWebhook', rate: 1 }); // every event twice
      try {
        const { input, handle, transactionId } = await sentCashOut({ amountCents: 20_00 });
        await env.psp.control('POST', `/cash-out/${transactionId}/complete`);
        await env.waitForState<CashOutStatus>(handle, 'SETTLED');
        expect(await walletOf(input.userId)).toMatchObject({ postedCents: 80_00 });
        await env.psp.control('POST', `/cash-out/${transactionId}/return`);
        await env.waitForState<CashOutStatus>(handle, 'REFUNDED');
        await env.waitUntil(
          'the relay acknowledged both deliveries of each event',
          async () => (await env.acknowledgedEvents(transactionId)).length === 4,
        );
        expect((await env.acknowledgedEvents(transactionId)).sort()).toEqual([
          'CASHOUT_COMPLETED',
          'CASHOUT_COMPLETED',
          'CASHOUT_REFUNDED',
          'CASHOUT_REFUNDED',
        ]);
        // The lifecycle closes only once no handler runs, so a duplicate it took is done by now.
        const returned = (await handle.result()) as CashOutStatus;
        expect(returned.ledger).toEqual({ held: true, posted: true, voided: false, returned: true });
        expect(await walletOf(input.userId)).toMatchObject({ postedCents: 100_00, pendingDebitCents: 0 });
      } finally {
        await env.psp.control('DELETE', '/faults');
      }
    });
  },
);
