import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { webhookSignature } from '../../domain/connectpsp/signatures';
import { SANDBOX_CREDENTIALS } from '../../runtime/config';
import type { CashInStatus, CashOutStatus } from '../../workflows/messages';
import { useLifecycleEnv } from '../helpers/lifecycle-env';
import type { Json } from '../helpers/sandbox-kit';

/**
 * The real relay in front of the real lifecycle workflows, ConnectPSP played by the sandbox:
 * duplicate and out-of-order deliveries end in one effect. Reconciliation is slowed to a minute
 * so that the webhooks, not a GET, drive each lifecycle.
 */
describe('relay → lifecycle workflows: duplicates and disorder have one effect', () => {
  const env = useLifecycleEnv();
  afterEach(async () => {
    await env.psp.control('DELETE', '/faults');
  });

  const walletOf = (userId: string) => env.wallet.balance(userId);

  /** The sandbox's delivery log for a transaction, once it holds `count` attempts (bounded wait). */
  async function deliveredEvents(transactionId: string, count: number): Promise<Json[]> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const { body } = await env.psp.control('GET', '/webhooks');
      const attempts = (body.deliveries as Json[]).filter((d) => d.transactionId === transactionId);
      if (attempts.length >= count) return attempts;
      if (Date.now() > deadline) throw new Error(`only ${attempts.length} deliveries for ${transactionId}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function replay(envelope: unknown): Promise<{ status: number; body: Json }> {
    const body = JSON.stringify(envelope);
    const res = await request(env.webhookUrl, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-connect-signature': webhookSignature(body, SANDBOX_CREDENTIALS.cryptoToken),
      },
    });
    return { status: res.statusCode, body: await res.body.json() };
  }

  it('credits a cash-in once, whatever the number of CASHIN_PAID deliveries', async () => {
    await env.psp.control('POST', '/faults', { kind: 'duplicateWebhook', path: '/cash-in' });
    const input = env.cashInInput({ amountCents: 42_00, reconcileIntervalSeconds: 60 });
    const { handle, charge } = await env.startCashIn(input);
    const { body: paid } = await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`);
    const settled = await env.waitForState<CashInStatus>(handle, 'SETTLED');

    const deliveries = await deliveredEvents(charge.transactionId, 2);
    expect(deliveries.map((d) => [d.eventType, d.status])).toEqual(Array(2).fill(['CASHIN_PAID', 200]));

    // The PSP's retries of an event already handed over: accepted, and ignored by the workflow.
    const redelivered = await Promise.all(
      Array.from({ length: 5 }, () =>
        replay({ eventType: 'CASHIN_PAID', eventAt: new Date().toISOString(), data: paid }),
      ),
    );
    expect(redelivered.map((r) => [r.status, r.body.outcome])).toEqual(Array(5).fill([200, 'delivered']));
    const after = await env.waitForStatus<CashInStatus>(handle, () => true);
    expect(after.timeline).toEqual(settled.timeline);
    expect(after.ledger).toEqual({ credited: true, reversed: false });
    expect((await walletOf(input.userId)).postedCents).toBe(42_00);
  });

  it('applies a cash-out return once when CASHOUT_REFUNDED overtakes CASHOUT_COMPLETED', async () => {
    const input = env.cashOutInput({ amountCents: 30_00, reconcileIntervalSeconds: 60 });
    await env.fundUser(input.userId, 100_00);
    const handle = await env.startCashOut(input);
    const processing = await env.waitForState<CashOutStatus>(handle, 'PROCESSING');
    const transactionId = processing.psp.transactionId as string;

    await env.psp.control('POST', '/faults', { kind: 'outOfOrderWebhook', path: '/cash-out' });
    await env.psp.control('POST', `/cash-out/${transactionId}/complete`);
    await env.psp.control('POST', `/cash-out/${transactionId}/return`);
    const returned = await env.waitForState<CashOutStatus>(handle, 'REFUNDED');
    expect(returned.ledger).toEqual({ held: true, posted: true, voided: false, returned: true });

    const deliveries = await deliveredEvents(transactionId, 2);
    expect(deliveries.map((d) => d.eventType)).toEqual(['CASHOUT_REFUNDED', 'CASHOUT_COMPLETED']);
    expect(deliveries.every((d) => d.status === 200)).toBe(true);
    const final = await env.waitForStatus<CashOutStatus>(handle, () => true);
    expect(final.ledger).toEqual(returned.ledger);
    expect(await walletOf(input.userId)).toMatchObject({ postedCents: 100_00, pendingDebitCents: 0 });
  });
});
