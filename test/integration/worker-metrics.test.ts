/**
 * The real worker process (dist/worker/main.js) serves /healthz, /readyz and /metrics on
 * WORKER_HTTP_PORT. After one cash-out lifecycle (with a forged webhook the PSP's record does not
 * bear out) its /metrics carries each metric docs/operations.md names, with the right labels: the
 * product's `pix_*` and the Temporal SDK's own `temporal_*`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookSignature } from '../../domain/connectpsp/signatures';
import { ledgerCheckScheduleId, orphanedHoldWorkflowId } from '../../operations/messages';
import { SANDBOX_CREDENTIALS } from '../../runtime/config';
import { freePort } from '../../scripts/ports';
import { waitFor } from '../../scripts/wait-for';
import { TEMPORAL_METRICS_WATCHED } from '../../worker/sdk-metrics';
import type { CashOutStatus } from '../../workflows/messages';
import { type LifecycleEnv, startLifecycleEnv } from '../helpers/lifecycle-env';
import { Scrape } from '../helpers/metrics-scrape';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process';

describe('the worker process: health, readiness and metrics', () => {
  let env: LifecycleEnv;
  let worker: WorkerProcess;
  let url: string;

  beforeAll(async () => {
    env = await startLifecycleEnv({ inProcessWorker: false });
    await env.setPspWallet({ transactional: 100_000, proprietary: 100_000 });
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    worker = await startWorkerProcess({
      taskQueue: env.taskQueue,
      sandboxUrl: env.sandbox.url,
      walletEnv: env.wallet.workerEnv(),
      env: { WORKER_HTTP_PORT: String(port), WORKER_GAUGES_INTERVAL_SECONDS: '1' },
    });
  }, 120_000);
  afterAll(async () => {
    if (process.env.DEBUG_WORKER_OUTPUT) process.stderr.write(worker?.output() ?? '');
    await worker?.stop();
    await env?.close();
  });

  it('answers /healthz, and /readyz once Temporal lists it polling and the wallet answers', async () => {
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    let ready: { ok: boolean; polling: boolean; wallet: boolean } | undefined;
    await waitFor(
      '/readyz to answer 200',
      async () => {
        const response = await fetch(`${url}/readyz`);
        ready = (await response.json()) as typeof ready;
        return response.status === 200;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(ready).toMatchObject({ ok: true, worker: 'RUNNING', polling: true, wallet: true, problems: [] });
  });

  it('after one cash-out, /metrics has every named metric with its labels', async () => {
    const input = env.cashOutInput({ reconcileIntervalSeconds: 3_600 });
    await env.fundUser(input.userId, 50_00);
    const handle = await env.startCashOut(input);
    const processing = await env.waitForState<CashOutStatus>(handle, 'PROCESSING', 60_000);

    // While it waits for the PSP, the gauges count it in PROCESSING.
    await waitFor(
      'the PROCESSING gauge',
      async () =>
        (await Scrape.of(url)).value('pix_lifecycles', { kind: 'CASH_OUT', state: 'PROCESSING' }) === 1,
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    const waiting = await Scrape.of(url);
    expect(
      waiting.value('pix_lifecycles_oldest_age_seconds', { kind: 'CASH_OUT', state: 'PROCESSING' }),
    ).toBeGreaterThan(0);

    // A signed webhook claiming a failure the PSP's record does not show: counted, nothing applied.
    const body = JSON.stringify({
      eventType: 'CASHOUT_FAILED',
      eventAt: new Date().toISOString(),
      data: {
        transactionId: processing.psp.transactionId,
        externalReference: input.reference,
        status: 'FAILED',
        amount: input.amountCents / 100,
        failure: { code: 'PIX_KEY_NOT_FOUND', message: 'forged' },
      },
    });
    const forged = await fetch(env.webhookUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-connect-signature': webhookSignature(body, SANDBOX_CREDENTIALS.cryptoToken),
      },
      body,
    });
    expect(forged.status).toBe(200);
    await env.waitForStatus<CashOutStatus>(handle, (s) => (s.psp.unconfirmedEvents ?? 0) === 1);

    await env.psp.control('POST', `/cash-out/${input.reference}/complete`);
    await env.waitForState<CashOutStatus>(handle, 'SETTLED', 30_000);
    await waitFor(
      'the lifecycle to be counted SETTLED',
      async () =>
        ((await Scrape.of(url)).value('pix_lifecycles_finished_total', {
          kind: 'CASH_OUT',
          outcome: 'SETTLED',
        }) ?? 0) >= 1,
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    const scrape = await Scrape.of(url);

    // Lifecycles: started and finished by kind and outcome; in each waiting state, NEEDS_REVIEW included.
    expect(scrape.value('pix_lifecycles_started_total', { kind: 'CASH_OUT' })).toBe(1);
    expect(scrape.value('pix_lifecycles_finished_total', { kind: 'CASH_OUT', outcome: 'SETTLED' })).toBe(1);
    for (const state of ['HOLDING', 'SENDING', 'TOPPING_UP', 'PROCESSING', 'NEEDS_REVIEW']) {
      expect(scrape.value('pix_lifecycles', { kind: 'CASH_OUT', state }), state).toBeDefined();
      expect(
        scrape.value('pix_lifecycles_oldest_age_seconds', { kind: 'CASH_OUT', state }),
        state,
      ).toBeDefined();
    }
    for (const state of ['CREATING', 'AWAITING_PAYMENT', 'PAID', 'REFUNDING', 'NEEDS_REVIEW']) {
      expect(scrape.value('pix_lifecycles', { kind: 'CASH_IN', state }), state).toBeDefined();
    }
    expect(scrape.value('pix_lifecycle_deadline_seconds', { kind: 'CASH_OUT', state: 'PROCESSING' })).toBe(
      23 * 3600 + 24 * 3600 + 3600,
    );
    expect(scrape.value('pix_orphaned_holds')).toBe(0);
    expect(scrape.value('pix_lifecycle_gauges_refreshed_timestamp_seconds')).toBeGreaterThan(0);

    // PSP calls by endpoint and outcome, with latency histograms; token renewals; webhook-vs-GET disagreements.
    expect(scrape.type('pix_psp_request_duration_seconds')).toBe('histogram');
    expect(
      scrape.value('pix_psp_request_duration_seconds', { endpoint: 'POST /cash-out', outcome: 'OK' }),
    ).toBe(1);
    expect(
      scrape.value('pix_psp_request_duration_seconds', { endpoint: 'GET /cash-out/{id}', outcome: 'OK' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      scrape.value('pix_psp_request_duration_seconds', { endpoint: 'POST /auth/token', outcome: 'OK' }),
    ).toBe(1);
    expect(scrape.value('pix_psp_token_renewals_total', { reason: 'first', outcome: 'ok' })).toBe(1);
    expect(scrape.value('pix_psp_unconfirmed_events_total', { kind: 'CASH_OUT' })).toBe(1);

    // Ledger transfer latency, by operation and outcome.
    expect(scrape.type('pix_ledger_transfer_duration_seconds')).toBe('histogram');
    expect(scrape.value('pix_ledger_transfer_duration_seconds', { operation: 'hold', outcome: 'OK' })).toBe(
      1,
    );
    expect(scrape.value('pix_ledger_transfer_duration_seconds', { operation: 'post', outcome: 'OK' })).toBe(
      1,
    );

    // The Temporal SDK's own: task slots, pollers, schedule-to-start, sticky cache, activity latency.
    expect(
      scrape.find('temporal_worker_task_slots_available', { worker_type: 'WorkflowWorker' }),
    ).not.toEqual([]);
    expect(scrape.find('temporal_num_pollers', { poller_type: 'workflow_task' })).not.toEqual([]);
    for (const name of TEMPORAL_METRICS_WATCHED) expect(scrape.type(name), name).toBeDefined();
    expect(scrape.type('temporal_workflow_task_schedule_to_start_latency')).toBe('histogram');
    expect(scrape.type('temporal_sticky_cache_size')).toBe('gauge');
    expect(
      scrape.value('temporal_activity_execution_latency', { activity_type: 'createCashOut' }),
    ).toBeGreaterThanOrEqual(1);
  }, 180_000);

  it('counts a hold whose lifecycle was terminated as orphaned, until it is resolved', async () => {
    const input = env.cashOutInput({ reconcileIntervalSeconds: 3_600 });
    await env.fundUser(input.userId, 30_00);
    const handle = await env.startCashOut(input);
    await env.waitForState<CashOutStatus>(handle, 'PROCESSING', 60_000);
    await handle.terminate('test: an operator pressed Terminate');
    await waitFor(
      'the orphaned hold to be counted',
      async () => (await Scrape.of(url)).value('pix_orphaned_holds') === 1,
      {
        timeoutMs: 20_000,
        intervalMs: 250,
      },
    );
    expect((await Scrape.of(url)).value('pix_orphaned_holds_cents')).toBe(input.amountCents);

    await env.psp.control('POST', `/cash-out/${input.reference}/complete`);
    const outcome = await env.client.workflow.execute('orphanedHoldWorkflow', {
      taskQueue: env.taskQueue,
      workflowId: orphanedHoldWorkflowId(`cash-out:${input.reference}:hold`),
      args: [{ holdTransferId: `cash-out:${input.reference}:hold`, reason: 'test', resolvedBy: 'test' }],
    });
    expect(outcome).toMatchObject({ decision: 'POSTED', pspStatus: 'COMPLETED' });
    await waitFor(
      'the orphaned hold to be gone',
      async () => (await Scrape.of(url)).value('pix_orphaned_holds') === 0,
      {
        timeoutMs: 20_000,
        intervalMs: 250,
      },
    );
    await env.expectLedgerMatchesPsp();
  }, 120_000);

  it('creates the daily ledger check Schedule; a check run sets the pix_ledger_check_* metrics', async () => {
    const schedule = await env.client.schedule.getHandle(ledgerCheckScheduleId(env.taskQueue)).describe();
    expect(schedule.spec.intervals).toMatchObject([{ every: 86_400_000 }]);
    expect(schedule.action).toMatchObject({ type: 'startWorkflow', workflowType: 'ledgerCheckWorkflow' });

    // The PSP holds far more than the users are owed here: the exposure check fails, the others pass.
    const report = await env.client.workflow.execute('ledgerCheckWorkflow', {
      taskQueue: env.taskQueue,
      workflowId: `ledger-check-test:${env.taskQueue}`,
      args: [{ thresholdCents: 100_00, holdLimitSeconds: 3600 }],
    });
    expect(report.checks.map((c: { name: string; status: string }) => [c.name, c.status])).toEqual([
      ['BALANCE', 'OK'],
      ['HOLD_AGE', 'OK'],
      ['ORPHANED_HOLDS', 'OK'],
      ['EXPOSURE', 'FAILED'],
    ]);
    const scrape = await Scrape.of(url);
    expect(scrape.value('pix_ledger_check_ok')).toBe(0);
    expect(scrape.value('pix_ledger_check_failed', { check: 'EXPOSURE' })).toBe(1);
    expect(scrape.value('pix_ledger_check_failed', { check: 'BALANCE' })).toBe(0);
    expect(scrape.value('pix_ledger_imbalance_cents')).toBe(0);
    expect(scrape.value('pix_ledger_exposure_gap_cents')).toBe(report.exposureGapCents);
    expect(scrape.value('pix_ledger_check_timestamp_seconds')).toBe(Date.parse(report.checkedAt) / 1000);
  });
});
