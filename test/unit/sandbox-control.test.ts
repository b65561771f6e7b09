import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SandboxCaller, useSandbox } from '../helpers/sandbox-kit';

describe('sandbox control API', () => {
  const env = useSandbox();

  it('reports health', async () => {
    expect(await env.psp.control('GET', '/healthz')).toMatchObject({ status: 200, body: { ok: true } });
  });

  it('lists transactions in the GET shapes and logs ConnectPSP requests (not control calls)', async () => {
    const fresh = new SandboxCaller(env.sandbox.url);
    const key = randomUUID();
    const created = await fresh.call('POST', '/cash-in', {
      body: { amount: 5, externalReference: 'ref-1', payer: { name: 'Maria', document: '11144477735' } },
      idempotencyKey: key,
    });
    const listed = (await env.psp.control('GET', '/transactions')).body;
    expect(listed.cashOuts).toEqual([]);
    expect(listed.cashIns).toEqual([
      (await fresh.call('GET', `/cash-in/${created.body.transactionId}`)).body,
    ]);

    const requests = (await env.psp.control('GET', '/requests')).body.requests;
    expect(requests.map((r: { method: string; path: string }) => `${r.method} ${r.path}`)).toEqual([
      'POST /auth/token',
      'POST /cash-in',
      `GET /cash-in/${created.body.transactionId}`,
    ]);
    expect(requests[1]).toMatchObject({ idempotencyKey: key, status: 201, at: expect.any(String) });
    expect(requests[0].idempotencyKey).toBeNull();
  });

  it('reset brings state, faults and behaviour back to defaults', async () => {
    await env.psp.call('POST', '/cash-in', {
      body: {
        amount: 5,
        externalReference: `ref-${randomUUID()}`,
        payer: { name: 'Maria', document: '11144477735' },
      },
    });
    await env.psp.control('PUT', '/behaviour', {
      autoPayCashInAfterMs: 1000,
      failureRules: [{ pixKeySuffix: '1', code: 'X' }],
    });
    await env.psp.control('POST', '/faults', { kind: 'error500', rate: 1, path: '/account' });
    expect((await env.psp.control('POST', '/reset')).status).toBe(204);
    expect((await env.psp.control('GET', '/transactions')).body).toEqual({ cashIns: [], cashOuts: [] });
    expect((await env.psp.control('GET', '/requests')).body.requests).toEqual([]);
    expect((await env.psp.control('GET', '/behaviour')).body).toEqual({
      autoPayCashInAfterMs: null,
      autoCompleteCashOutAfterMs: null,
      failureRules: [],
    });
    expect((await env.psp.call('GET', '/account/balance')).status).toBe(200);
  });

  it('PUT /behaviour changes only the fields given and validates them', async () => {
    const first = await env.psp.control('PUT', '/behaviour', { autoCompleteCashOutAfterMs: 50 });
    expect(first.body).toMatchObject({ autoPayCashInAfterMs: null, autoCompleteCashOutAfterMs: 50 });
    const second = await env.psp.control('PUT', '/behaviour', { autoPayCashInAfterMs: 10 });
    expect(second.body).toMatchObject({ autoPayCashInAfterMs: 10, autoCompleteCashOutAfterMs: 50 });
    expect((await env.psp.control('PUT', '/behaviour', { autoPayCashInAfterMs: -1 })).status).toBe(400);
  });

  it('answers 404 for unknown references and 400 for invalid control bodies', async () => {
    const missing = await env.psp.control('POST', '/cash-in/nope/pay');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/problem\+json/);
    expect((await env.psp.control('POST', '/cash-out/nope/complete')).status).toBe(404);
    const created = await env.psp.call('POST', '/cash-in', {
      body: {
        amount: 5,
        externalReference: `ref-${randomUUID()}`,
        payer: { name: 'Maria', document: '11144477735' },
      },
    });
    expect(
      (await env.psp.control('POST', `/cash-in/${created.body.transactionId}/pay`, { amount: -1 })).status,
    ).toBe(400);
  });
});
