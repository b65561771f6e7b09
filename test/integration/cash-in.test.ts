import { WorkflowUpdateFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { SEARCH_ATTRIBUTE_KEYS } from '../../domain/search-attributes';
import { type CashInStatus, cashInChargeUpdate, refundCashInUpdate } from '../../workflows/messages';
import { useLifecycleEnv } from '../helpers/lifecycle-env';
import { WALLET_BACKENDS } from '../helpers/test-wallet';

describe.each(WALLET_BACKENDS)(
  'cash-in lifecycle (dev server + sandbox over HTTP, %s wallet)',
  (walletBackend) => {
    const env = useLifecycleEnv({ walletBackend });

    const balanceOf = async (userId: string) => (await env.wallet.balance(userId)).postedCents;
    /** Refund requests that reached the PSP for this transaction (the sandbox's request log). */
    const refundCalls = async (transactionId: string) =>
      (await env.psp.control('GET', '/requests')).body.requests.filter(
        (r: { method: string; path: string }) =>
          r.method === 'POST' && r.path === `/cash-in/${transactionId}/refund`,
      );

    it('returns the QR code from update-with-start, then settles on CASHIN_PAID and credits once', async () => {
      const input = env.cashInInput({ amountCents: 123_45 });
      const { handle, charge } = await env.startCashIn(input);
      expect(handle.workflowId).toBe(`cash-in:${input.reference}`);
      expect(charge.copyAndPaste).toMatch(/^000201/);
      expect(Buffer.from(charge.qrCodeImageBase64, 'base64').subarray(1, 4).toString()).toBe('PNG');
      expect(charge.amountCents).toBe(123_45);

      await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`);
      const settled = await env.waitForState<CashInStatus>(handle, 'SETTLED');
      expect(settled.psp).toMatchObject({ transactionId: charge.transactionId, status: 'PAID' });
      expect(settled.psp.endToEndId).toMatch(/^E/);
      expect(settled.ledger).toEqual({ credited: true, reversed: false });
      expect(settled.timeline.map((t) => t.state)).toEqual([
        'CREATING',
        'AWAITING_PAYMENT',
        'PAID',
        'SETTLED',
      ]);
      expect(await balanceOf(input.userId)).toBe(123_45);

      const description = await handle.describe();
      expect(description.typedSearchAttributes.get(SEARCH_ATTRIBUTE_KEYS.PaymentStatus)).toBe('SETTLED');
      expect(description.typedSearchAttributes.get(SEARCH_ATTRIBUTE_KEYS.PspTransactionId)).toBe(
        charge.transactionId,
      );
      expect(description.typedSearchAttributes.get(SEARCH_ATTRIBUTE_KEYS.AmountCents)).toBe(123_45);
      expect(await description.staticSummary()).toBe('Cash-in R$ 123,45 · Ana S***');
    });

    it('returns the OpenFinance payment URL when the charge uses that flow', async () => {
      const input = env.cashInInput({ openFinanceRedirectUrl: 'https://shop.example/back' });
      const { handle, charge } = await env.startCashIn(input);
      expect(charge.paymentUrl).toMatch(/^http/);
      await env.psp.control('POST', `/cash-in/${charge.transactionId}/expire`);
      await env.waitForState<CashInStatus>(handle, 'EXPIRED');
    });

    it('expires when the PSP says EXPIRED (learnt by reconciliation: there is no expiry webhook)', async () => {
      const input = env.cashInInput();
      const { handle, charge } = await env.startCashIn(input);
      await env.psp.control('POST', `/cash-in/${charge.transactionId}/expire`);
      const expired = await env.waitForState<CashInStatus>(handle, 'EXPIRED');
      expect(expired.psp.status).toBe('EXPIRED');
      expect(await handle.result()).toMatchObject({ state: 'EXPIRED' });
      expect(await balanceOf(input.userId)).toBe(0);
    });

    it('settles by GET /cash-in/{id} when the webhook is withheld', async () => {
      await env.psp.control('POST', '/faults', { kind: 'withholdWebhook', path: '/cash-in' });
      try {
        const input = env.cashInInput();
        const { handle, charge } = await env.startCashIn(input);
        await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`);
        await env.waitForState<CashInStatus>(handle, 'SETTLED');
        expect(await env.acknowledgedEvents(charge.transactionId)).toEqual([]);
        expect(await balanceOf(input.userId)).toBe(input.amountCents);
      } finally {
        await env.psp.control('DELETE', '/faults');
        await env.psp.control('POST', '/webhooks/release');
      }
    });

    it('refunds a payment of the wrong amount through the PSP and credits nothing', async () => {
      const input = env.cashInInput({ amountCents: 50_00 });
      const { handle, charge } = await env.startCashIn(input);
      await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`, { amount: 49.99 });
      const refunded = await env.waitForState<CashInStatus>(handle, 'REFUNDED');
      expect(refunded.refund).toEqual({ origin: 'WRONG_AMOUNT', reason: 'MERCHANT_ERROR' });
      expect(refunded.ledger).toEqual({ credited: false, reversed: false });
      expect(refunded.psp.paidAmountCents).toBe(49_99);
      const [record] = (await env.pspTransactions(input.reference)).cashIns;
      expect(record.status).toBe('REFUNDED');
      expect(await balanceOf(input.userId)).toBe(0);
    });

    it('refunds on the platform’s request and debits the wallet when CASHIN_REFUNDED arrives', async () => {
      const input = env.cashInInput();
      const { handle, charge } = await env.startCashIn(input);
      await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`);
      await env.waitForState<CashInStatus>(handle, 'SETTLED');

      // Two requests at once (a client retry): one PSP refund, both answered with its acceptance.
      const [accepted, again] = await Promise.all([
        handle.executeUpdate(refundCashInUpdate, { args: [{ reason: 'CUSTOMER_REQUEST' }] }),
        handle.executeUpdate(refundCashInUpdate, { args: [{ reason: 'FRAUD' }] }),
      ]);
      expect(again).toEqual(accepted);
      expect(accepted.transactionId).toBe(charge.transactionId);
      expect(accepted.endToEndId).toMatch(/^D/);
      const refunded = await env.waitForState<CashInStatus>(handle, 'REFUNDED');
      // Whichever request the workflow took first decided the reason; the other got its answer.
      expect(refunded.refund?.origin).toBe('PLATFORM');
      expect(['CUSTOMER_REQUEST', 'FRAUD']).toContain(refunded.refund?.reason);
      expect(refunded.ledger).toEqual({ credited: true, reversed: true });
      expect(await balanceOf(input.userId)).toBe(0);
      expect(await refundCalls(charge.transactionId)).toHaveLength(1);
    });

    it('refuses a platform refund of money the user already spent, sending nothing to the PSP', async () => {
      const input = env.cashInInput({ amountCents: 40_00 });
      const { handle, charge } = await env.startCashIn(input);
      await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`);
      await env.waitForState<CashInStatus>(handle, 'SETTLED');
      await env.bet(input.userId, 30_00, `bet:${input.reference}`);

      const refused = await handle
        .executeUpdate(refundCashInUpdate, { args: [{ reason: 'CUSTOMER_REQUEST' }] })
        .catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((refused as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'USER_INSUFFICIENT_FUNDS' });
      const after = await env.waitForState<CashInStatus>(handle, 'SETTLED');
      expect(after.timeline.at(-1)?.note).toBe('refund refused: USER_INSUFFICIENT_FUNDS');
      expect(await balanceOf(input.userId)).toBe(10_00);
      expect((await env.pspTransactions(input.reference)).cashIns[0]).toMatchObject({ status: 'PAID' });
      expect(await refundCalls(charge.transactionId)).toEqual([]);
    });

    it('refuses a refund before the cash-in settled, sending nothing to the PSP', async () => {
      const input = env.cashInInput();
      const { handle, charge } = await env.startCashIn(input);
      const refused = await handle
        .executeUpdate(refundCashInUpdate, { args: [{}] })
        .catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((refused as WorkflowUpdateFailedError).cause).toMatchObject({
        message: 'cash-in is AWAITING_PAYMENT; only a SETTLED cash-in can be refunded',
      });
      await env.psp.control('POST', `/cash-in/${charge.transactionId}/expire`);
      const expired = await env.waitForState<CashInStatus>(handle, 'EXPIRED');
      expect(expired.refund).toBeNull();
      expect(await refundCalls(charge.transactionId)).toEqual([]);
      // Refused by the update's validator: the request never entered the lifecycle's history.
      const { events } = await handle.fetchHistory();
      const acceptedUpdates = events
        ?.map((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name)
        .filter(Boolean);
      expect(acceptedUpdates).toEqual([cashInChargeUpdate.name]);
    });

    it('debits the wallet once for a MED reversal arriving after settlement, however often it is delivered', async () => {
      await env.psp.control('POST', '/faults', { kind: 'duplicateWebhook', rate: 1 }); // every event twice
      try {
        const input = env.cashInInput();
        const { handle, charge } = await env.startCashIn(input);
        await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`);
        await env.waitForState<CashInStatus>(handle, 'SETTLED');
        await env.psp.control('POST', `/cash-in/${charge.transactionId}/med-reversal`);
        await env.waitForState<CashInStatus>(handle, 'REFUNDED');
        await env.waitUntil(
          'the relay acknowledged both deliveries of each event',
          async () => (await env.acknowledgedEvents(charge.transactionId)).length === 4,
        );
        expect((await env.acknowledgedEvents(charge.transactionId)).sort()).toEqual([
          'CASHIN_PAID',
          'CASHIN_PAID',
          'CASHIN_REFUNDED',
          'CASHIN_REFUNDED',
        ]);
        // The lifecycle closes only once no handler runs, so a duplicate it took is done by now.
        const refunded = (await handle.result()) as CashInStatus;
        expect(refunded.refund).toEqual({ origin: 'PSP', reason: null });
        expect(refunded.ledger).toEqual({ credited: true, reversed: true });
        expect(await balanceOf(input.userId)).toBe(0);
        expect(await env.wallet.transferIds(input.userId)).toEqual([
          `cash-in:${input.reference}:credit`,
          `cash-in:${input.reference}:reversal`,
        ]);
      } finally {
        await env.psp.control('DELETE', '/faults');
      }
    });

    it('keeps watching across continue-as-new and still debits a late reversal once', async () => {
      const input = env.cashInInput({ maxHistoryEvents: 20 });
      const { handle, charge } = await env.startCashIn(input);
      const firstRunId = (await handle.describe()).runId;
      await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`);
      await env.waitForState<CashInStatus>(handle, 'SETTLED');
      await env.waitUntil('it continued as new', async () => (await handle.describe()).runId !== firstRunId);
      await env.psp.control('POST', `/cash-in/${charge.transactionId}/med-reversal`);
      const refunded = await env.waitForState<CashInStatus>(handle, 'REFUNDED');
      expect(refunded.timeline.map((t) => t.state)).toEqual([
        'CREATING',
        'AWAITING_PAYMENT',
        'PAID',
        'SETTLED',
        'REFUNDED',
      ]);
      expect(refunded.charge).toEqual(charge);
      expect(await env.wallet.transferIds(input.userId)).toEqual([
        `cash-in:${input.reference}:credit`,
        `cash-in:${input.reference}:reversal`,
      ]);
    });

    it('fails a charge that breaks a PIX rule before calling the PSP', async () => {
      const input = env.cashInInput({ payer: { name: 'Ana', document: '11111111111' } });
      const failure = await env.startCashIn(input).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((failure as WorkflowUpdateFailedError).cause).toMatchObject({
        type: 'INVALID_INPUT',
        message: expect.stringMatching(/payer\.document/),
      });
      expect((await env.pspTransactions(input.reference)).cashIns).toEqual([]);
    });
  },
);
