import { describe, expect, it } from 'vitest';
import { PaymentNotFoundError } from '../../client/errors';
import { paymentSettingsFrom } from '../../client/payment-settings';
import { PaymentsClient } from '../../client/payments-client';
import { parseConfig } from '../../runtime/config';
import { awaitStateUpdate, type CashInStatus } from '../../workflows/messages';
import { type LifecycleEnv, useLifecycleEnv } from '../helpers/lifecycle-env';

function paymentsClient(env: LifecycleEnv) {
  return new PaymentsClient({
    temporal: env.client,
    settings: { ...paymentSettingsFrom(parseConfig({}), env.taskQueue), webhookUrl: env.webhookUrl },
    temporalAddress: 'the test server',
  });
}

/** The awaitState updates a workflow run accepted: how the wait learnt of each state. */
async function awaitStateUpdates(env: LifecycleEnv, workflowId: string): Promise<number> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).filter(
    (e) =>
      e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name ===
      awaitStateUpdate.name,
  ).length;
}

describe('waitForOutcome is told of the outcome instead of polling', () => {
  const env = useLifecycleEnv();

  it('follows each state change through awaitState, never by the (fallback) polling interval', async () => {
    const payments = paymentsClient(env);
    const { charge, handle } = await env.startCashIn(env.cashInInput({ amountCents: 30_00 }));
    const seen: string[] = [];
    // Polling every 60 s could not see anything within the 30 s the wait has.
    const settled = payments.waitForOutcome(charge.reference, {
      timeoutMs: 30_000,
      pollIntervalMs: 60_000,
      onProgress: (p) => seen.push(p.state),
    });
    await env.waitUntil(
      'the wait asked the workflow',
      async () => (await awaitStateUpdates(env, handle.workflowId)) > 0,
    );
    await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`);
    expect(await settled).toMatchObject({ state: 'SETTLED', ledger: { credited: true } });
    expect(seen).toEqual(['AWAITING_PAYMENT', 'PAID', 'SETTLED']);
    expect(await awaitStateUpdates(env, handle.workflowId)).toBe(2);
  });

  it('answers the final status of a lifecycle that closed, rather than waiting for a state it can no longer reach', async () => {
    const payments = paymentsClient(env);
    const { charge, handle } = await env.startCashIn(env.cashInInput());
    await env.psp.control('POST', `/cash-in/${charge.transactionId}/expire`);
    await env.waitUntil(
      'the cash-in closed',
      async () => (await handle.describe()).status.name === 'COMPLETED',
    );
    // With the kind known and no progress to report, the first question is the awaitState itself.
    const ended = await payments.waitForOutcome(charge.reference, {
      timeoutMs: 30_000,
      until: ['SETTLED'],
      kind: 'CASH_IN',
    });
    expect(ended).toMatchObject({ state: 'EXPIRED', workflowId: handle.workflowId });
    await expect(
      payments.waitForOutcome(env.unique('never-started'), { timeoutMs: 5_000, kind: 'CASH_IN' }),
    ).rejects.toBeInstanceOf(PaymentNotFoundError);
  });

  it('keeps waiting across continue-as-new', async () => {
    const payments = paymentsClient(env);
    const { charge, handle } = await env.startCashIn(env.cashInInput({ maxHistoryEvents: 20 }));
    const firstRunId = (await handle.describe()).runId;
    await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`);
    expect((await payments.waitForOutcome(charge.reference, { timeoutMs: 20_000 })).state).toBe('SETTLED');
    await env.waitUntil('it continued as new', async () => (await handle.describe()).runId !== firstRunId);
    const refunded = payments.waitForOutcome(charge.reference, {
      timeoutMs: 30_000,
      until: ['REFUNDED'],
      kind: 'CASH_IN',
    });
    await env.psp.control('POST', `/cash-in/${charge.transactionId}/med-reversal`);
    const status = (await refunded) as CashInStatus;
    expect(status).toMatchObject({ state: 'REFUNDED', ledger: { credited: true, reversed: true } });
  });
});
