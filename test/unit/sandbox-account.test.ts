import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { balanceResponseSchema } from '../../domain/connectpsp';
import { setWallet, useSandbox } from '../helpers/sandbox-kit';

const PAYER = { name: 'Maria Silva', document: '11144477735' };

describe('sandbox account', () => {
  const env = useSandbox();
  const proprietaryOnly = { transactional: 0, proprietary: 1_000_000 };
  beforeEach(() =>
    setWallet(env.psp, {
      '38224857': proprietaryOnly,
      '13935893': proprietaryOnly,
      '20018183': proprietaryOnly,
    }),
  );

  const balance = async () =>
    balanceResponseSchema.parse((await env.psp.call('GET', '/account/balance')).body);
  const rebalance = (targetAmount: number) =>
    env.psp.call('POST', '/account/rebalance', {
      body: { targetAmount },
      signed: true,
      idempotencyKey: true,
    });

  it('reports three partner banks, each with its transactional and proprietary account', async () => {
    const view = await balance();
    expect(view.currency).toBe('BRL');
    expect(view.referenceDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(view.updatedAt.endsWith('Z')).toBe(true);
    expect(view.banks.map((b) => b.ispb)).toEqual(['38224857', '13935893', '20018183']);
    expect(view.banks.map((b) => b.bank)).toContain('CELCOIN IP S.A.');
    expect(view.consolidated).toEqual({
      totalBalance: 3_000_000,
      transactionalBalance: 0,
      proprietaryBalance: 3_000_000,
    });
    for (const bank of view.banks) {
      expect(bank.accounts.transactional.balance).toBe(0);
      expect(bank.accounts.proprietary.balance).toBe(1_000_000);
    }
  });

  it('tops up from proprietary when the target is above the transactional balance', async () => {
    const result = await rebalance(1_500_000.25);
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ success: true, message: expect.stringContaining('R$ 1.500.000,25') });
    const view = await balance();
    expect(view.consolidated).toEqual({
      totalBalance: 3_000_000,
      transactionalBalance: 1_500_000.25,
      proprietaryBalance: 1_499_999.75,
    });
  });

  it('sweeps the surplus back when the target is below', async () => {
    await rebalance(2000);
    const result = await rebalance(500.5);
    expect(result.body.success).toBe(true);
    expect(result.body.message).toContain('R$ 1.499,50');
    const view = await balance();
    expect(view.consolidated.transactionalBalance).toBe(500.5);
    expect(view.consolidated.proprietaryBalance).toBe(2_999_499.5);
    expect((await rebalance(500.5)).body.message).toMatch(/nothing moved/);
  });

  it('answers 422 INSUFFICIENT_FUNDS when proprietary cannot cover the top-up, moving nothing', async () => {
    const result = await rebalance(3_000_000.01);
    expect(result.status).toBe(422);
    expect(result.body.code).toBe('INSUFFICIENT_FUNDS');
    expect(result.body.detail).toContain('R$ 3.000.000,01');
    expect((await balance()).consolidated.transactionalBalance).toBe(0);
  });

  it('validates targetAmount and refuses ?date=', async () => {
    const negative = await env.psp.call('POST', '/account/rebalance', {
      body: { targetAmount: -1 },
      signed: true,
    });
    expect(negative.status).toBe(400);
    expect(negative.body.errors[0].field).toBe('targetAmount');
    const dated = await env.psp.call('GET', '/account/balance?date=2026-01-01');
    expect(dated.status).toBe(400);
  });

  it('sets balances through PUT /_sandbox/wallet', async () => {
    const result = await env.psp.control('PUT', '/wallet', {
      banks: [{ ispb: '13935893', transactional: 12.34, proprietary: 5 }],
    });
    expect(result.status).toBe(200);
    expect(result.body.consolidated.transactionalBalance).toBe(12.34);
    expect(result.body.consolidated.proprietaryBalance).toBe(2_000_005);
    const unknown = await env.psp.control('PUT', '/wallet', {
      banks: [{ ispb: '99999999', transactional: 1, proprietary: 1 }],
    });
    expect(unknown.status).toBe(400);
  });

  it('keeps money per partner bank: cash-ins round robin, cash-outs fullest first and back where they came from', async () => {
    const charges = [];
    for (const amount of [10, 20, 30]) {
      const created = await env.psp.call('POST', '/cash-in', {
        body: { amount, externalReference: `order-${randomUUID()}`, payer: PAYER },
        idempotencyKey: true,
      });
      await env.psp.control('POST', `/cash-in/${created.body.transactionId}/pay`);
      charges.push(created.body.transactionId as string);
    }
    // [transactional, proprietary] per bank, in the order the balance lists them.
    const perBank = async () =>
      (await balance()).banks.map((b) => [b.accounts.transactional.balance, b.accounts.proprietary.balance]);
    const paid = [
      [10, 1_000_000],
      [20, 1_000_000],
      [30, 1_000_000],
    ];
    expect(await perBank()).toEqual(paid);

    const payout = await env.psp.call('POST', '/cash-out', {
      body: {
        amount: 40,
        externalReference: `payout-${randomUUID()}`,
        payee: { ...PAYER, destination: { type: 'PIX', pixKeyType: 'EMAIL', pixKey: 'maria@example.com' } },
      },
      signed: true,
      idempotencyKey: true,
    });
    expect(payout.status).toBe(202);
    // 40 = all 30 of the fullest bank, then 10 of the next fullest.
    expect(await perBank()).toEqual([
      [10, 1_000_000],
      [10, 1_000_000],
      [0, 1_000_000],
    ]);
    await env.psp.control('POST', `/cash-out/${payout.body.transactionId}/fail`);
    expect(await perBank()).toEqual(paid);
  });

  it('takes refunds and MED reversals back whatever the balance: transactional first, then proprietary', async () => {
    const created = await env.psp.call('POST', '/cash-in', {
      body: { amount: 20, externalReference: `order-${randomUUID()}`, payer: PAYER },
      idempotencyKey: true,
    });
    await env.psp.control('POST', `/cash-in/${created.body.transactionId}/pay`);
    await setWallet(env.psp, {
      '38224857': { transactional: 5, proprietary: 1000 },
      '13935893': { transactional: 0, proprietary: 1000 },
      '20018183': { transactional: 0, proprietary: 1000 },
    });
    await env.psp.control('POST', `/cash-in/${created.body.transactionId}/med-reversal`);
    expect((await balance()).consolidated).toEqual({
      totalBalance: 2_985,
      transactionalBalance: 0,
      proprietaryBalance: 2_985,
    });
  });
});
