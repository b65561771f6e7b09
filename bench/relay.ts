import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker } from '@temporalio/worker';
import pino from 'pino';
import { Agent, request } from 'undici';
import { webhookSignature } from '../domain/connectpsp/signatures';
import { startRelay } from '../relay/server';
import { parseConfig, SANDBOX_CREDENTIALS } from '../runtime/config';
import { freePort } from '../scripts/ports';
import { startDevServer, temporalCliPath } from '../scripts/temporal-dev-server';
import { type PspEventEnvelope, pspEventSignal } from '../workflows/messages';
import { quantile, ratio, runConcurrently } from './concurrency';
import { relayProbeWorkflow } from './relay-probe-workflow';
import type { BenchResult } from './result';
import { cashInEvent } from './webhook-events';

const EVENTS = 2_000;
const WARMUP = 200;
const CONCURRENCY = 32;
/** Webhooks sent one at a time, for the latency the relay adds by itself. */
const SEQUENTIAL = 200;
/** Probe workflows the events are spread over, so no single history grows large. */
const PROBES = 64;
const TASK_QUEUE = 'bench-relay';

interface Run {
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
}

/** Runs `count` calls with at most `concurrency` in flight; per-call latency in ms. */
async function measure(
  count: number,
  call: (index: number) => Promise<void>,
  concurrency = CONCURRENCY,
): Promise<Run> {
  const latencies: number[] = [];
  const seconds = await runConcurrently(count, concurrency, async (index) => {
    const t0 = performance.now();
    await call(index);
    latencies.push(performance.now() - t0);
  });
  return {
    perSecond: Math.round(count / seconds),
    p50: quantile(latencies, 0.5),
    p95: quantile(latencies, 0.95),
    p99: quantile(latencies, 0.99),
  };
}

/**
 * Webhook relay overhead on loopback: EVENTS signed CASHIN_PAID webhooks through the relay (HTTP,
 * signature check, schema validation, signal, 200) against the same number of direct Temporal
 * signals from the same client, both at CONCURRENCY, on a dev server of its own with a worker
 * running the probe workflows the events are routed to.
 */
export async function benchRelay(): Promise<BenchResult> {
  const workDir = mkdtempSync(path.join(tmpdir(), 'bench-relay-'));
  const server = await startDevServer({
    cliPath: temporalCliPath(),
    port: await freePort(),
    logFile: path.join(workDir, 'temporal.log'),
  });
  const client = new Client({ connection: await Connection.connect({ address: server.address }) });
  const workerConnection = await NativeConnection.connect({ address: server.address });
  const agent = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 10_000 });
  let relay: Awaited<ReturnType<typeof startRelay>> | undefined;
  let worker: { instance: Worker; running: Promise<void> } | undefined;
  try {
    const { code } = await bundleWorkflowCode({
      workflowsPath: require.resolve('./relay-probe-workflow'),
      logger: new DefaultLogger('WARN'),
    });
    const instance = await Worker.create({
      connection: workerConnection,
      taskQueue: TASK_QUEUE,
      workflowBundle: { code },
    });
    worker = { instance, running: instance.run() };
    relay = await startRelay({
      config: parseConfig({ CONNECTPSP_MODE: 'sandbox', TEMPORAL_TASK_QUEUE: TASK_QUEUE }),
      port: 0,
      host: '127.0.0.1',
      client,
      logger: pino({ level: 'silent' }),
    });

    const references = Array.from({ length: PROBES }, (_, i) => `bench-${Date.now()}-${i}`);
    await Promise.all(
      references.map((reference) =>
        client.workflow.start(relayProbeWorkflow, {
          taskQueue: TASK_QUEUE,
          workflowId: `cash-in:${reference}`,
        }),
      ),
    );
    const events: PspEventEnvelope[] = Array.from({ length: WARMUP + EVENTS }, (_, i) =>
      cashInEvent(references[i % PROBES] as string),
    );
    const signed = events.map((event) => {
      const body = JSON.stringify(event);
      return { body, signature: webhookSignature(body, SANDBOX_CREDENTIALS.cryptoToken) };
    });

    const webhookUrl = `${relay.url}/webhooks/connectpsp`;
    const viaRelay = async (index: number) => {
      const { body, signature } = signed[index] as { body: string; signature: string };
      const res = await request(webhookUrl, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'x-connect-signature': signature },
        dispatcher: agent,
      });
      await res.body.dump();
      if (res.statusCode !== 200) throw new Error(`relay answered ${res.statusCode}`);
    };
    const direct = async (index: number) => {
      const event = events[index] as PspEventEnvelope;
      await client.workflow
        .getHandle(`cash-in:${event.data.externalReference}`)
        .signal(pspEventSignal, event);
    };

    await measure(WARMUP, viaRelay);
    await measure(WARMUP, direct);
    const relayRun = await measure(EVENTS, (i) => viaRelay(WARMUP + i));
    const directRun = await measure(EVENTS, (i) => direct(WARMUP + i));
    // One at a time: what the relay itself adds to a webhook, without queueing behind others.
    const relayAlone = await measure(SEQUENTIAL, (i) => viaRelay(i), 1);
    const directAlone = await measure(SEQUENTIAL, (i) => direct(i), 1);
    console.log(`relay (${EVENTS} events, concurrency ${CONCURRENCY})`);
    for (const [label, run] of [
      ['via relay     ', relayRun],
      ['direct signal ', directRun],
    ] as const) {
      console.log(
        `  ${label} ${run.perSecond} req/s  p50 ${run.p50} ms  p95 ${run.p95} ms  p99 ${run.p99} ms`,
      );
    }
    return {
      name: 'relay',
      figures: {
        'relay webhooks/s': relayRun.perSecond,
        'relay p50 ms': relayRun.p50,
        'relay p95 ms': relayRun.p95,
        'relay p99 ms': relayRun.p99,
        'direct signals/s': directRun.perSecond,
        'direct p50 ms': directRun.p50,
        'direct p95 ms': directRun.p95,
        'direct p99 ms': directRun.p99,
        'relay/direct throughput': ratio(relayRun.perSecond, directRun.perSecond),
        'relay/direct p50 latency': ratio(relayRun.p50, directRun.p50),
        'c1 relay p50 ms': relayAlone.p50,
        'c1 direct p50 ms': directAlone.p50,
      },
    };
  } finally {
    await relay?.close();
    await agent.close();
    if (worker) {
      worker.instance.shutdown();
      await worker.running;
    }
    await workerConnection.close();
    await client.connection.close();
    await server.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}
