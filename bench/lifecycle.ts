import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type Client, WithStartWorkflowOperation } from '@temporalio/client';
import pg from 'pg';
import { connectPaymentsClient } from '../client/connect';
import type { PaymentsClient } from '../client/payments-client';
import { ConnectPspClient } from '../connectpsp/client';
import { transferIds } from '../domain/ledger';
import { configSchema, SANDBOX_CREDENTIALS } from '../runtime/config';
import { connectClient, temporalTarget } from '../runtime/temporal-connection';
import { workerCapacity } from '../runtime/worker-capacity';
import { awaitStateUpdate } from '../workflows/messages';
import { cashInWorkflowId, cashOutWorkflowId } from '../workflows/workflow-ids';
import {
  type BareLifecycleInput,
  bareAwaitStateUpdate,
  bareCashIn,
  bareCashOut,
  bareEventSignal,
  bareStartUpdate,
} from './bare-lifecycle-workflows';
import { type BenchStack, rssMb, startBenchStack } from './bench-stack';
import { quantile, ratio, runConcurrently } from './concurrency';
import type { BenchResult } from './result';

const CONCURRENCY = 32;
const WARMUP = 40;
/** Sequential lifecycles for the concurrency-1 latency. */
const SEQUENTIAL = 30;
/** Charges left unpaid (open and cached) to weigh one cached lifecycle, as many as the cache has room for. */
const CACHED_PROBE = 300;
const BARE_TASK_QUEUE = 'bench-bare';
const TASK_QUEUE = 'bench-payments';
const PAYER = { name: 'Ana Maria Souza', document: '52998224725' };
const PAYEE = { name: 'Bruno Lima', document: '52998224725', pixKey: 'payee@example.com' };
/**
 * The bare shape stays open once settled as long as the real lifecycle: its grace window
 * (LIFECYCLE_CLOSE_GRACE_SECONDS, the stack's default), after which it closes (docs/lifecycles.md).
 */
const BARE = {
  reconcileIntervalSeconds: 60,
  settledWindowSeconds: configSchema.shape.LIFECYCLE_CLOSE_GRACE_SECONDS.parse(undefined),
} satisfies BareLifecycleInput;

/** How many cash-in lifecycles to settle (`npm run bench -- --lifecycles=10000`); default 1,000. */
function lifecycleCount(): number {
  const flag = process.argv.find((arg) => arg.startsWith('--lifecycles='));
  const count = flag ? Number(flag.split('=')[1]) : 1_000;
  if (!Number.isInteger(count) || count < 100) throw new Error('--lifecycles must be a whole number >= 100');
  return count;
}

interface Timings {
  /** start → QR (cash-in) or → accepted (cash-out), ms */
  started: number[];
  /** start → SETTLED, ms */
  settled: number[];
}

const emptyTimings = (): Timings => ({ started: [], settled: [] });

/**
 * Cash-in and cash-out lifecycles end to end on the `npm start` stack (worker, sandbox, relay and
 * ledger each its own process), side by side with bare Temporal workflows of the same shape on the
 * same server: throughput and ratio, start → QR, webhook → wallet credited, start → SETTLED at
 * concurrency 1 against the sandbox's own latency, the worker's RSS per cached lifecycle and after
 * N settled lifecycles, and the workflows still open then.
 */
