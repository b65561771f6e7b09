import { randomUUID } from 'node:crypto';
import { fetch } from 'undici';
import { describe, expect, it } from 'vitest';
import { digitalSignature } from '../../domain/connectpsp/signatures';
import { SANDBOX_CREDENTIALS } from '../../runtime/config';
import { waitFor } from '../../scripts/wait-for';
import { SANDBOX_POLL, setWallet, useSandbox } from '../helpers/sandbox-kit';

describe('sandbox fault injection', () => {
  const env = useSandbox({ receiver: 'per-test' });

  const addFault = async (fault: Record<string, unknown>) => {
    const result = await env.psp.control('POST', '/faults', fault);
    expect(result.status).toBe(201);
    expect(result.body.id).toEqual(expect.any(String));
  };
  const createCharge = (key?: string) =>
    env.psp.call('POST', '/cash-in', {
      body: {
        amount: 10,
        externalReference: `order-${randomUUID()}`,
        webhookUrl: env.receiver.url,
        payer: { name: 'Maria', document: '11144477735' },
      },
      ...(key ? { idempotencyKey: key } : {}),
    });
  const transactions = async () => (await env.psp.control('GET', '/transactions')).body;

  it('error500: answers 500 INTERNAL_ERROR count times without doing anything, then recovers', async () => {
    await addFault({ kind: 'error500', count: 2, method: 'POST', path: '/cash-in' });
    expect((await env.psp.call('GET', '/account/balance')).status).toBe(200);
    const first = await createCharge();
    expect(first.status).toBe(500);
    expect(first.body).toMatchObject({ status: 500, code: 'INTERNAL_ERROR' });
    expect((await createCharge()).status).toBe(500);
    expect((await createCharge()).status).toBe(201);
    expect((await transactions()).cashIns).toHaveLength(1);
  });

  it('rate429: answers 429 RATE_LIMITED with Retry-After', async () => {
    await addFault({ kind: 'rate429', retryAfterSeconds: 7 });
    const limited = await env.psp.call('GET', '/account/balance');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect((await env.psp.call('GET', '/account/balance')).status).toBe(200);
  });

  it('rate: fires with the given probability until cleared (1 = always, 0 = never)', async () => {
    await addFault({ kind: 'error500', rate: 0, path: '/account' });
    expect((await env.psp.call('GET', '/account/balance')).status).toBe(200);
    await addFault({ kind: 'error500', rate: 1, path: '/account' });
    expect((await env.psp.call('GET', '/account/balance')).status).toBe(500);
    expect((await env.psp.call('GET', '/account/balance')).status).toBe(500);
    expect((await env.psp.control('DELETE', '/faults')).status).toBe(204);
    expect((await env.psp.call('GET', '/account/balance')).status).toBe(200);
  });

  it('latency: delays the answer', async () => {
    await env.psp.accessToken();
    await addFault({ kind: 'latency', latencyMs: 250, path: '/account/balance' });
    const started = Date.now();
    expect((await env.psp.call('GET', '/account/balance')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
  });

  it('commitThenDrop: the operation happens, the socket closes unanswered, the same key replays it', async () => {
    await setWallet(env.psp, { '13935893': { transactional: 100, proprietary: 0 } });
    await addFault({ kind: 'commitThenDrop', method: 'POST', path: '/cash-out' });
    const token = await env.psp.accessToken();
    const key = randomUUID();
    const body = JSON.stringify({
      amount: 30,
      externalReference: `payout-${randomUUID()}`,
      payee: {
        name: 'João',
        document: '11144477735',
        destination: { type: 'PIX', pixKeyType: 'EMAIL', pixKey: 'joao@example.com' },
      },
    });
    const send = () =>
      fetch(`${env.sandbox.url}/cash-out`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
          applicationtoken: SANDBOX_CREDENTIALS.applicationToken,
          digitalsignature: digitalSignature(token, SANDBOX_CREDENTIALS.cryptoToken),
          'x-idempotency-key': key,
        },
        body,
      });
    await expect(send()).rejects.toThrow();
    const [created] = (await transactions()).cashOuts;
    expect(created).toMatchObject({ status: 'PROCESSING', amount: 30 });

    const retry = await send();
    expect(retry.status).toBe(202);
    expect(((await retry.json()) as { transactionId: string }).transactionId).toBe(created.transactionId);
    expect((await transactions()).cashOuts).toHaveLength(1);
    expect((await env.psp.call('GET', '/account/balance')).body.consolidated.transactionalBalance).toBe(70);
    const log = (await env.psp.control('GET', '/requests')).body.requests.filter(
      (r: { path: string }) => r.path === '/cash-out',
    );
    expect(
      log.map((r: { status: number | null; idempotencyKey: string }) => [r.status, r.idempotencyKey]),
    ).toEqual([
      [null, key],
      [202, key],
    ]);
  });

  it('duplicateWebhook: the same event is delivered twice, each with its own event id', async () => {
    await addFault({ kind: 'duplicateWebhook' });
    const created = await createCharge();
    await env.psp.control('POST', `/cash-in/${created.body.transactionId}/pay`);
    await waitFor('two webhooks', () => env.receiver.received.length === 2, SANDBOX_POLL);
    const [a, b] = env.receiver.received;
    expect(a?.rawBody).toBe(b?.rawBody);
    expect(a?.headers['x-event-id']).not.toBe(b?.headers['x-event-id']);
    expect(a?.body.eventType).toBe('CASHIN_PAID');
  });

  it('outOfOrderWebhook: holds an event and sends it after the next one of the same transaction', async () => {
    await addFault({ kind: 'outOfOrderWebhook' });
    const created = await createCharge();
    await env.psp.control('POST', `/cash-in/${created.body.transactionId}/pay`);
    await env.psp.call('POST', `/cash-in/${created.body.transactionId}/refund`, {
      body: { reason: 'FRAUD' },
      signed: true,
    });
    await waitFor('two webhooks', () => env.receiver.received.length === 2, SANDBOX_POLL);
    expect(env.receiver.received.map((w) => w.body.eventType)).toEqual(['CASHIN_REFUNDED', 'CASHIN_PAID']);
  });

  it('withholdWebhook: events wait until POST /_sandbox/webhooks/release', async () => {
    await addFault({ kind: 'withholdWebhook', count: 2 });
    const first = await createCharge();
    const second = await createCharge();
    await env.psp.control('POST', `/cash-in/${first.body.transactionId}/pay`);
    await env.psp.control('POST', `/cash-in/${second.body.transactionId}/pay`);
    expect(await env.psp.control('GET', '/webhooks')).toMatchObject({ body: { deliveries: [] } });
    const released = await env.psp.control('POST', '/webhooks/release');
    expect(released.body).toEqual({ released: 2 });
    await waitFor('two webhooks', () => env.receiver.received.length === 2, SANDBOX_POLL);
    expect(new Set(env.receiver.received.map((w) => w.body.data.transactionId))).toEqual(
      new Set([first.body.transactionId, second.body.transactionId]),
    );
  });

  it('rejects an unknown fault kind with 400', async () => {
    const result = await env.psp.control('POST', '/faults', { kind: 'meteor' });
    expect(result.status).toBe(400);
    expect(result.body.errors[0].field).toBe('kind');
  });
});
