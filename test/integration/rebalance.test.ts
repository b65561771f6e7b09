import { ScheduleOverlapPolicy } from '@temporalio/client';
import { beforeEach, describe, expect, it } from 'vitest';
import { reaisToCents } from '../../domain/money';
import { ensureRebalanceSchedule, executeRebalance } from '../../runtime/rebalance-door';
import {
  type RebalanceRunResult,
  type RebalanceStatus,
  type RebalanceTrigger,
  rebalanceTriggerSignal,
  statusQuery,
} from '../../workflows/messages';
import { rebalanceWorkflowId } from '../../workflows/workflow-ids';
import { useLifecycleEnv } from '../helpers/lifecycle-env';
import { WALLET_BACKENDS } from '../helpers/test-wallet';

/** [a, b], [b, c], … */
function pairs<T>(items: readonly T[]): Array<[T, T]> {
  return items.slice(1).map((next, i) => [items[i] as T, next]);
}

interface LoggedRequest {
  method: string;
  path: string;
  status: number | null;
  at: string;
}

describe.each(WALLET_BACKENDS)('rebalance (dev server + sandbox over HTTP, %s wallet)', (walletBackend) => {
  const env = useLifecycleEnv({ walletBackend });
  beforeEach(async () => {
    await env.psp.control('DELETE', '/faults');
  });

  const manual = (thresholdCents: number): RebalanceTrigger => ({
    source: 'MANUAL',
    thresholdCents,
    requestedBy: 'test',
  });
  const rebalanceNow = (trigger: RebalanceTrigger) =>
    executeRebalance(env.client, { taskQueue: env.taskQueue, trigger });
  const exposure = () => env.wallet.port.exposureCents();
  const pspTransactional = async () =>
    reaisToCents((await env.psp.call('GET', '/account/balance')).body.consolidated.transactionalBalance);
  const rebalanceCalls = async (): Promise<LoggedRequest[]> =>
    (await env.psp.control('GET', '/requests')).body.requests.filter(
      (r: LoggedRequest) => r.method === 'POST' && r.path === '/account/rebalance',
    );

  it('tops the PSP up to the exposure when the gap exceeds the threshold, and sweeps surplus back', async () => {
    await env.setPspWallet({ transactional: 10, proprietary: 1_000 });
    await env.fundUser(env.unique('user'), 150_00);
    const target = await exposure();

    const topUp = await rebalanceNow(manual(100_00));
    expect(topUp).toMatchObject({
      outcome: 'REBALANCED',
      sources: ['MANUAL'],
      exposureCents: target,
      beforeCents: 10_00,
      targetCents: target,
      afterCents: target,
      movedCents: target - 10_00,
      failure: null,
    });
    expect(await pspTransactional()).toBe(target);

    await env.setPspWallet({ transactional: 900, proprietary: 0 });
    const sweep = await rebalanceNow(manual(100_00));
    expect(sweep).toMatchObject({ outcome: 'REBALANCED', beforeCents: 900_00, afterCents: target });
    expect(sweep.movedCents).toBe(target - 900_00);
    expect(await pspTransactional()).toBe(target);
  });

  it('leaves the PSP alone while the gap is within the threshold', async () => {
    await env.setPspWallet({ transactional: 0, proprietary: 1_000 });
    await rebalanceNow(manual(0));
    const callsBefore = (await rebalanceCalls()).length;
    await env.fundUser(env.unique('user'), 50_00);

    const skipped = await rebalanceNow(manual(50_00));
    expect(skipped).toMatchObject({ outcome: 'BELOW_THRESHOLD', movedCents: 0 });
    expect(skipped.exposureCents - skipped.beforeCents).toBe(50_00);
    expect((await rebalanceCalls()).length).toBe(callsBefore);

    const moved = await rebalanceNow(manual(49_99));
    expect(moved).toMatchObject({ outcome: 'REBALANCED', movedCents: 50_00 });
    expect((await rebalanceCalls()).length).toBe(callsBefore + 1);
  });

  it('reports a top-up the proprietary side cannot cover as FAILED', async () => {
    await env.setPspWallet({ transactional: 0, proprietary: 0 });
    const failed = await rebalanceNow(manual(0));
    expect(failed).toMatchObject({
      outcome: 'FAILED',
      failure: { code: 'INSUFFICIENT_FUNDS' },
      movedCents: 0,
    });
    await env.setPspWallet({ transactional: 0, proprietary: 1_000 });
  });

  it('never has two rebalance calls in flight under a burst of triggers', async () => {
    await env.setPspWallet({ transactional: 0, proprietary: 10_000 });
    const latencyMs = 150;
    await env.psp.control('POST', '/faults', {
      kind: 'latency',
      latencyMs,
      rate: 1, // every call, not only the first (a fault without count or rate fires once)
      method: 'POST',
      path: '/account/rebalance',
    });
    const callsBefore = (await rebalanceCalls()).length;
    const coordinator = env.client.workflow.getHandle(rebalanceWorkflowId(env.taskQueue));
    const runsBefore = ((await coordinator.query(statusQuery)) as RebalanceStatus).runs;

    // Exposure moves while the triggers pour in, so several runs really call the PSP.
    const results: Array<Promise<RebalanceRunResult>> = [];
    for (let i = 0; i < 12; i++) {
      await env.fundUser(env.unique('user'), 1_00);
      results.push(rebalanceNow(manual(0)));
      if (i % 3 === 0)
        await coordinator.signal(rebalanceTriggerSignal, { source: 'MANUAL', thresholdCents: 0 });
    }
    const settled = await Promise.all(results);
    expect(settled.every((r) => r.outcome !== 'FAILED')).toBe(true);
    const final = await rebalanceNow(manual(0));
    expect(final.outcome).toBe('BELOW_THRESHOLD');
    expect(await pspTransactional()).toBe(await exposure());

    const calls = (await rebalanceCalls()).slice(callsBefore);
    expect(calls.length).toBeGreaterThan(1);
    const status = (await coordinator.query(statusQuery)) as RebalanceStatus;
    const burstRuns = status.recent.filter((r) => r.run > runsBefore);
    expect(burstRuns).toHaveLength(status.runs - runsBefore); // all still among the recent ones
    const rebalancedRuns = burstRuns.filter((r) => r.outcome === 'REBALANCED');
    expect(calls.length).toBe(rebalancedRuns.length);
    // Each call is held `latencyMs` by the sandbox: had two overlapped, they would have arrived closer together.
    const arrivals = calls.map((c) => Date.parse(c.at)).sort((a, b) => a - b);
    for (const [previous, next] of pairs(arrivals)) expect(next - previous).toBeGreaterThanOrEqual(latencyMs);
    // Runs are serial: each started after the previous finished.
    const runs = [...burstRuns].sort((a, b) => a.run - b.run);
    for (const [previous, next] of pairs(runs)) {
      expect(Date.parse(next.startedAt)).toBeGreaterThanOrEqual(Date.parse(previous.finishedAt));
    }
  });

  it('ensures the Schedule idempotently (overlap SKIP) and its runs go through the coordinator', async () => {
    await env.setPspWallet({ transactional: 0, proprietary: 10_000 });
    const options = { taskQueue: env.taskQueue, intervalSeconds: 1, thresholdCents: 0 };
    const first = await ensureRebalanceSchedule(env.client, options);
    const again = await ensureRebalanceSchedule(env.client, { ...options, thresholdCents: 5_00 });
    expect(first.created).toBe(true);
    expect(again).toEqual({ scheduleId: first.scheduleId, created: false });
    const schedule = env.client.schedule.getHandle(first.scheduleId);
    try {
      const description = await schedule.describe();
      expect(description.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
      expect(description.action).toMatchObject({
        workflowType: 'scheduledRebalanceWorkflow',
        args: [{ thresholdCents: 5_00 }],
      });

      const coordinator = env.client.workflow.getHandle(rebalanceWorkflowId(env.taskQueue));
      const deadline = Date.now() + 15_000;
      let scheduledRun: RebalanceRunResult | undefined;
      while (!scheduledRun && Date.now() < deadline) {
        const status = (await coordinator.query(statusQuery)) as RebalanceStatus;
        scheduledRun = status.recent.find((r) => r.sources.includes('SCHEDULE'));
        if (!scheduledRun) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(scheduledRun).toMatchObject({ thresholdCents: 5_00 });
    } finally {
      await schedule.delete();
    }
  });
});