export async function benchLifecycles(): Promise<BenchResult> {
  const lifecycles = lifecycleCount();
  const cashOuts = Math.min(lifecycles, 1_000);
  const run = Date.now().toString(36);
  const stack = await startBenchStack({
    TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    LOG_LEVEL: 'info',
    REBALANCE_INTERVAL_SECONDS: '86400',
  });
  let payments: PaymentsClient | undefined;
  let client: Client | undefined;
  try {
    stack.spawn('bare-worker', 'bench/bare-worker.js', { TEMPORAL_TASK_QUEUE: BARE_TASK_QUEUE });
    await stack.waitForPoller(BARE_TASK_QUEUE);
    payments = await connectPaymentsClient({ env: stack.env, stackFile: null });
    client = await connectClient(temporalTarget(stack.config, stack.env));
    await payments.sandbox.setBehaviour({ autoCompleteCashOutAfterMs: 0 });
    const real = realLifecycles(payments, client, run);
    const bare = bareLifecycles(client, run);
    const workerPid = stack.entry('worker').pid as number;
    const barePid = stack.entry('bare-worker').pid as number;
    const figures: Record<string, number> = {};
    const log = (line: string) => console.log(`  ${line}`);
    console.log(`lifecycle (concurrency ${CONCURRENCY}, ${lifecycles} cash-ins, ${cashOuts} cash-outs)`);

    figures['worker RSS MB idle'] = await settledRss(workerPid);
    figures['bare worker RSS MB idle'] = await settledRss(barePid);
    await runConcurrently(WARMUP, 8, (i) => real.cashIn(`warm-${i}`, emptyTimings()));
    await runConcurrently(WARMUP, 8, (i) => bare.cashIn(`warm-${i}`, emptyTimings()));

    // One cached lifecycle: charges left unpaid stay open in the worker's cache (the warm-up's too).
    const probe = Math.min(CACHED_PROBE, workerCapacity(stack.config).maxCachedWorkflows - WARMUP - 10);
    const rssBefore = await settledRss(workerPid);
    await runConcurrently(probe, CONCURRENCY, (i) => real.unpaidCashIn(`cached-${i}`));
    const rssCached = await settledRss(workerPid);
    figures['worker MB per cached lifecycle'] = Math.round(((rssCached - rssBefore) / probe) * 1000) / 1000;
    log(`worker RSS ${rssBefore} MB → ${rssCached} MB with ${probe} more cached lifecycles`);
    const bareBefore = await settledRss(barePid);
    await runConcurrently(probe, CONCURRENCY, (i) => bare.started(`cached-${i}`));
    const bareCached = await settledRss(barePid);
    figures['bare worker MB per cached lifecycle'] =
      Math.round(((bareCached - bareBefore) / probe) * 1000) / 1000;
    log(`bare worker RSS ${bareBefore} MB → ${bareCached} MB with ${probe} more cached`);
    await Promise.all(
      Array.from({ length: probe }, async (_, i) => {
        await (client as Client).workflow
          .getHandle(cashInWorkflowId(`${run}-cached-${i}`))
          .terminate('benchmark probe');
        await (client as Client).workflow.getHandle(bare.idOf('cached', i)).terminate('benchmark probe');
      }),
    );

    // Concurrency 1: start → SETTLED against the sandbox's own latency for the same calls.
    const sequential = emptyTimings();
    for (let i = 0; i < SEQUENTIAL; i++) await real.cashIn(`seq-${i}`, sequential);
    const bareSequential = emptyTimings();
    for (let i = 0; i < SEQUENTIAL; i++) await bare.cashIn(`seq-${i}`, bareSequential);
    const sandboxOwn = await sandboxLatency(payments, run);
    const creditedC1 = await webhookToCredited(stack, run, 'seq', SEQUENTIAL);
    const settledP50 = quantile(sequential.settled, 0.5);
    const sandboxP50 = quantile(sandboxOwn, 0.5);
    Object.assign(figures, {
      'c1 start→SETTLED p50 ms': settledP50,
      'c1 bare start→SETTLED p50 ms': quantile(bareSequential.settled, 0.5),
      'c1 sandbox own p50 ms': sandboxP50,
      'c1 start→SETTLED minus sandbox ms': Math.round((settledP50 - sandboxP50) * 10) / 10,
      'c1 start→QR p50 ms': quantile(sequential.started, 0.5),
      'c1 webhook→credited p50 ms': quantile(creditedC1, 0.5),
    });

    // Throughput, side by side.
    const cashIn = emptyTimings();
    const cashInSeconds = await runConcurrently(lifecycles, CONCURRENCY, (i) =>
      real.cashIn(`ci-${i}`, cashIn),
    );
    const bareIn = emptyTimings();
    const bareInSeconds = await runConcurrently(lifecycles, CONCURRENCY, (i) =>
      bare.cashIn(`ci-${i}`, bareIn),
    );
    const credited = await webhookToCredited(stack, run, 'ci', lifecycles);
    Object.assign(figures, {
      'cash-in lifecycles/s': Math.round((lifecycles / cashInSeconds) * 10) / 10,
      'bare cash-in lifecycles/s': Math.round((lifecycles / bareInSeconds) * 10) / 10,
      'cash-in start→QR p50 ms': quantile(cashIn.started, 0.5),
      'cash-in start→QR p99 ms': quantile(cashIn.started, 0.99),
      'bare start→update p50 ms': quantile(bareIn.started, 0.5),
      'bare start→update p99 ms': quantile(bareIn.started, 0.99),
      'webhook→credited p50 ms': quantile(credited, 0.5),
      'webhook→credited p99 ms': quantile(credited, 0.99),
      'cash-in start→SETTLED p50 ms': quantile(cashIn.settled, 0.5),
      'bare start→SETTLED p50 ms': quantile(bareIn.settled, 0.5),
    });
    figures['cash-in/bare throughput'] = ratio(lifecycles / cashInSeconds, lifecycles / bareInSeconds);
    log(`cash-in done; webhook → credited matched for ${credited.length} of ${lifecycles}`);

    // After N settled: the worker's memory, and what is still open.
    const after = `after ${lifecycles} settled`;
    figures[`worker RSS MB ${after}`] = await settledRss(workerPid);
    figures[`bare worker RSS MB ${after}`] = await settledRss(barePid);
    figures[`open lifecycles ${after}`] = await openWorkflows(
      client,
      `WorkflowType IN ('cashInWorkflow', 'cashOutWorkflow')`,
    );
    figures[`open bare ${after}`] = await openWorkflows(client, `TaskQueue = '${BARE_TASK_QUEUE}'`);

    // Cash-outs of the users the cash-ins funded.
    const cashOut = emptyTimings();
    const cashOutSeconds = await runConcurrently(cashOuts, CONCURRENCY, (i) =>
      real.cashOut(`ci-${i}`, cashOut),
    );
    const bareOut = emptyTimings();
    const bareOutSeconds = await runConcurrently(cashOuts, CONCURRENCY, (i) =>
      bare.cashOut(`co-${i}`, bareOut),
    );
    Object.assign(figures, {
      'cash-out lifecycles/s': Math.round((cashOuts / cashOutSeconds) * 10) / 10,
      'bare cash-out lifecycles/s': Math.round((cashOuts / bareOutSeconds) * 10) / 10,
      'cash-out start→accepted p50 ms': quantile(cashOut.started, 0.5),
      'cash-out start→SETTLED p50 ms': quantile(cashOut.settled, 0.5),
    });
    figures['cash-out/bare throughput'] = ratio(cashOuts / cashOutSeconds, cashOuts / bareOutSeconds);
    return { name: 'lifecycle', figures };
  } finally {
    await payments?.close();
    await client?.connection.close();
    await stack.stop();
  }
}

