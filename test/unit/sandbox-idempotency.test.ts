import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../scripts/wait-for';
import { SANDBOX_POLL, setWallet, useSandbox } from '../helpers/sandbox-kit';

describe('sandbox idempotency', () => {
  const env = useSandbox();
  beforeEach(async () => {
    await setWallet(env.psp, { '13935893': { transactional: 100, proprietary: 0 } });
  });

  const charge = () => ({
    amount: 10,
    externalReference: `order-${randomUUID()}`,
    payer: { name: 'Maria', document: '11144477735' },
  });
  const payout = (amount = 40) => ({
    amount,
    externalReference: `payout-${randomUUID()}`,
    payee: {
      name: 'João',
      document: '11144477735',
      destination: { type: 'PIX', pixKeyType: 'EMAIL', pixKey: 'joao@example.com' },
    },
  });
  const transactions = async () => (await env.psp.control('GET', '/transactions')).body;

  it('replays the original status and body for the same key and body, whatever the key order', async () => {
    const key = randomUUID();
    const body = charge();
    const first = await env.psp.call('POST', '/cash-in', { body, idempotencyKey: key });
    const reordered = { payer: body.payer, externalReference: body.externalReference, amount: body.amount };
    const second = await env.psp.call('POST', '/cash-in', { body: reordered, idempotencyKey: key });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect((await transactions()).cashIns).toHaveLength(1);
  });

  it('replays the original 202 of a cash-out even after it completed, debiting once', async () => {
    const key = randomUUID();
    const body = payout();
    const first = await env.psp.call('POST', '/cash-out', { body, signed: true, idempotencyKey: key });
    await env.psp.control('POST', `/cash-out/${first.body.transactionId}/complete`);
    const second = await env.psp.call('POST', '/cash-out', { body, signed: true, idempotencyKey: key });
    expect(second.status).toBe(202);
    expect(second.body).toEqual(first.body);
    expect((await env.psp.call('GET', '/account/balance')).body.consolidated.transactionalBalance).toBe(60);
  });

  it('answers 422 IDEMPOTENCY_KEY_REUSED for the same key with another body or endpoint', async () => {
    const key = randomUUID();
    expect((await env.psp.call('POST', '/cash-in', { body: charge(), idempotencyKey: key })).status).toBe(
      201,
    );
    const otherBody = await env.psp.call('POST', '/cash-in', { body: charge(), idempotencyKey: key });
    expect(otherBody.status).toBe(422);
    expect(otherBody.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const otherEndpoint = await env.psp.call('POST', '/account/rebalance', {
      body: { targetAmount: 1 },
      signed: true,
      idempotencyKey: key,
    });
    expect(otherEndpoint.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await transactions()).cashIns).toHaveLength(1);
  });

  it('answers 409 IDEMPOTENCY_KEY_IN_USE while the first request is still being processed', async () => {
    await env.psp.control('POST', '/faults', {
      kind: 'latency',
      latencyMs: 400,
      path: '/cash-out',
      count: 1,
    });
    const key = randomUUID();
    const body = payout();
    const first = env.psp.call('POST', '/cash-out', { body, signed: true, idempotencyKey: key });
    await waitFor(
      'the first request logged',
      async () =>
        (await env.psp.control('GET', '/requests')).body.requests.some(
          (r: { path: string }) => r.path === '/cash-out',
        ),
      SANDBOX_POLL,
    );
    const second = await env.psp.call('POST', '/cash-out', { body, signed: true, idempotencyKey: key });
    expect(second.status).toBe(409);
    expect(second.body.code).toBe('IDEMPOTENCY_KEY_IN_USE');
    expect((await first).status).toBe(202);
    const third = await env.psp.call('POST', '/cash-out', { body, signed: true, idempotencyKey: key });
    expect(third.body).toEqual((await first).body);
  });

  it('does not remember rejected requests: the same key succeeds once the reason is gone', async () => {
    const key = randomUUID();
    const body = payout(150);
    const refused = await env.psp.call('POST', '/cash-out', { body, signed: true, idempotencyKey: key });
    expect(refused.body.code).toBe('INSUFFICIENT_FUNDS');
    await setWallet(env.psp, { '13935893': { transactional: 200, proprietary: 0 } });
    const accepted = await env.psp.call('POST', '/cash-out', { body, signed: true, idempotencyKey: key });
    expect(accepted.status).toBe(202);
  });

  it('accepts POSTs without a key (no replay protection) and rejects a key that is not a UUID', async () => {
    expect((await env.psp.call('POST', '/cash-in', { body: charge() })).status).toBe(201);
    expect((await env.psp.call('POST', '/cash-in', { body: charge() })).status).toBe(201);
    expect((await transactions()).cashIns).toHaveLength(2);
    const badKey = await env.psp.call('POST', '/cash-in', { body: charge(), idempotencyKey: 'not-a-uuid' });
    expect(badKey.status).toBe(400);
    expect(badKey.body.errors[0].field).toBe('X-Idempotency-Key');
  });
});
