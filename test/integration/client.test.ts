import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectPaymentsClient } from '../../client/connect';
import {
  PaymentAlreadyExistsError,
  PaymentNotFoundError,
  RequestRejectedError,
  SandboxNotInUseError,
  TemporalUnreachableError,
  ValidationError,
  WaitTimeoutError,
} from '../../client/errors';
import type { PaymentSummary } from '../../client/payment-list';
import type { CashInInput, CashOutInput } from '../../domain/validation';
import { InsufficientFundsError } from '../../ledger/errors';
import { freePort } from '../../scripts/ports';
import { eventually, FAKE_WEB_UI, useCliStack } from '../helpers/cli-stack';
import { PAYEE_PIX_KEY, VALID_CPF } from '../helpers/lifecycle-env';
import { cleanEnv } from '../helpers/processes';

describe('PaymentsClient against the dev server, the sandbox and the ledger', () => {
  const stack = useCliStack();

  const cashIn = (overrides: Partial<CashInInput> = {}): CashInInput => ({
    reference: stack.env.unique('ci'),
    userId: stack.env.unique('user'),
    amountCents: 25_00,
    payer: { name: 'Ana Maria Souza', document: '529.982.247-25' },
    ...overrides,
  });
  const cashOut = (overrides: Partial<CashOutInput> = {}): CashOutInput => ({
    reference: stack.env.unique('co'),
    userId: stack.env.unique('user'),
    amountCents: 10_00,
    payee: { name: 'Bruno Lima', document: VALID_CPF, pixKey: PAYEE_PIX_KEY },
    ...overrides,
  });
  const settled = async (request: CashInInput) => {
    await stack.payments.startCashIn(request);
    await stack.payments.sandbox.payCashIn(request.reference);
    return stack.payments.waitForOutcome(request.reference, { timeoutMs: 20_000 });
  };

  it('startCashIn returns the QR data in one call, and the same charge again without a second PSP charge', async () => {
    const request = cashIn({ amountCents: 123_45 });
    const first = await stack.payments.startCashIn(request);
    expect(first).toMatchObject({
      reference: request.reference,
      amountCents: 123_45,
      workflowId: `cash-in:${request.reference}`,
      webUiUrl: `${FAKE_WEB_UI}/namespaces/default/workflows/cash-in:${request.reference}`,
    });
    expect(first.copyAndPaste).toMatch(/^000201/);
    expect(Buffer.from(first.qrCodeImageBase64, 'base64').subarray(1, 4).toString()).toBe('PNG');
    expect(first.transactionId).toBeTruthy();
    expect(first.internalCode).toBeTruthy();
    expect(Date.parse(first.expiresAt)).toBeGreaterThan(Date.now());

    const again = await stack.payments.startCashIn(request);
    expect(again).toEqual(first);
    const { cashIns } = await stack.env.pspTransactions(request.reference);
    expect(cashIns).toHaveLength(1);

    await expect(stack.payments.startCashIn({ ...request, amountCents: 99_00 })).rejects.toBeInstanceOf(
      PaymentAlreadyExistsError,
    );
  });

  it('returns the charge of a finished cash-in instead of starting another', async () => {
    const request = cashIn();
    const first = await stack.payments.startCashIn(request);
    await stack.payments.sandbox.expireCashIn(request.reference);
    const expired = await stack.payments.waitForOutcome(request.reference, { timeoutMs: 20_000 });
    expect(expired.state).toBe('EXPIRED');
    await eventually(async () => {
      const description = await stack.env.client.workflow.getHandle(first.workflowId).describe();
      return description.status.name === 'COMPLETED' ? true : undefined;
    });
    const again = await stack.payments.startCashIn(request);
    expect(again.transactionId).toBe(first.transactionId);
    expect((await stack.env.pspTransactions(request.reference)).cashIns).toHaveLength(1);
  });

  it('rejects invalid input before anything is sent, naming every field and rule', async () => {
    const request = cashIn({ amountCents: 0, payer: { name: ' ', document: '123.456.789-00' } });
    const error = await stack.payments.startCashIn(request).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems.map((p) => p.field)).toEqual([
      'amountCents',
      'payer.name',
      'payer.document',
    ]);
    await expect(stack.payments.getPayment(request.reference)).rejects.toBeInstanceOf(PaymentNotFoundError);

    const badKey = cashOut({ payee: { name: 'Bruno', document: VALID_CPF, pixKey: 'not-a-key' } });
    const keyError = await stack.payments.startCashOut(badKey).catch((err: unknown) => err);
    expect((keyError as ValidationError).problems).toEqual([
      { field: 'payee.pixKey', rule: expect.any(String) },
    ]);
    await expect(stack.payments.getPayment(badKey.reference)).rejects.toBeInstanceOf(PaymentNotFoundError);
  });

  it('getPayment and waitForOutcome: timeline to SETTLED, the wallet credited; a timeout leaves the payment going', async () => {
    const request = cashIn({ amountCents: 40_00 });
    await stack.payments.startCashIn(request);
    await expect(stack.payments.waitForOutcome(request.reference, { timeoutMs: 300 })).rejects.toBeInstanceOf(
      WaitTimeoutError,
    );
    const waiting = await stack.payments.getPayment(request.reference);
    expect(waiting).toMatchObject({ kind: 'CASH_IN', state: 'AWAITING_PAYMENT', userId: request.userId });

    await stack.payments.sandbox.payCashIn(request.reference);
    const seen: string[] = [];
    const done = await stack.payments.waitForOutcome(request.reference, {
      timeoutMs: 20_000,
      pollIntervalMs: 100,
      onProgress: (p) => seen.push(p.state),
    });
    expect(done.state).toBe('SETTLED');
    expect(done.timeline.map((t) => t.state)).toEqual(['CREATING', 'AWAITING_PAYMENT', 'PAID', 'SETTLED']);
    expect(seen.at(-1)).toBe('SETTLED');
    expect(await stack.payments.ledger.balance(request.userId)).toMatchObject({ availableCents: 40_00 });
    await expect(stack.payments.getPayment('no-such-reference')).rejects.toBeInstanceOf(PaymentNotFoundError);
  });

  it('refundCashIn refunds a settled cash-in and debits the wallet; a cash-in not settled is refused', async () => {
    const request = cashIn({ amountCents: 15_00 });
    await settled(request);
    const accepted = await stack.payments.refundCashIn(request.reference, { reason: 'CUSTOMER_REQUEST' });
    expect(accepted.endToEndId).toMatch(/^D/);
    const refunded = await stack.payments.waitForOutcome(request.reference, {
      timeoutMs: 20_000,
      until: ['REFUNDED'],
    });
    expect(refunded.ledger).toEqual({ credited: true, reversed: true });
    expect((await stack.payments.ledger.balance(request.userId)).availableCents).toBe(0);

    const pending = cashIn();
    await stack.payments.startCashIn(pending);
    await expect(stack.payments.refundCashIn(pending.reference)).rejects.toBeInstanceOf(RequestRejectedError);
    await expect(stack.payments.refundCashIn('unknown-ref')).rejects.toBeInstanceOf(PaymentNotFoundError);
    await expect(
      stack.payments.refundCashIn(pending.reference, { reason: 'WHIM' as never }),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('startCashOut runs the saga: a PIX key settles, a PSP failure gives the money back, a late return credits it again', async () => {
    const userId = stack.env.unique('user');
    await settled(cashIn({ userId, amountCents: 100_00 }));

    const paid = cashOut({
      userId,
      amountCents: 30_00,
      payee: { name: 'Bruno', document: VALID_CPF, pixKey: '+55 (11) 98765-4321' },
    });
    const started = await stack.payments.startCashOut(paid);
    expect(started).toMatchObject({ reference: paid.reference, workflowId: `cash-out:${paid.reference}` });
    expect(await stack.payments.startCashOut(paid)).toMatchObject({
      reference: started.reference,
      workflowId: started.workflowId,
    });
    await stack.payments.waitForOutcome(paid.reference, { timeoutMs: 20_000, until: ['PROCESSING'] });
    const [pspCashOut] = (await stack.env.pspTransactions(paid.reference)).cashOuts;
    expect(pspCashOut.payee.destination).toEqual({
      type: 'PIX',
      pixKeyType: 'PHONE',
      pixKey: '+5511987654321',
    });
    await stack.payments.sandbox.completeCashOut(paid.reference);
    expect((await stack.payments.waitForOutcome(paid.reference, { timeoutMs: 20_000 })).state).toBe(
      'SETTLED',
    );

    const failing = cashOut({ userId, amountCents: 20_00 });
    await stack.payments.startCashOut(failing);
    await stack.payments.waitForOutcome(failing.reference, { timeoutMs: 20_000, until: ['PROCESSING'] });
    await stack.payments.sandbox.failCashOut(failing.reference);
    const failed = await stack.payments.waitForOutcome(failing.reference, { timeoutMs: 20_000 });
    expect(failed).toMatchObject({ state: 'REFUNDED', failure: { code: 'PIX_KEY_NOT_FOUND' } });

    await stack.payments.sandbox.returnCashOut(paid.reference);
    const returned = await stack.payments.waitForOutcome(paid.reference, {
      timeoutMs: 20_000,
      until: ['REFUNDED'],
    });
    expect(returned.kind === 'CASH_OUT' && returned.ledger.returned).toBe(true);
    expect((await stack.payments.ledger.balance(userId)).availableCents).toBe(100_00);

    await expect(stack.payments.startCashOut({ ...paid, amountCents: 31_00 })).rejects.toBeInstanceOf(
      PaymentAlreadyExistsError,
    );
  });

  it('startCashOut answers once the amount is held; a short wallet and a reference reused for another payee are refused', async () => {
    const userId = stack.env.unique('user');
    await settled(cashIn({ userId, amountCents: 50_00 }));
    const request = cashOut({ userId, amountCents: 20_00 });
    const started = await stack.payments.startCashOut(request);
    expect(['SENDING', 'PROCESSING', 'NEEDS_REVIEW']).toContain(started.state);
    expect(await stack.payments.ledger.balance(userId)).toMatchObject({ pendingDebitCents: 20_00 });

    const otherPayee = { ...request, payee: { ...request.payee, pixKey: 'someone.else@example.com' } };
    const running = await stack.payments.startCashOut(otherPayee).catch((err: unknown) => err);
    expect(running).toBeInstanceOf(PaymentAlreadyExistsError);
    expect((running as Error).message).toContain('payee.pixKey differ');
    expect((running as Error).message).not.toContain('someone.else');

    const short = await stack.payments
      .startCashOut(cashOut({ userId: stack.env.unique('user'), amountCents: 5_00 }))
      .catch((err: unknown) => err);
    expect(short).toBeInstanceOf(RequestRejectedError);
    expect((short as Error).message).toContain('USER_INSUFFICIENT_FUNDS');

    // Finished, the same reference still belongs to the first request: the closed workflow answers.
    await stack.payments.waitForOutcome(request.reference, { timeoutMs: 20_000, until: ['PROCESSING'] });
    await stack.payments.sandbox.completeCashOut(request.reference);
    await stack.payments.waitForOutcome(request.reference, { timeoutMs: 20_000 });
    await stack.env.client.workflow
      .getHandle(started.workflowId)
      .terminate('closed, as after the watch window');
    await expect(stack.payments.startCashOut(otherPayee)).rejects.toThrow(/payee\.pixKey differ/);
    expect(await stack.payments.startCashOut(request)).toMatchObject({ reference: request.reference });
  });

  it('listReviews and resolveReview: an unproven send waits for an operator, whose decision is recorded', async () => {
    const userId = stack.env.unique('user');
    await settled(cashIn({ userId, amountCents: 50_00 }));
    await stack.env.psp.control('POST', '/faults', {
      kind: 'refuse',
      status: 422,
      code: 'NIGHT_LIMIT_EXCEEDED',
      method: 'POST',
      path: '/cash-out',
      rate: 1,
    });
    try {
      const request = cashOut({ userId, amountCents: 20_00 });
      await stack.payments.startCashOut(request);
      const review = await stack.payments.waitForOutcome(request.reference, {
        timeoutMs: 20_000,
        until: ['NEEDS_REVIEW'],
      });
      expect(review.review).toMatchObject({ step: 'SEND', reason: 'POST /cash-out: NIGHT_LIMIT_EXCEEDED' });
      const listed = await eventually(async () => {
        const page = await stack.payments.listReviews({ userId });
        return page.payments.length > 0 ? page : undefined;
      });
      expect(listed.payments.map((p) => [p.reference, p.status])).toEqual([
        [request.reference, 'NEEDS_REVIEW'],
      ]);

      const resolution = { reason: 'the PSP confirmed the night limit', resolvedBy: 'ops@example.com' };
      await expect(
        stack.payments.resolveReview(request.reference, { ...resolution, decision: 'MAYBE' as never }),
      ).rejects.toBeInstanceOf(ValidationError);
      await expect(
        stack.payments.resolveReview(request.reference, { ...resolution, decision: 'SENT' }),
      ).rejects.toThrow(/pspTransactionId/);
      const resolved = await stack.payments.resolveReview(request.reference, {
        ...resolution,
        decision: 'NOT_SENT',
      });
      expect(resolved.review?.resolution).toMatchObject({
        decision: 'NOT_SENT',
        resolvedBy: 'ops@example.com',
      });
      const failed = await stack.payments.waitForOutcome(request.reference, { timeoutMs: 20_000 });
      expect(failed).toMatchObject({ state: 'FAILED', failure: { code: 'NOT_SENT' } });
      expect(await stack.payments.ledger.balance(userId)).toMatchObject({
        availableCents: 50_00,
        pendingDebitCents: 0,
      });
      await expect(
        stack.payments.resolveReview(request.reference, { ...resolution, decision: 'NOT_SENT' }),
      ).rejects.toBeInstanceOf(RequestRejectedError);
    } finally {
      await stack.env.psp.control('DELETE', '/faults');
    }
  });

  it('listPayments finds payments by kind, status, user and start time, page by page', async () => {
    const userId = stack.env.unique('lister');
    const before = new Date(Date.now() - 1000);
    const a = cashIn({ userId });
    const b = cashIn({ userId });
    const c = cashIn({ userId });
    await settled(a);
    await stack.payments.startCashIn(b);
    await stack.payments.startCashIn(c);
    const out = cashOut({ userId, amountCents: 5_00 });
    await stack.payments.startCashOut(out);
    // At the PSP before the test ends, so its hold is money in flight, not a hold the PSP never saw.
    await stack.payments.waitForOutcome(out.reference, { timeoutMs: 20_000, until: ['PROCESSING'] });

    const references = (list: PaymentSummary[]) => list.map((p) => p.reference).sort();
    const listed = async (filter: Parameters<typeof stack.payments.listPayments>[0], expected: string[]) =>
      eventually(async () => {
        const page = await stack.payments.listPayments(filter);
        return JSON.stringify(references(page.payments)) === JSON.stringify([...expected].sort())
          ? page
          : undefined;
      });

    const all = await listed({ userId }, [a.reference, b.reference, c.reference, out.reference]);
    expect(all.payments.find((p) => p.reference === a.reference)).toMatchObject({
      kind: 'CASH_IN',
      userId,
      amountCents: 25_00,
      status: 'SETTLED',
      workflowId: `cash-in:${a.reference}`,
      executionStatus: 'RUNNING',
    });
    await listed({ userId, kind: 'CASH_OUT' }, [out.reference]);
    await listed({ userId, kind: 'CASH_IN', status: 'SETTLED' }, [a.reference]);
    await listed({ userId, status: 'AWAITING_PAYMENT' }, [b.reference, c.reference]);
    await listed({ userId, since: before }, [a.reference, b.reference, c.reference, out.reference]);
    await listed({ userId, since: new Date(Date.now() + 60_000) }, []);

    const firstPage = await stack.payments.listPayments({ userId, limit: 3 });
    expect(firstPage.payments).toHaveLength(3);
    expect(firstPage.nextPageToken).toBeTruthy();
    const secondPage = await stack.payments.listPayments({
      userId,
      limit: 3,
      pageToken: firstPage.nextPageToken,
    });
    expect(references([...firstPage.payments, ...secondPage.payments])).toEqual(references(all.payments));
    expect(secondPage.nextPageToken).toBeUndefined();

    await expect(stack.payments.listPayments({ userId: "x' OR 1=1" })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });

  it('rebalance: ensures, pauses and resumes the schedule; a trigger runs through the coordinator', async () => {
    const ensured = await stack.payments.rebalance.ensureSchedule({ paused: true });
    expect(ensured).toMatchObject({ scheduleId: `rebalance:${stack.env.taskQueue}`, paused: true });
    expect((await stack.payments.rebalance.resumeSchedule('test')).paused).toBe(false);
    expect(await stack.payments.rebalance.pauseSchedule('test')).toMatchObject({
      paused: true,
      note: 'test',
    });

    const run = await stack.payments.rebalance.trigger({ force: true });
    expect(run.sources).toEqual(['MANUAL']);
    expect(run.exposureCents).toBe(await stack.payments.ledger.exposure());
    expect(['REBALANCED', 'BELOW_THRESHOLD']).toContain(run.outcome);
    const status = await stack.payments.rebalance.status();
    expect(status.schedule?.paused).toBe(true);
    expect(status.coordinator?.recent.at(-1)).toEqual(run);
    expect((await stack.payments.rebalance.lastRuns(1))[0]).toEqual(run);
  });

  it('ledger: bets and wins move the wallet once per id; a bet beyond the balance is refused', async () => {
    const userId = stack.env.unique('player');
    await settled(cashIn({ userId, amountCents: 50_00 }));
    const bet = await stack.payments.ledger.recordBet({ userId, amountCents: 20_00, id: `bet:${userId}:1` });
    expect(bet.created).toBe(true);
    expect(
      (await stack.payments.ledger.recordBet({ userId, amountCents: 20_00, id: `bet:${userId}:1` })).created,
    ).toBe(false);
    await stack.payments.ledger.recordWin({ userId, amountCents: 35_00 });
    await expect(stack.payments.ledger.recordBet({ userId, amountCents: 1_000_00 })).rejects.toBeInstanceOf(
      InsufficientFundsError,
    );
    expect(await stack.payments.ledger.balance(userId)).toEqual({
      userId,
      postedCents: 65_00,
      pendingDebitCents: 0,
      availableCents: 65_00,
    });
    const movements = await stack.payments.ledger.movements({ userId });
    expect(movements.map((m) => m.code)).toEqual(['WIN', 'BET', 'CASH_IN']);
    expect(await stack.payments.ledger.exposure()).toBeGreaterThanOrEqual(65_00);
    await expect(stack.payments.ledger.balance('bad user')).rejects.toBeInstanceOf(ValidationError);
  });

  it('says Temporal is unreachable, and that there is no sandbox with a real PSP', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'pix-down-'));
    try {
      const closedPort = await freePort();
      writeFileSync(
        path.join(dataDir, 'stack.json'),
        JSON.stringify({ processes: [{ name: 'temporal', address: `127.0.0.1:${closedPort}` }] }),
      );
      const error = await connectPaymentsClient({
        env: cleanEnv({ DATA_DIR: dataDir }),
        connectTimeoutMs: 500,
      }).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(TemporalUnreachableError);
      expect((error as Error).message).toContain(`127.0.0.1:${closedPort}`);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }

    const realPsp = await connectPaymentsClient({
      env: {
        ...stack.processEnv,
        CONNECTPSP_BASE_URL: 'https://api.homologacao.connectpsp.com',
        CONNECTPSP_CLIENT_ID: '1',
        CONNECTPSP_CLIENT_SECRET: 's',
        CONNECTPSP_APPLICATION_TOKEN: 't',
        CONNECTPSP_CRYPTO_TOKEN: 'c',
      },
    });
    try {
      expect(() => realPsp.sandbox).toThrow(SandboxNotInUseError);
    } finally {
      await realPsp.close();
    }
  });
});