/** Waits for a SETTLED lifecycle through the awaitState update (no polling). */
async function untilState(client: Client, workflowId: string, update: 'real' | 'bare'): Promise<void> {
  const handle = client.workflow.getHandle(workflowId);
  for (let attempt = 0; attempt < 5; attempt++) {
    const state =
      update === 'real'
        ? (await handle.executeUpdate(awaitStateUpdate, { args: [{ states: ['SETTLED'], waitSeconds: 60 }] }))
            .state
        : await handle.executeUpdate(bareAwaitStateUpdate, { args: [{ state: 'SETTLED', waitSeconds: 60 }] });
    if (state === 'SETTLED') return;
  }
  throw new Error(`${workflowId} did not settle`);
}

/** The real lifecycles through the client library: the payer pays in the sandbox, whose webhook goes through the relay. */
function realLifecycles(payments: PaymentsClient, client: Client, run: string) {
  return {
    async cashIn(key: string, timings: Timings): Promise<void> {
      const reference = `${run}-${key}`;
      const t0 = performance.now();
      await payments.startCashIn({
        reference,
        userId: `${run}-user-${key}`,
        amountCents: 100_00,
        payer: PAYER,
      });
      timings.started.push(performance.now() - t0);
      await payments.sandbox.payCashIn(reference);
      await untilState(client, cashInWorkflowId(reference), 'real');
      timings.settled.push(performance.now() - t0);
    },
    async unpaidCashIn(key: string): Promise<void> {
      const reference = `${run}-${key}`;
      await payments.startCashIn({
        reference,
        userId: `${run}-user-${key}`,
        amountCents: 1_00,
        payer: PAYER,
      });
    },
    /** `key`: the cash-in whose user pays out half of what came in. */
    async cashOut(key: string, timings: Timings): Promise<void> {
      const reference = `${run}-out-${key}`;
      const t0 = performance.now();
      await payments.startCashOut({
        reference,
        userId: `${run}-user-${key}`,
        amountCents: 50_00,
        payee: PAYEE,
      });
      timings.started.push(performance.now() - t0);
      await untilState(client, cashOutWorkflowId(reference), 'real');
      timings.settled.push(performance.now() - t0);
    },
  };
}

