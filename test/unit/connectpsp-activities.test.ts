import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { type ConnectPspApi, createConnectPspActivities } from '../../activities/connectpsp';
import { ConnectPspError } from '../../connectpsp/errors';

const payee = {
  name: 'João',
  document: '11144477735',
  destination: { type: 'PIX' as const, pixKeyType: 'CPF' as const, pixKey: '11144477735' },
};

/** A client whose every method records its arguments and runs `behaviour`. */
function fakeClient(behaviour: (signal: AbortSignal | undefined) => Promise<unknown>) {
  const calls: { method: string; args: unknown[] }[] = [];
  const record =
    (method: string) =>
    (...args: unknown[]) => {
      calls.push({ method, args });
      const options = args.at(-1) as { signal?: AbortSignal } | undefined;
      return behaviour(options?.signal);
    };
  const client = {
    createCashIn: record('createCashIn'),
    getCashIn: record('getCashIn'),
    refundCashIn: record('refundCashIn'),
    createCashOut: record('createCashOut'),
    getCashOut: record('getCashOut'),
    getBalance: record('getBalance'),
    rebalance: record('rebalance'),
  } as unknown as ConnectPspApi;
  return { client, calls };
}

// Failed activities are logged at WARN; keep test output readable.
const quietEnvironment = () => new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });

describe('ConnectPSP activities', () => {
  it('pass the idempotency key and a signal that follows the activity cancellation to the client', async () => {
    const { client, calls } = fakeClient(async () => ({ ok: true }));
    const activities = createConnectPspActivities({ client });
    const env = quietEnvironment();
    const key = '0b8f4a52-6c1e-5d43-9a7b-2f3e4d5c6b7a';
    await env.run(activities.createCashOut, {
      idempotencyKey: key,
      externalReference: 'p-1',
      amountCents: 100,
      payee,
    });
    await env.run(activities.refundCashIn, { id: 'tx-1', reason: 'FRAUD' as const, idempotencyKey: key });
    await env.run(activities.getCashOut, { id: 'IVKPRMOCDY' });
    await env.run(activities.getCashIn, { id: 'US7B1JQ' });
    const signal = expect.any(AbortSignal);
    expect(calls).toEqual([
      {
        method: 'createCashOut',
        args: [
          { externalReference: 'p-1', amountCents: 100, payee },
          { idempotencyKey: key, signal },
        ],
      },
      { method: 'refundCashIn', args: ['tx-1', { reason: 'FRAUD' }, { idempotencyKey: key, signal }] },
      { method: 'getCashOut', args: ['IVKPRMOCDY', { signal }] },
      { method: 'getCashIn', args: ['US7B1JQ', { signal }] },
    ]);
  });

  it('turn a PSP business error into a non-retryable ApplicationFailure typed with its code', async () => {
    const { client } = fakeClient(async () => {
      throw new ConnectPspError('ConnectPSP POST /cash-out → 422 INSUFFICIENT_FUNDS', {
        status: 422,
        code: 'INSUFFICIENT_FUNDS',
        retryable: false,
      });
    });
    const activities = createConnectPspActivities({ client });
    const err = await quietEnvironment()
      .run(activities.createCashOut, {
        idempotencyKey: 'k',
        externalReference: 'p-1',
        amountCents: 100,
        payee,
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'INSUFFICIENT_FUNDS', nonRetryable: true });
  });

  it('end the call just before the activity times out, as a retryable TIMEOUT (the PSP may have acted)', async () => {
    const { client } = fakeClient(
      (signal) =>
        new Promise((_, reject) => {
          signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
        }),
    );
    const activities = createConnectPspActivities({ client });
    // The mock environment's start-to-close timeout is 1 s: the call is ended at 0.9 s.
    const err = await quietEnvironment()
      .run(activities.getCashIn, { id: 'US7B1JQ' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'TIMEOUT', nonRetryable: false });
  });

  it('abort the request when the activity is cancelled and surface the cancellation', async () => {
    const { client } = fakeClient(
      (signal) =>
        new Promise((_, reject) => {
          signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
        }),
    );
    const activities = createConnectPspActivities({ client });
    const env = quietEnvironment();
    const running = env.run(activities.getCashIn, { id: 'US7B1JQ' });
    env.cancel('CANCELLED');
    await expect(running).rejects.toBeInstanceOf(CancelledFailure);
  });
});
