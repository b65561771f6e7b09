import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { createRebalanceActivities, type RebalanceActivityDependencies } from '../../activities/rebalance';
import { idempotencyKey } from '../../domain/ids';

describe('rebalanceToExposure', () => {
  it('targets the exposure it has just read, the target in its key: a retry after the exposure moved is a new request', async () => {
    let exposureCents = 150_00;
    const calls: Array<{ targetCents: number; key: string }> = [];
    const psp = {
      getBalance: async () => ({ transactionalCents: 100_00 }),
      rebalance: async (targetCents: number, options: { idempotencyKey: string }) => {
        calls.push({ targetCents, key: options.idempotencyKey });
        return {};
      },
    } as unknown as RebalanceActivityDependencies['psp'];
    const activities = createRebalanceActivities({
      psp,
      wallet: { exposureCents: async () => exposureCents },
      requestRebalance: () => Promise.reject(new Error('not used here')),
    });
    const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
    const run = () => env.run(activities.rebalanceToExposure, { operationId: 'op-1', thresholdCents: 0 });

    await run();
    await run(); // the same attempt again (the answer was lost): the same request
    exposureCents = 170_00;
    await run(); // a retry after the exposure moved: a new absolute target, under a new key
    expect(calls).toEqual([
      { targetCents: 150_00, key: idempotencyKey('rebalance:op-1:15000') },
      { targetCents: 150_00, key: idempotencyKey('rebalance:op-1:15000') },
      { targetCents: 170_00, key: idempotencyKey('rebalance:op-1:17000') },
    ]);
  });
});