/** The bare shapes: the bench sends the event a webhook would bring. */
function bareLifecycles(client: Client, run: string) {
  const idOf = (workflow: typeof bareCashIn, key: string) => `bare-${workflow.name}-${run}-${key}`;
  const start = (workflow: typeof bareCashIn, key: string) =>
    client.workflow.executeUpdateWithStart(bareStartUpdate, {
      startWorkflowOperation: new WithStartWorkflowOperation(workflow, {
        workflowId: idOf(workflow, key),
        taskQueue: BARE_TASK_QUEUE,
        args: [BARE],
        workflowIdConflictPolicy: 'FAIL',
      }),
    });
  const lifecycle = (workflow: typeof bareCashIn) => async (key: string, timings: Timings) => {
    const t0 = performance.now();
    await start(workflow, key);
    timings.started.push(performance.now() - t0);
    await client.workflow.getHandle(idOf(workflow, key)).signal(bareEventSignal);
    await untilState(client, idOf(workflow, key), 'bare');
    timings.settled.push(performance.now() - t0);
  };
  return {
    cashIn: lifecycle(bareCashIn),
    cashOut: lifecycle(bareCashOut),
    /** A bare cash-in left waiting for its event (open and cached), like an unpaid charge. */
    started: async (key: string) => void (await start(bareCashIn, key)),
    idOf: (prefix: string, index: number) => idOf(bareCashIn, `${prefix}-${index}`),
  };
}

/** The PSP calls of one paid cash-in made directly, one after another: POST /cash-in, the payer pays, GET. */
async function sandboxLatency(payments: PaymentsClient, run: string): Promise<number[]> {
  const psp = new ConnectPspClient({
    baseUrl: payments.sandbox.url,
    credentials: { ...SANDBOX_CREDENTIALS },
  });
  try {
    const latencies: number[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) {
      const externalReference = `${run}-direct-${i}`;
      const t0 = performance.now();
      const created = await psp.createCashIn(
        { externalReference, amountCents: 100_00, payer: PAYER },
        { idempotencyKey: randomUUID() },
      );
      await payments.sandbox.payCashIn(externalReference);
      await psp.getCashIn(created.transactionId);
      latencies.push(performance.now() - t0);
    }
    return latencies;
  } finally {
    await psp.close();
  }
}

/**
 * Webhook received by the relay (its log line's time less its handling latency) → the credit
 * transfer's commit time in the ledger, per cash-in of this run.
 */
async function webhookToCredited(
  stack: BenchStack,
  run: string,
  key: string,
  count: number,
): Promise<number[]> {
  const received = new Map<string, number>();
  for (const line of readFileSync(stack.entry('relay').log as string, 'utf8').split('\n')) {
    if (!line.includes('"CASHIN_PAID"')) continue;
    const entry = JSON.parse(line) as {
      time: number;
      latencyMs: number;
      reference?: string;
      outcome: string;
    };
    if (entry.outcome !== 'delivered' || !entry.reference?.startsWith(`${run}-${key}-`)) continue;
    if (!received.has(entry.reference)) received.set(entry.reference, entry.time - entry.latencyMs);
  }
  const db = new pg.Client({ connectionString: stack.env.LEDGER_DATABASE_URL });
  await db.connect();
  try {
    const ids = Array.from({ length: count }, (_, i) => transferIds.cashInCredit(`${run}-${key}-${i}`));
    const { rows } = await db.query<{ id: string; ms: number }>(
      'SELECT id, extract(epoch FROM created_at) * 1000 AS ms FROM ledger_transfers WHERE id = ANY($1)',
      [ids],
    );
    return rows.flatMap((row) => {
      const at = received.get(row.id.replace(/^cash-in:/, '').replace(/:credit$/, ''));
      return at === undefined ? [] : [Number(row.ms) - at];
    });
  } finally {
    await db.end();
  }
}

/** RSS once the process had a moment to collect garbage after the last burst. */
async function settledRss(pid: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  return rssMb(pid);
}

async function openWorkflows(client: Client, query: string): Promise<number> {
  // Visibility is eventually consistent: give the last closes a moment to show.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const { count } = await client.workflow.count(`${query} AND ExecutionStatus = 'Running'`);
  return count;
}
