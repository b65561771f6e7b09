import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awaitStateUpdate, type CashInStatus } from '../../workflows/messages';
import { type LifecycleEnv, startLifecycleEnv } from '../helpers/lifecycle-env';

describe('awaitState: a waiter is told of the outcome instead of polling (dev server + sandbox)', () => {
  let env: LifecycleEnv;
  beforeAll(async () => {
    env = await startLifecycleEnv();
  });
  afterAll(async () => {
    await env?.close();
  });

  it('answers once the payment settles, and at once for a state already reached', async () => {
    const { handle, charge } = await env.startCashIn(env.cashInInput({ amountCents: 10_00 }));
    const reached = await handle.executeUpdate(awaitStateUpdate, {
      args: [{ states: ['AWAITING_PAYMENT'], waitSeconds: 30 }],
    });
    expect(reached.state).toBe('AWAITING_PAYMENT');

    const outcome = handle.executeUpdate(awaitStateUpdate, { args: [{ waitSeconds: 30 }] });
    await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`);
    const settled = (await outcome) as CashInStatus;
    expect(settled.state).toBe('SETTLED');
    expect(settled.ledger.credited).toBe(true);
  });

  it('answers the status as it stands when the wait runs out first', async () => {
    const { handle } = await env.startCashIn(env.cashInInput());
    const status = await handle.executeUpdate(awaitStateUpdate, { args: [{ waitSeconds: 1 }] });
    expect(status.state).toBe('AWAITING_PAYMENT');
  });

  it('refuses a wait that is not one, naming the field', async () => {
    const { handle } = await env.startCashIn(env.cashInInput());
    for (const request of [{ waitSeconds: 0 }, { waitSeconds: 61 }, { waitSeconds: 5, states: [] }]) {
      const error = await handle.executeUpdate(awaitStateUpdate, { args: [request] }).catch((err) => err);
      expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(String(error.cause?.message)).toMatch(/^(waitSeconds|states): /);
    }
  });
});
