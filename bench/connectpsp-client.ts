import { randomUUID } from 'node:crypto';
import { ConnectPspClient } from '../connectpsp/client';
import { SANDBOX_CREDENTIALS } from '../runtime/config';
import { startSandbox } from '../sandbox/server';
import type { BenchResult } from './result';

const CONCURRENCY = 16;
const RUNS = 3;

/** Runs `count` calls with at most CONCURRENCY in flight; returns calls per second. */
async function callsPerSecond(count: number, call: () => Promise<unknown>): Promise<number> {
  let started = 0;
  const worker = async () => {
    while (started < count) {
      started += 1;
      await call();
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return count / ((performance.now() - t0) / 1000);
}

async function medianOfRuns(label: string, count: number, call: () => Promise<unknown>): Promise<number> {
  const rates: number[] = [];
  for (let run = 0; run < RUNS; run++) rates.push(await callsPerSecond(count, call));
  const median = [...rates].sort((a, b) => a - b)[Math.floor(RUNS / 2)] ?? 0;
  console.log(
    `  ${label}: ${rates.map((r) => r.toFixed(0)).join(', ')} calls/s → median ${median.toFixed(0)}`,
  );
  return Math.round(median);
}

/**
 * ConnectPSP client throughput over loopback with keep-alive against an in-process sandbox:
 * getBalance (a GET, token cached) and createCashIn (a POST with validation, idempotency and a QR PNG).
 */
export async function benchConnectPspClient(): Promise<BenchResult> {
  const sandbox = await startSandbox({ port: 0 });
  const client = new ConnectPspClient({
    baseUrl: sandbox.url,
    credentials: { ...SANDBOX_CREDENTIALS },
    maxConnections: CONCURRENCY,
  });
  const createCashIn = () =>
    client.createCashIn(
      {
        externalReference: `bench-${randomUUID()}`,
        amountCents: 1_000,
        payer: { name: 'Bench Payer', document: '11144477735' },
      },
      { idempotencyKey: randomUUID() },
    );
  try {
    await callsPerSecond(200, () => client.getBalance());
    await callsPerSecond(50, createCashIn);
    console.log(`connectpsp-client (concurrency ${CONCURRENCY}, median of ${RUNS} runs)`);
    const getBalance = await medianOfRuns('getBalance x2000', 2_000, () => client.getBalance());
    const cashIn = await medianOfRuns('createCashIn x500', 500, createCashIn);
    return {
      name: 'connectpsp-client',
      figures: { 'getBalance calls/s': getBalance, 'createCashIn calls/s': cashIn },
    };
  } finally {
    await client.close();
    await sandbox.close();
  }
}
