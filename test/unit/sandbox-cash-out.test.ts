import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { cashOutEventSchema, cashOutSchema, createCashOutResponseSchema } from '../../domain/connectpsp';
import { isEndToEndId } from '../../domain/pix/end-to-end-id';
import { waitFor } from '../../scripts/wait-for';
import { SANDBOX_POLL, useSandbox } from '../helpers/sandbox-kit';

describe('sandbox cash-out', () => {
  const env = useSandbox({ receiver: 'per-suite' });
  beforeEach(async () => {
    await env.psp.control('PUT', '/wallet', {
      banks: [
        { ispb: '38224857', transactional: 100, proprietary: 1000 },
        { ispb: '13935893', transactional: 50, proprietary: 1000 },
        { ispb: '20018183', transactional: 0, proprietary: 1000 },
      ],
    });
  });

  const payoutBody = (overrides: Record<string, unknown> = {}) => ({
    amount: 120,
    externalReference: `payout-${randomUUID()}`,
    description: 'withdrawal',
    webhookUrl: env.receiver.url,
    payee: {
      name: 'João Souza',
      document: '11144477735',
      destination: { type: 'PIX', pixKeyType: 'EMAIL', pixKey: 'joao@example.com' },
    },
    ...overrides,
  });
  const sendPayout = async (overrides: Record<string, unknown> = {}) => {
    const result = await env.psp.call('POST', '/cash-out', {
      body: payoutBody(overrides),
      signed: true,
      idempotencyKey: true,
    });
    expect(result.status).toBe(202);
    return result.body;
  };
  const transactionalBalance = async () =>
    (await env.psp.call('GET', '/account/balance')).body.consolidated.transactionalBalance as number;
  const events = (type: string) => env.receiver.received.filter((w) => w.body.eventType === type);

  it('queues a payout: 202 PROCESSING with a UUID and a 10-char code, debiting the transactional balance', async () => {
    const queued = createCashOutResponseSchema.parse(await sendPayout());
    expect(queued.status).toBe('PROCESSING');
    expect(queued.transactionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(queued.internalCode).toMatch(/^[0-9A-Z]{10}$/);
    expect(await transactionalBalance()).toBe(30);
    for (const id of [queued.transactionId, queued.internalCode]) {
      const found = await env.psp.call('GET', `/cash-out/${id}`);
      expect(cashOutSchema.parse(found.body)).toMatchObject({
        status: 'PROCESSING',
        endToEndId: null,
        failure: null,
        completedAt: null,
        amount: 120,
        requestedAt: expect.stringMatching(/-03:00$/),
      });
    }
    expect((await env.psp.call('GET', '/cash-out/unknown')).body.code).toBe('NOT_FOUND');
  });

  it('answers 422 INSUFFICIENT_FUNDS naming requested vs available, and moves no money', async () => {
    const result = await env.psp.call('POST', '/cash-out', {
      body: payoutBody({ amount: 150.01 }),
      signed: true,
    });
    expect(result.status).toBe(422);
    expect(result.body.code).toBe('INSUFFICIENT_FUNDS');
    expect(result.body.detail).toContain('R$ 150,01');
    expect(result.body.detail).toContain('R$ 150,00');
    expect(await transactionalBalance()).toBe(150);
  });

  it('answers 409 DUPLICATE_EXTERNAL_REFERENCE for a reused reference', async () => {
    const body = payoutBody({ amount: 1 });
    expect((await env.psp.call('POST', '/cash-out', { body, signed: true })).status).toBe(202);
    const duplicate = await env.psp.call('POST', '/cash-out', { body, signed: true });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.code).toBe('DUPLICATE_EXTERNAL_REFERENCE');
    expect(await transactionalBalance()).toBe(149);
  });

  it('answers 400 for an invalid destination and 422 INVALID_SIGNATURE when unsigned', async () => {
    const invalid = await env.psp.call('POST', '/cash-out', {
      body: payoutBody({ payee: { name: 'X', document: '11144477735', destination: { type: 'PIX' } } }),
      signed: true,
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors.map((e: { field: string }) => e.field)).toContain('payee.destination.pixKey');
    const unsigned = await env.psp.call('POST', '/cash-out', { body: payoutBody() });
    expect(unsigned.body.code).toBe('INVALID_SIGNATURE');
  });

  it('completes with an E id and CASHOUT_COMPLETED; a later return brings the money back as REFUNDED', async () => {
    const queued = await sendPayout();
    const completed = await env.psp.control('POST', `/cash-out/${queued.internalCode}/complete`);
    expect(completed.body).toMatchObject({ status: 'COMPLETED', completedAt: expect.any(String) });
    expect(isEndToEndId(completed.body.endToEndId, 'E')).toBe(true);
    await waitFor('one CASHOUT_COMPLETED', () => events('CASHOUT_COMPLETED').length === 1, SANDBOX_POLL);
    expect(cashOutEventSchema.parse(events('CASHOUT_COMPLETED')[0]?.body).data).toEqual(completed.body);
    expect(await transactionalBalance()).toBe(30);

    const returned = await env.psp.control('POST', `/cash-out/${queued.externalReference}/return`);
    expect(returned.body).toMatchObject({
      status: 'REFUNDED',
      originalEndToEndId: completed.body.endToEndId,
    });
    expect(isEndToEndId(returned.body.endToEndId, 'D')).toBe(true);
    expect((await env.psp.call('GET', `/cash-out/${returned.body.endToEndId}`)).body).toEqual(returned.body);
    expect((await env.psp.call('GET', `/cash-out/${completed.body.endToEndId}`)).body.status).toBe(
      'REFUNDED',
    );
    expect(await transactionalBalance()).toBe(150);
    await waitFor('one CASHOUT_REFUNDED', () => events('CASHOUT_REFUNDED').length === 1, SANDBOX_POLL);
  });

  it('fails with a code and message, null end-to-end id, money back, CASHOUT_FAILED', async () => {
    const queued = await sendPayout();
    const failed = await env.psp.control('POST', `/cash-out/${queued.transactionId}/fail`, {
      code: 'NIGHT_LIMIT_EXCEEDED',
      message: 'Night limit',
    });
    expect(failed.body).toMatchObject({
      status: 'FAILED',
      endToEndId: null,
      failure: { code: 'NIGHT_LIMIT_EXCEEDED', message: 'Night limit' },
    });
    expect(await transactionalBalance()).toBe(150);
    await waitFor('one CASHOUT_FAILED', () => events('CASHOUT_FAILED').length === 1, SANDBOX_POLL);
    const defaultFailure = await env.psp.control(
      'POST',
      `/cash-out/${(await sendPayout()).transactionId}/fail`,
    );
    expect(defaultFailure.body.failure.code).toBe('PIX_KEY_NOT_FOUND');
    expect((await env.psp.control('POST', `/cash-out/${queued.transactionId}/complete`)).status).toBe(409);
  });

  it('applies behaviour: auto-complete after N ms and failure rules by PIX key suffix', async () => {
    await env.psp.control('PUT', '/behaviour', {
      autoCompleteCashOutAfterMs: 10,
      failureRules: [{ pixKeySuffix: '404', code: 'PIX_KEY_NOT_FOUND' }],
    });
    const ok = await sendPayout({ amount: 10 });
    const doomed = await sendPayout({
      amount: 10,
      payee: {
        name: 'Ana',
        document: '11144477735',
        destination: { type: 'PIX', pixKeyType: 'PHONE', pixKey: '+5511987650404' },
      },
    });
    await waitFor(
      'the payout COMPLETED',
      async () => (await env.psp.call('GET', `/cash-out/${ok.transactionId}`)).body.status === 'COMPLETED',
      SANDBOX_POLL,
    );
    const failed = await waitFor(
      'the payout FAILED',
      async () => {
        const result = await env.psp.call('GET', `/cash-out/${doomed.transactionId}`);
        return result.body.status === 'FAILED' && result.body;
      },
      SANDBOX_POLL,
    );
    expect(failed.failure.code).toBe('PIX_KEY_NOT_FOUND');
    expect(await transactionalBalance()).toBe(140);
  });

  it('accepts a bank-account destination', async () => {
    const queued = await sendPayout({
      payee: {
        name: 'Ana',
        document: '11222333000181',
        destination: {
          type: 'BANK_ACCOUNT',
          bankAccount: { ispb: '00000000', branch: '1234', account: '567890', accountType: 'PAYMENT' },
        },
      },
    });
    expect(queued.payee.destination.bankAccount.ispb).toBe('00000000');
  });
});
