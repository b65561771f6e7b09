/**
 * The worker's /readyz verdict (worker/http-server.ts `readiness`): ready only when the worker
 * runs, Temporal lists it among its task queue's pollers, and the wallet answers; each missing
 * condition is named. The real process answering 200 is in worker-metrics.test.ts.
 */
import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { readiness } from '../../worker/http-server';

const IDENTITY = '4242@worker-host';

function temporalListing(pollers: Array<{ identity: string; secondsAgo: number }> | Error): Client {
  return {
    options: { namespace: 'default' },
    workflowService: {
      async describeTaskQueue() {
        if (pollers instanceof Error) throw pollers;
        const now = Date.now() / 1000;
        return {
          pollers: pollers.map((p) => ({
            identity: p.identity,
            lastAccessTime: { seconds: now - p.secondsAgo },
          })),
        };
      },
    },
  } as unknown as Client;
}

const sources = (overrides: Partial<Parameters<typeof readiness>[0]> = {}) => ({
  workerState: () => 'RUNNING',
  identity: IDENTITY,
  client: temporalListing([{ identity: IDENTITY, secondsAgo: 5 }]),
  taskQueue: 'payments',
  walletAnswers: async () => 0,
  ...overrides,
});

describe('worker readiness', () => {
  it('is ready when it runs, Temporal lists it polling, and the wallet answers', async () => {
    expect(await readiness(sources())).toEqual({
      ok: true,
      worker: 'RUNNING',
      polling: true,
      wallet: true,
      problems: [],
    });
  });

  it('is not ready, saying why, when Temporal lists only other workers or an old poll of this one', async () => {
    for (const pollers of [
      [{ identity: 'other@host', secondsAgo: 1 }],
      [{ identity: IDENTITY, secondsAgo: 600 }],
    ]) {
      const verdict = await readiness(sources({ client: temporalListing(pollers) }));
      expect(verdict).toMatchObject({ ok: false, polling: false, wallet: true });
      expect(verdict.problems).toEqual([
        `Temporal does not list this worker (${IDENTITY}) as polling payments`,
      ]);
    }
  });

  it('is not ready when Temporal or the wallet does not answer, or the worker is stopping', async () => {
    const down = await readiness(
      sources({
        client: temporalListing(new Error('14 UNAVAILABLE: connection refused')),
        walletAnswers: async () => {
          throw new Error('ECONNREFUSED 127.0.0.1:5433');
        },
        workerState: () => 'STOPPING',
      }),
    );
    expect(down).toMatchObject({ ok: false, worker: 'STOPPING', polling: false, wallet: false });
    expect(down.problems).toEqual([
      'worker is STOPPING',
      'Temporal: 14 UNAVAILABLE: connection refused',
      'wallet: ECONNREFUSED 127.0.0.1:5433',
    ]);
  });

  it('is not ready before the worker exists', async () => {
    expect(await readiness(sources({ workerState: () => undefined }))).toMatchObject({
      ok: false,
      worker: 'STARTING',
    });
  });
});
