import { randomUUID } from 'node:crypto';
import { isValidPixPayload } from '@brazilian-utils/brazilian-utils';
import { beforeEach, describe, expect, it } from 'vitest';
import { cashInEventSchema, cashInSchema, createCashInResponseSchema } from '../../domain/connectpsp';
import { parseBrCode } from '../../domain/pix/br-code';
import { isEndToEndId } from '../../domain/pix/end-to-end-id';
import { waitFor } from '../../scripts/wait-for';
import { SANDBOX_POLL, setWallet, useSandbox } from '../helpers/sandbox-kit';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('sandbox cash-in', () => {
  const env = useSandbox({ receiver: 'per-suite' });
  // Empty accounts: each test follows the money a payment brings in and takes out.
  beforeEach(() => setWallet(env.psp, {}));

  const chargeBody = (overrides: Record<string, unknown> = {}) => ({
    amount: 25.5,
    externalReference: `order-${randomUUID()}`,
    webhookUrl: env.receiver.url,
    payer: { name: 'Maria Silva', document: '11144477735' },
    ...overrides,
  });
  const createCharge = async (overrides: Record<string, unknown> = {}) => {
    const result = await env.psp.call('POST', '/cash-in', {
      body: chargeBody(overrides),
      idempotencyKey: true,
    });
    expect(result.status).toBe(201);
    return result.body;
  };
  const transactionalBalance = async () =>
    (await env.psp.call('GET', '/account/balance')).body.consolidated.transactionalBalance as number;
  const events = (type: string) => env.receiver.received.filter((w) => w.body.eventType === type);

  it('creates a charge with a real BR Code and a PNG QR code', async () => {
    const created = createCashInResponseSchema.parse(await createCharge());
    expect(created.transactionId).toMatch(/^[0-9a-z]{35}$/);
    expect(created.internalCode).toMatch(/^[0-9A-Z]{7}$/);
    expect(created.status).toBe('AWAITING_PAYMENT');
    expect(created.amount).toBe(25.5);
    expect(created.requestedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}-03:00$/);
    expect(created.paymentUrl).toBeUndefined();
    expect(isValidPixPayload(created.pixData.copyAndPaste)).toBe(true);
    expect(parseBrCode(created.pixData.copyAndPaste)).toMatchObject({
      amountCents: 2550,
      txid: created.internalCode,
    });
    expect(created.pixData.qrCodeImageBase64.startsWith('data:')).toBe(false);
    expect(Buffer.from(created.pixData.qrCodeImageBase64, 'base64').subarray(0, 8)).toEqual(PNG_SIGNATURE);
  });

  it('answers GET by transactionId and internalCode, and 404 NOT_FOUND for an unknown id', async () => {
    const created = await createCharge();
    for (const id of [created.transactionId, created.internalCode]) {
      const result = await env.psp.call('GET', `/cash-in/${id}`);
      expect(result.status).toBe(200);
      expect(cashInSchema.parse(result.body)).toMatchObject({
        transactionId: created.transactionId,
        status: 'AWAITING_PAYMENT',
        endToEndId: null,
        payer: { name: 'Maria Silva', document: '11144477735', bankData: null },
        requestedAt: created.requestedAt,
        paidAt: null,
      });
    }
    const missing = await env.psp.call('GET', '/cash-in/doesnotexist');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('NOT_FOUND');
  });

  it('pays: PAID with an E id, credits the transactional balance and sends CASHIN_PAID with the GET shape', async () => {
    const created = await createCharge();
    const paid = await env.psp.control('POST', `/cash-in/${created.externalReference}/pay`);
    expect(paid.status).toBe(200);
    expect(paid.body.status).toBe('PAID');
    expect(isEndToEndId(paid.body.endToEndId, 'E')).toBe(true);
    expect(paid.body.payer.bankData).toMatchObject({ ispb: expect.stringMatching(/^[0-9A-Z]{8}$/) });

    const byEndToEnd = await env.psp.call('GET', `/cash-in/${paid.body.endToEndId}`);
    expect(byEndToEnd.body).toEqual(paid.body);
    expect(await transactionalBalance()).toBe(25.5);

    const [webhook] = await waitFor(
      'CASHIN_PAID',
      () => events('CASHIN_PAID').length > 0 && events('CASHIN_PAID'),
      SANDBOX_POLL,
    );
    const event = cashInEventSchema.parse(webhook?.body);
    expect(event.data).toEqual(byEndToEnd.body);
    expect(event.eventAt.endsWith('Z')).toBe(true);
  });

  it('pays another amount than charged when asked', async () => {
    const created = await createCharge();
    const paid = await env.psp.control('POST', `/cash-in/${created.transactionId}/pay`, { amount: 20 });
    expect(paid.body.amount).toBe(20);
    expect(await transactionalBalance()).toBe(20);
  });

  it('switches to the OpenFinance flow with a paymentUrl that pays and redirects', async () => {
    const created = await createCharge({ openFinance: { redirectUrl: 'https://shop.example/return' } });
    expect(created.paymentUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    const visit = await fetch(created.paymentUrl, { redirect: 'manual' });
    expect(visit.status).toBe(302);
    expect(visit.headers.get('location')).toBe('https://shop.example/return');
    expect((await env.psp.call('GET', `/cash-in/${created.transactionId}`)).body.status).toBe('PAID');
  });

  it('refunds a paid charge: 202 with a D id, REFUNDED keeping the E, CASHIN_REFUNDED, money leaves', async () => {
    const created = await createCharge();
    const paid = await env.psp.control('POST', `/cash-in/${created.transactionId}/pay`);
    const refund = await env.psp.call('POST', `/cash-in/${created.transactionId}/refund`, {
      body: { reason: 'CUSTOMER_REQUEST', description: 'asked by the customer' },
      signed: true,
      idempotencyKey: true,
    });
    expect(refund.status).toBe(202);
    expect(refund.body).toMatchObject({
      transactionId: created.transactionId,
      internalCode: created.internalCode,
      externalReference: created.externalReference,
    });
    expect(isEndToEndId(refund.body.endToEndId, 'D')).toBe(true);

    const after = (await env.psp.call('GET', `/cash-in/${created.transactionId}`)).body;
    expect(after).toMatchObject({
      status: 'REFUNDED',
      endToEndId: refund.body.endToEndId,
      originalEndToEndId: paid.body.endToEndId,
      refundedAt: expect.any(String),
    });
    expect((await env.psp.call('GET', `/cash-in/${paid.body.endToEndId}`)).body.transactionId).toBe(
      created.transactionId,
    );
    expect(await transactionalBalance()).toBe(0);
    await waitFor('one CASHIN_REFUNDED', () => events('CASHIN_REFUNDED').length === 1, SANDBOX_POLL);
    expect(events('CASHIN_REFUNDED')[0]?.body.data).toEqual(after);
  });

  it('refuses refunds with the five documented 422 codes', async () => {
    const refund = (id: string) =>
      env.psp.call('POST', `/cash-in/${id}/refund`, { body: { reason: 'FRAUD' }, signed: true });

    const awaiting = await createCharge();
    expect((await refund(awaiting.transactionId)).body).toMatchObject({
      status: 422,
      code: 'CASH_IN_NOT_PAID',
    });

    const refunded = await createCharge();
    await env.psp.control('POST', `/cash-in/${refunded.transactionId}/pay`);
    expect((await refund(refunded.transactionId)).status).toBe(202);
    expect((await refund(refunded.transactionId)).body.code).toBe('CASH_IN_ALREADY_REFUNDED');

    const expired = await createCharge();
    expect((await env.psp.control('POST', `/cash-in/${expired.transactionId}/expire`)).body.status).toBe(
      'EXPIRED',
    );
    expect((await refund(expired.transactionId)).body.code).toBe('CASH_IN_EXPIRED');

    const cancelled = await createCharge();
    await env.psp.control('POST', `/cash-in/${cancelled.transactionId}/cancel`);
    expect((await refund(cancelled.transactionId)).body.code).toBe('CASH_IN_CANCELLED');

    const noEndToEnd = await createCharge();
    await env.psp.control('POST', `/cash-in/${noEndToEnd.transactionId}/pay`, { withoutEndToEndId: true });
    expect((await refund(noEndToEnd.transactionId)).body.code).toBe('MISSING_END_TO_END_ID');

    expect((await refund('unknown')).status).toBe(404);
    const unsigned = await env.psp.call('POST', `/cash-in/${refunded.transactionId}/refund`, {
      body: { reason: 'FRAUD' },
    });
    expect(unsigned.body.code).toBe('INVALID_SIGNATURE');
    const badReason = await env.psp.call('POST', `/cash-in/${awaiting.transactionId}/refund`, {
      body: { reason: 'BORED' },
      signed: true,
    });
    expect(badReason.status).toBe(400);
    expect(badReason.body.errors[0].field).toBe('reason');
  });

  it('expired charges report expiredAt and cannot be paid', async () => {
    const created = await createCharge({ expirationInMinutes: 5 });
    const expired = await env.psp.control('POST', `/cash-in/${created.internalCode}/expire`);
    expect(expired.body).toMatchObject({ status: 'EXPIRED', expiredAt: expect.any(String) });
    const pay = await env.psp.control('POST', `/cash-in/${created.internalCode}/pay`);
    expect(pay.status).toBe(409);
    expect(pay.body.code).toBe('INVALID_STATE');
  });

  it('med-reversal takes the money back on its own and sends CASHIN_REFUNDED', async () => {
    const created = await createCharge();
    const paid = await env.psp.control('POST', `/cash-in/${created.transactionId}/pay`);
    const reversed = await env.psp.control('POST', `/cash-in/${created.transactionId}/med-reversal`);
    expect(reversed.status).toBe(200);
    expect(reversed.body).toMatchObject({ status: 'REFUNDED', originalEndToEndId: paid.body.endToEndId });
    expect(isEndToEndId(reversed.body.endToEndId, 'D')).toBe(true);
    expect(await transactionalBalance()).toBe(0);
    await waitFor('one CASHIN_REFUNDED', () => events('CASHIN_REFUNDED').length === 1, SANDBOX_POLL);
  });

  it('answers 409 DUPLICATE_EXTERNAL_REFERENCE for a second charge with the same reference', async () => {
    const body = chargeBody();
    expect((await env.psp.call('POST', '/cash-in', { body })).status).toBe(201);
    const duplicate = await env.psp.call('POST', '/cash-in', { body: { ...body, amount: 30 } });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.code).toBe('DUPLICATE_EXTERNAL_REFERENCE');
  });

  it('answers 400 INVALID_REQUEST naming every invalid field', async () => {
    const result = await env.psp.call('POST', '/cash-in', {
      body: { amount: 10.005, externalReference: '', payer: { name: 'X', document: '123' } },
    });
    expect(result.status).toBe(400);
    expect(result.body.code).toBe('INVALID_REQUEST');
    expect(result.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'amount',
      'externalReference',
      'payer.document',
    ]);
  });

  it('pays automatically after autoPayCashInAfterMs', async () => {
    await env.psp.control('PUT', '/behaviour', { autoPayCashInAfterMs: 10 });
    const created = await createCharge();
    await waitFor(
      'the charge PAID',
      async () => (await env.psp.call('GET', `/cash-in/${created.transactionId}`)).body.status === 'PAID',
      SANDBOX_POLL,
    );
    await waitFor('one CASHIN_PAID', () => events('CASHIN_PAID').length === 1, SANDBOX_POLL);
  });
});
