/**
 * Money safety when the PSP's answer is ambiguous, and the operator's way out of every stuck
 * payment. Each case reproduces a way the lifecycles used to lose or strand money: a refusal on a
 * retry taken as proof, an unreadable refund answer releasing the hold, a "may have been sent"
 * with no end, a webhook moving money that the PSP's record does not bear out.
 */
import { type WorkflowHandle, WorkflowUpdateFailedError } from '@temporalio/client';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { idempotencyKey } from '../../domain/ids';
import type { CashOutWorkflowInput } from '../../workflows/inputs';
import {
  type CashInStatus,
  type CashOutStatus,
  type ReviewResolution,
  resolveReviewUpdate,
} from '../../workflows/messages';
import { useLifecycleEnv } from '../helpers/lifecycle-env';
import type { Json } from '../helpers/sandbox-kit';
import { postSignedEvent as postSignedWebhook } from '../helpers/signed-webhook';
import { WALLET_BACKENDS } from '../helpers/test-wallet';

describe.each(WALLET_BACKENDS)('money safety (%s wallet)', (walletBackend) => {
  const env = useLifecycleEnv({ walletBackend });
  beforeAll(async () => {
    await env.setPspWallet({ transactional: 100_000, proprietary: 100_000 });
  });
  afterEach(async () => {
    await env.psp.control('DELETE', '/faults');
  });

  const walletOf = (userId: string) => env.wallet.balance(userId);
  const fault = (spec: Record<string, unknown>) => env.psp.control('POST', '/faults', spec);

  /** The POST /cash-out requests the sandbox received for one reference's first idempotency key. */
  async function sendRequests(reference: string): Promise<Json[]> {
    const key = idempotencyKey(`cash-out:${reference}:create`);
    const { requests } = (await env.psp.control('GET', '/requests')).body;
    return requests.filter((r: Json) => r.idempotencyKey === key);
  }

  /** The cash-out's GETs scheduled so far (each a reconciliation of its PSP record). */
  const pspReadsOf = async (handle: WorkflowHandle) =>
    (await handle.fetchHistory()).events?.filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'getCashOut',
    ).length ?? 0;
  /** Every GET of a cash-out refused at once (no retry helps). */
  const GET_CASH_OUT_NOT_FOUND = {
    kind: 'refuse',
    status: 404,
    code: 'NOT_FOUND',
    method: 'GET',
    path: '/cash-out/',
  };

  async function fundedCashOut(overrides: Partial<CashOutWorkflowInput> = {}) {
    const input = env.cashOutInput({ amountCents: 20_00, ...overrides });
    await env.fundUser(input.userId, 100_00);
    return { input, handle: await env.startCashOut(input) };
  }

  const resolution = (fields: Partial<ReviewResolution>): ReviewResolution => ({
    decision: 'SENT',
    reason: 'checked the PSP back office',
    resolvedBy: 'ops@example.com',
    ...fields,
  });

  async function refusedResolution(
    handle: WorkflowHandle,
    fields: Partial<ReviewResolution>,
  ): Promise<string> {
    const err = await handle
      .executeUpdate(resolveReviewUpdate, { args: [resolution(fields)] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((err as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'REVIEW_RESOLUTION_REFUSED' });
    return (err as WorkflowUpdateFailedError).cause?.message ?? '';
  }

  describe('a cash-out whose send cannot be proven keeps its hold', () => {
    it('a refusal after an unknown outcome is no proof: the same key is sent again and the PIX settles once', async () => {
      // The PSP commits the first attempt and the connection drops; the retry is refused with
      // INVALID_SIGNATURE (a CryptoToken rotated meanwhile). Then the PSP answers again.
      await fault({ kind: 'commitThenDrop', method: 'POST', path: '/cash-out', count: 1 });
      await fault({
        kind: 'refuse',
        status: 422,
        code: 'INVALID_SIGNATURE',
        method: 'POST',
        path: '/cash-out',
        skip: 1,
        count: 1,
      });
      const { input, handle } = await fundedCashOut();

      const processing = await env.waitForState<CashOutStatus>(handle, 'PROCESSING');
      expect(processing.review).toMatchObject({
        step: 'SEND',
        reason: expect.stringMatching(/^POST \/cash-out: /),
      });
      expect(processing.timeline.map((t) => t.state)).toContain('NEEDS_REVIEW');
      expect(processing.ledger).toMatchObject({ held: true, voided: false });
      // Three attempts with one key: dropped, refused, then the PSP's replay of the first answer.
      expect((await sendRequests(input.reference)).map((r) => r.status)).toEqual([null, 422, 202]);

      await env.psp.control('POST', `/cash-out/${input.reference}/complete`);
      const settled = await env.waitForState<CashOutStatus>(handle, 'SETTLED');
      expect(settled.ledger).toEqual({ held: true, posted: true, voided: false, returned: false });
      expect((await env.pspTransactions(input.reference)).cashOuts).toHaveLength(1);
      expect(await walletOf(input.userId)).toMatchObject({ postedCents: 80_00, pendingDebitCents: 0 });
    });

    it('an undocumented refusal is no proof either: NEEDS_REVIEW, retries stop before the key expires, an operator decides', async () => {
      await fault({
        kind: 'refuse',
        status: 422,
        code: 'NIGHT_LIMIT_EXCEEDED',
        method: 'POST',
        path: '/cash-out',
        rate: 1,
      });
      const { input, handle } = await fundedCashOut({ pspRetryWindowSeconds: 3 });

      const stopped = await env.waitForStatus<CashOutStatus>(
        handle,
        (s) => s.state === 'NEEDS_REVIEW' && s.review?.retryingUntil === null,
      );
      expect(stopped.review).toMatchObject({ step: 'SEND', reason: 'POST /cash-out: NIGHT_LIMIT_EXCEEDED' });
      expect(await walletOf(input.userId)).toMatchObject({ pendingDebitCents: 20_00 });
      const attempts = (await sendRequests(input.reference)).length;
      expect(attempts).toBeGreaterThan(1);

      // SENT needs the PSP's id, which was never learnt; NOT_SENT gives the hold back.
      expect(await refusedResolution(handle, { decision: 'SENT' })).toContain('pspTransactionId');
      const resolved = await handle.executeUpdate(resolveReviewUpdate, {
        args: [resolution({ decision: 'NOT_SENT', reason: 'the PSP confirmed it refused every attempt' })],
      });
      expect(resolved.review?.resolution).toMatchObject({
        decision: 'NOT_SENT',
        resolvedBy: 'ops@example.com',
      });
      const failed = await env.waitForState<CashOutStatus>(handle, 'FAILED');
      expect(failed.failure).toMatchObject({ code: 'NOT_SENT' });
      expect(failed.failure?.message).toContain('ops@example.com');
      expect(failed.ledger).toMatchObject({ held: true, voided: true, posted: false });
      expect(await walletOf(input.userId)).toMatchObject({ postedCents: 100_00, pendingDebitCents: 0 });
      expect(await sendRequests(input.reference)).toHaveLength(attempts); // nothing sent after the window
    });

    it("a proxy's page instead of an answer: NEEDS_REVIEW until a retry with the same key gets the PSP's answer", async () => {
      await fault({ kind: 'refuse', status: 403, html: true, method: 'POST', path: '/cash-out', count: 1 });
      const { input, handle } = await fundedCashOut();
      const processing = await env.waitForState<CashOutStatus>(handle, 'PROCESSING');
      expect(processing.review).toMatchObject({ step: 'SEND', reason: 'POST /cash-out: CONTRACT_VIOLATION' });
      await env.psp.control('POST', `/cash-out/${input.reference}/complete`);
      await env.waitForState<CashOutStatus>(handle, 'SETTLED');
      expect((await env.pspTransactions(input.reference)).cashOuts).toHaveLength(1);
    });

    it('a duplicate reference at the PSP: the operator names the PSP transaction, which GET must bear out', async () => {
      const input = env.cashOutInput({ amountCents: 20_00 });
      const earlier = await env.psp.call('POST', '/cash-out', {
        signed: true,
        idempotencyKey: true,
        body: {
          amount: 20,
          externalReference: input.reference,
          payee: {
            name: 'Bruno Lima',
            document: input.payee.document,
            destination: { type: 'PIX', pixKeyType: 'EMAIL', pixKey: input.payee.pixKey },
          },
        },
      });
      expect(earlier.status).toBe(202);
      await env.fundUser(input.userId, 100_00);
      const handle = await env.startCashOut(input);
      const review = await env.waitForState<CashOutStatus>(handle, 'NEEDS_REVIEW');
      expect(review.review?.reason).toBe('POST /cash-out: DUPLICATE_EXTERNAL_REFERENCE');

      expect(await refusedResolution(handle, { pspTransactionId: 'not-a-transaction' })).toContain(
        'no cash-out',
      );
      await handle.executeUpdate(resolveReviewUpdate, {
        args: [resolution({ pspTransactionId: earlier.body.transactionId })],
      });
      const adopted = await env.waitForState<CashOutStatus>(handle, 'PROCESSING');
      expect(adopted.psp.transactionId).toBe(earlier.body.transactionId);
      await env.psp.control('POST', `/cash-out/${input.reference}/complete`);
      await env.waitForState<CashOutStatus>(handle, 'SETTLED');
      expect((await env.pspTransactions(input.reference)).cashOuts).toHaveLength(1);
    });

    it('a verdict overdue past its deadline: NEEDS_REVIEW; an operator may say not sent only while the PSP does not say otherwise', async () => {
      const first = await fundedCashOut({ pspOutcomeDeadlineSeconds: 2 });
      const overdue = await env.waitForState<CashOutStatus>(first.handle, 'NEEDS_REVIEW');
      expect(overdue.review).toMatchObject({ step: 'PSP_OUTCOME', retryingUntil: null });
      await first.handle.executeUpdate(resolveReviewUpdate, {
        args: [resolution({ decision: 'NOT_SENT', reason: 'the PSP cancelled it by phone' })],
      });
      const givenBack = await env.waitForState<CashOutStatus>(first.handle, 'REFUNDED');
      expect(givenBack.failure?.code).toBe('NOT_SENT');
      expect(givenBack.ledger).toMatchObject({ voided: true, posted: false });
      await env.psp.control('POST', `/cash-out/${first.input.reference}/fail`, { code: 'CANCELLED_BY_PSP' });

      await fault({ kind: 'withholdWebhook', rate: 1 });
      const second = await fundedCashOut({ pspOutcomeDeadlineSeconds: 2, reconcileIntervalSeconds: 3_600 });
      await env.waitForState<CashOutStatus>(second.handle, 'NEEDS_REVIEW');
      await env.psp.control('POST', `/cash-out/${second.input.reference}/complete`);
      expect(await refusedResolution(second.handle, { decision: 'NOT_SENT' })).toContain('COMPLETED');
      const settled = await env.waitForState<CashOutStatus>(second.handle, 'SETTLED');
      expect(settled.ledger).toMatchObject({ posted: true, voided: false });
    });

    it('settled on an operator’s word, then failed by the PSP: flagged, and a further resolution is answered, not left waiting', async () => {
      const { input, handle } = await fundedCashOut({
        pspOutcomeDeadlineSeconds: 2,
        reconcileIntervalSeconds: 1,
        closeGraceSeconds: 8,
      });
      await env.waitForState<CashOutStatus>(handle, 'NEEDS_REVIEW');
      await handle.executeUpdate(resolveReviewUpdate, {
        args: [resolution({ decision: 'SENT', reason: 'the payee confirmed by phone' })],
      });
      await env.waitForState<CashOutStatus>(handle, 'SETTLED');
      await env.psp.control('POST', `/cash-out/${input.reference}/fail`, { code: 'PIX_KEY_NOT_FOUND' });
      const flagged = await env.waitForStatus<CashOutStatus>(handle, (s) => s.review?.contradiction != null);
      expect(flagged.state).toBe('NEEDS_REVIEW');
      expect(flagged.ledger).toMatchObject({ posted: true, voided: false });
      expect(await refusedResolution(handle, { decision: 'NOT_SENT' })).toMatch(/corrected by hand/);
      // The workflow still closes: no handler is left waiting.
      expect(((await handle.result()) as CashOutStatus).state).toBe('NEEDS_REVIEW');
      // The correction by hand the refusal asks for: the PSP kept the money, so the user gets it back.
      await env.wallet.port.credit({
        transferId: `cash-out:${input.reference}:correction`,
        userId: input.userId,
        amountCents: input.amountCents,
        reference: input.reference,
        code: 'CASH_OUT_RETURN',
      });
    });
  });

  describe('a platform refund whose answer cannot be proven keeps its hold', () => {
    async function settledCashIn() {
      const input = env.cashInInput();
      const { handle, charge } = await env.startCashIn(input);
      await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`);
      await env.waitForState<CashInStatus>(handle, 'SETTLED');
      return { input, handle };
    }

    it.each([
      ['an unreadable 202', [{ kind: 'commitThenGarble', method: 'POST', path: '/cash-in/' }]],
      [
        'a dropped answer, then a refusal of the retry',
        [
          { kind: 'commitThenDrop', method: 'POST', path: '/cash-in/', count: 1 },
          {
            kind: 'refuse',
            status: 422,
            code: 'INVALID_SIGNATURE',
            method: 'POST',
            path: '/cash-in/',
            skip: 1,
            count: 1,
          },
        ],
      ],
    ])(
      '%s: the refund hold is posted once the PSP shows the refund, never released',
      async (_case, faults) => {
        const { input, handle } = await settledCashIn();
        for (const spec of faults) await fault(spec);
        const accepted = await handle.executeUpdate('refundCashIn', {
          args: [{ reason: 'CUSTOMER_REQUEST' }],
        });
        expect(accepted).toMatchObject({ transactionId: expect.any(String) });
        const refunded = await env.waitForState<CashInStatus>(handle, 'REFUNDED');
        expect(refunded.refund).toEqual({ origin: 'PLATFORM', reason: 'CUSTOMER_REQUEST' });
        expect(refunded.timeline.map((t) => t.state)).toContain('NEEDS_REVIEW');
        expect(await env.wallet.transferIds(input.userId)).toEqual([
          `cash-in:${input.reference}:credit`,
          `cash-in:${input.reference}:refund-hold`,
          // The hold is posted under the reversal's id (docs/lifecycles.md, "After settlement").
          `cash-in:${input.reference}:reversal`,
        ]);
        expect(await walletOf(input.userId)).toMatchObject({ postedCents: 0, pendingDebitCents: 0 });
      },
    );
  });

  describe("a webhook wakes a lifecycle up; the PSP's own record moves money", () => {
    const postSignedEvent = (eventType: string, data: unknown) =>
      postSignedWebhook(env.webhookUrl, eventType, data);

    it('a signed CASHIN_PAID for an unpaid charge credits nothing; the real payment does', async () => {
      const input = env.cashInInput({ reconcileIntervalSeconds: 3_600 });
      const { handle, charge } = await env.startCashIn(input);
      const status = await postSignedEvent('CASHIN_PAID', {
        transactionId: charge.transactionId,
        externalReference: input.reference,
        status: 'PAID',
        amount: input.amountCents / 100,
      });
      expect(status).toBe(200);
      const checked = await env.waitForStatus<CashInStatus>(
        handle,
        (s) => (s.psp.unconfirmedEvents ?? 0) === 1,
      );
      expect(checked.state).toBe('AWAITING_PAYMENT');
      expect(await walletOf(input.userId)).toMatchObject({ postedCents: 0 });

      await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`);
      await env.waitForState<CashInStatus>(handle, 'SETTLED');
      expect(await walletOf(input.userId)).toMatchObject({ postedCents: input.amountCents });
    });

    it('a signed CASHOUT_FAILED for a PIX still processing gives nothing back', async () => {
      const { input, handle } = await fundedCashOut({ reconcileIntervalSeconds: 3_600 });
      const processing = await env.waitForState<CashOutStatus>(handle, 'PROCESSING');
      await postSignedEvent('CASHOUT_FAILED', {
        transactionId: processing.psp.transactionId,
        externalReference: input.reference,
        status: 'FAILED',
        amount: input.amountCents / 100,
        failure: { code: 'PIX_KEY_NOT_FOUND', message: 'forged' },
      });
      const checked = await env.waitForStatus<CashOutStatus>(
        handle,
        (s) => (s.psp.unconfirmedEvents ?? 0) === 1,
      );
      expect(checked).toMatchObject({ state: 'PROCESSING', ledger: { voided: false } });
      expect(await walletOf(input.userId)).toMatchObject({ pendingDebitCents: 20_00 });
      await env.psp.control('POST', `/cash-out/${input.reference}/complete`);
      await env.waitForState<CashOutStatus>(handle, 'SETTLED');
    });

    it('a webhook waiting for a GET the PSP cannot answer is read again at the reconcile pace, not in a loop', async () => {
      const { input, handle } = await fundedCashOut({ reconcileIntervalSeconds: 2 });
      const processing = await env.waitForState<CashOutStatus>(handle, 'PROCESSING');
      const reads = () => pspReadsOf(handle);
      // Every GET of the cash-out refused at once (no retry helps), then a webhook claims COMPLETED.
      await fault({ ...GET_CASH_OUT_NOT_FOUND, rate: 1 });
      const before = await reads();
      await postSignedEvent('CASHOUT_COMPLETED', {
        transactionId: processing.psp.transactionId,
        externalReference: input.reference,
        status: 'COMPLETED',
        amount: input.amountCents / 100,
      });
      const outageStartedAt = Date.now();
      await env.waitUntil('two reads failed', async () => (await reads()) >= before + 2);
      await new Promise((resolve) => setTimeout(resolve, 4_000)); // an outage of a few seconds
      const outageSeconds = (Date.now() - outageStartedAt) / 1000;
      // One read per reconcile interval (2 s), not one per round trip.
      expect(await reads()).toBeLessThanOrEqual(before + Math.ceil(outageSeconds / 2) + 1);
      await env.psp.control('DELETE', '/faults');
      await env.psp.control('POST', `/cash-out/${input.reference}/complete`);
      await env.waitForState<CashOutStatus>(handle, 'SETTLED');
    });
    it('past its retry window, a webhook whose GET failed is read again once its quiet pause is over, not left waiting', async () => {
      // Every answer to the send is lost: past the 3 s retry window, only the PSP's record can decide.
      await fault({ kind: 'commitThenDrop', method: 'POST', path: '/cash-out', rate: 1 });
      const { input, handle } = await fundedCashOut({
        reconcileIntervalSeconds: 2,
        pspRetryWindowSeconds: 3,
      });
      await env.waitForStatus<CashOutStatus>(
        handle,
        (s) => s.state === 'NEEDS_REVIEW' && s.review?.retryingUntil === null,
      );
      await env.psp.control('DELETE', '/faults');
      const reads = () => pspReadsOf(handle);
      const before = await reads();
      // The PSP completes it and says so; the one GET the webhook wakes fails (refused at once).
      await fault({ ...GET_CASH_OUT_NOT_FOUND, count: 1 });
      await env.psp.control('POST', `/cash-out/${input.reference}/complete`);
      await env.waitUntil('the GET the webhook woke failed', async () => (await reads()) > before);
      // Nothing else happens: no other webhook, no operator. The claim is read again after its pause.
      const settled = await env.waitForState<CashOutStatus>(handle, 'SETTLED');
      expect(settled.ledger).toMatchObject({ posted: true, voided: false });
    });
  });

  describe('the same reference is the same request', () => {
    const accept = (input: CashOutWorkflowInput, request = input) => env.acceptCashOut(input, request);

    it('a cash-out started again for another payee is refused, naming what differs; the same request attaches', async () => {
      const input = env.cashOutInput({ amountCents: 20_00 });
      await env.fundUser(input.userId, 100_00);
      expect(await accept(input)).toMatchObject({ reference: input.reference });
      // The same request, written differently (punctuated CPF), is the same request.
      const same = { ...input, payee: { ...input.payee, document: '529.982.247-25' } };
      expect(await accept(input, same)).toMatchObject({ reference: input.reference });

      const otherPayee = { ...input, payee: { ...input.payee, pixKey: 'someone.else@example.com' } };
      const err = await accept(input, otherPayee).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
      const message = (err as WorkflowUpdateFailedError).cause?.message ?? '';
      expect(message).toMatch(/payee\.pixKey differ/);
      expect(message).not.toContain('someone.else');

      const handle = env.client.workflow.getHandle(`cash-out:${input.reference}`);
      await env.waitForState<CashOutStatus>(handle, 'PROCESSING');
      await env.psp.control('POST', `/cash-out/${input.reference}/complete`);
      await env.waitForState<CashOutStatus>(handle, 'SETTLED');
      expect((await env.pspTransactions(input.reference)).cashOuts).toHaveLength(1);
    });

    it('a refused refund is remembered across continue-as-new: asking again reaches the PSP no more', async () => {
      const input = env.cashInInput({
        lateEventWatchDays: 1,
        lateEventReconcileHours: 1 / 3600,
        maxHistoryEvents: 60,
      });
      const { handle, charge } = await env.startCashIn(input);
      await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`, { withoutEndToEndId: true });
      await env.waitForState<CashInStatus>(handle, 'SETTLED');
      const refuse = () =>
        handle.executeUpdate('refundCashIn', { args: [{ reason: 'FRAUD' }] }).catch((e: unknown) => e);
      expect(((await refuse()) as WorkflowUpdateFailedError).cause).toMatchObject({
        type: 'MISSING_END_TO_END_ID',
      });
      const firstRun = (await handle.describe()).runId;
      await env.waitUntil(
        'the cash-in continued as new',
        async () => (await handle.describe()).runId !== firstRun,
        30_000,
      );

      expect(((await refuse()) as WorkflowUpdateFailedError).cause).toMatchObject({
        type: 'MISSING_END_TO_END_ID',
      });
      const { requests } = (await env.psp.control('GET', '/requests')).body;
      const refunds = requests.filter((r: Json) => r.path === `/cash-in/${charge.transactionId}/refund`);
      expect(refunds).toHaveLength(1);
    });
  });
});
