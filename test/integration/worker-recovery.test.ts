/**
 * A worker SIGKILLed during a PSP call: the server retries the call once its start-to-close
 * timeout passes (PSP_CALL_TIMEOUT_SECONDS, sized from the HTTP client's own timeouts; the call is
 * ended just before it), not after a blanket minute. The test measures the recovery against that
 * bound and shows, in the history, that the timeout is what recovered it.
 */
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../scripts/wait-for';
import type { CashOutStatus } from '../../workflows/messages';
import { type LifecycleEnv, startLifecycleEnv } from '../helpers/lifecycle-env';
import { startWorkerProcess } from '../helpers/worker-process';

/** The lifecycle's PSP call timeout in this test. */
const CALL_TIMEOUT_SECONDS = 5;
const RECONCILE_INTERVAL_SECONDS = 1;
/**
 * When the dead worker also held the workflow in its cache, the next workflow task waits for the
 * SDK's sticky schedule-to-start timeout (10 s) before going to another worker.
 */
const STICKY_TIMEOUT_SECONDS = 10;
/** Task dispatch on a loaded machine. */
const SLACK_SECONDS = 8;

// The PSP call is what this is about; the wallet is not on the path, so one wallet suffices.
describe('a worker killed during a PSP call', () => {
  let env: LifecycleEnv;
  beforeAll(async () => {
    env = await startLifecycleEnv({ inProcessWorker: false });
    await env.setPspWallet({ transactional: 100_000, proprietary: 100_000 });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('is recovered within the call timeout: the attempt times out, the same key is sent again, the PIX settles once', async () => {
    // Two replicas, as in production: the one running the call dies; the other carries on.
    const processEnv = {
      taskQueue: env.taskQueue,
      sandboxUrl: env.sandbox.url,
      walletEnv: env.wallet.workerEnv(),
    };
    const workers = [await startWorkerProcess(processEnv), await startWorkerProcess(processEnv)];
    const cashOut = env.cashOutInput({
      pspCallTimeoutSeconds: CALL_TIMEOUT_SECONDS,
      reconcileIntervalSeconds: RECONCILE_INTERVAL_SECONDS,
    });
    await env.fundUser(cashOut.userId, 50_00);
    // The PSP takes 2 s to accept this cash-out: the worker dies in the middle of the call.
    await env.psp.control('POST', '/faults', {
      kind: 'latency',
      latencyMs: 2_000,
      method: 'POST',
      path: '/cash-out',
    });
    try {
      const handle = await env.startCashOut(cashOut);
      let runningOn = '';
      await waitFor(
        'createCashOut to be running on a worker',
        async () => {
          const { pendingActivities } = await handle.describe().then((d) => d.raw);
          const send = (pendingActivities ?? []).find(
            (a) =>
              a.activityType?.name === 'createCashOut' &&
              a.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED,
          );
          runningOn = send?.lastWorkerIdentity ?? '';
          return runningOn !== '';
        },
        { timeoutMs: 30_000, intervalMs: 50 },
      );
      const victim = workers.find((w) => runningOn.startsWith(`${w.child.pid}@`));
      expect(victim, `the call runs on ${runningOn}`).toBeDefined();
      const killedAt = Date.now();
      await victim?.kill();

      const processing = await env.waitForState<CashOutStatus>(handle, 'PROCESSING', 60_000);
      const recoveredInSeconds = (Date.now() - killedAt) / 1000;
      // Bounded by the call's timeout, not the minute PSP activities used to get.
      const bound =
        CALL_TIMEOUT_SECONDS + STICKY_TIMEOUT_SECONDS + RECONCILE_INTERVAL_SECONDS + SLACK_SECONDS;
      expect(recoveredInSeconds).toBeLessThan(bound);

      const { events } = await handle.fetchHistory();
      const timedOut = (events ?? []).filter((e) => e.activityTaskTimedOutEventAttributes);
      expect(
        timedOut.map((e) => e.activityTaskTimedOutEventAttributes?.failure?.timeoutFailureInfo?.timeoutType),
      ).toEqual([temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE]);
      expect(processing.review).toMatchObject({ step: 'SEND' });

      await env.psp.control('POST', `/cash-out/${processing.psp.transactionId}/complete`);
      await env.waitForState<CashOutStatus>(handle, 'SETTLED', 30_000);
      expect((await env.pspTransactions(cashOut.reference)).cashOuts).toHaveLength(1);
      await env.expectLedgerMatchesPsp();
    } finally {
      await env.psp.control('DELETE', '/faults');
      for (const worker of workers) await worker.stop();
    }
  }, 120_000);
});
