/**
 * A burst as a platform makes one (payday, the end of a match), on the stack `npm start` runs:
 * BURST cash-ins started at once through the client library, each then waited on with
 * `waitForOutcome` once the payers paid (the sandbox, its own webhooks withheld); then BURST signed
 * CASHIN_PAID webhooks posted at once to the relay, each sent again as a PSP would while it is
 * answered 503 (after its Retry-After). Prints completions, errors by type, start → QR and
 * webhook → credited p50/p99 and the worker's peak RSS.
 *
 *   npm run bench                                     # every benchmark, this one with 1,000
 *   npm run build && node dist/bench/burst.js --burst 200
 */
import { Agent, request as httpRequest } from 'undici';
import { connectPaymentsClient } from '../client/connect';
import { TemporalUnreachableError } from '../client/errors';
import type { PaymentsClient } from '../client/payments-client';
import type { CashIn } from '../domain/connectpsp';
import { webhookSignature } from '../domain/connectpsp/signatures';
import type { CashInInput } from '../domain/validation';
import { parseConfig, SANDBOX_CREDENTIALS } from '../runtime/config';
import { type StackChild, startStackChild } from '../scripts/stack-child';
import { waitFor } from '../scripts/wait-for';
import { peakRssMb, percentile, Tally, treeCpuSeconds } from './burst-figures';
import type { BenchResult } from './result';

export const DEFAULT_BURST = 1_000;
const MAX_BURST = 100_000;
/** Long enough for the whole burst: a wait or a webhook still pending then is counted lost. */
const GIVE_UP_MS = 15 * 60_000;
/** How many sandbox payments are made at once (setting the scene, not measured). */
const PAYERS = 32;

/** `--burst N` (or `--burst=N`) among the command-line arguments; DEFAULT_BURST without it. */
export function burstSizeFrom(argv: readonly string[]): number {
  const index = argv.findIndex((a) => a === '--burst' || a.startsWith('--burst='));
  if (index < 0) return DEFAULT_BURST;
  const arg = argv[index] as string;
  const text = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[index + 1];
  const size = Number(text);
  if (!Number.isSafeInteger(size) || size < 1 || size > MAX_BURST) {
    throw new Error(`--burst must be a whole number from 1 to ${MAX_BURST}, got ${JSON.stringify(text)}`);
  }
  return size;
}

export async function benchBurst(size = DEFAULT_BURST): Promise<BenchResult> {
  const stack = await startStackChild('pix-bench-burst');
  let payments: PaymentsClient | undefined;
  let succeeded = false;
  try {
    payments = await connectPaymentsClient({
      env: stack.env,
      stackFile: stack.stackFile,
      // A batch started at once moves only as fast as the stack takes it: each start may wait its
      // turn for as long as the batch takes. With the default (60 s), starts still queued after a
      // minute fail with TemporalOverloadedError, as an interactive caller wants.
      calls: { writeTimeoutMs: GIVE_UP_MS },
    });
    const result = await runBurst(stack, payments, size);
    succeeded = true;
    return result;
  } finally {
    await payments?.close();
    await stack.stop();
    if (!succeeded) process.stderr.write(stack.logTails());
    stack.remove();
  }
}

async function runBurst(stack: StackChild, payments: PaymentsClient, size: number): Promise<BenchResult> {
  const sandboxUrl = stack.url('sandbox');
  const webhookUrl = `${stack.url('relay')}${parseConfig(stack.env).RELAY_WEBHOOK_PATH}`;
  // The bench posts every webhook itself, so it knows when each was sent and what it was answered.
  await sandboxFault(sandboxUrl, { kind: 'withholdWebhook', rate: 1 });
  const errors = new Tally();
  const webhookAnswers = new Tally();
  const peakQueued = watchPeakQueued(payments);

  const run = Date.now().toString(36);
  const requests: CashInInput[] = Array.from({ length: size }, (_, i) => ({
    reference: `burst-${run}-${i}`,
    userId: `burst-${run}-u${i % 100}`,
    amountCents: 10_00 + (i % 1000),
    payer: { name: 'Ana Maria Souza', document: '52998224725' },
  }));

  const cpu = watchCpu(stack);
  // 1. Every cash-in at once; each answers its QR code.
  const burstStarted = performance.now();
  const startToQr = await Promise.all(
    requests.map(async (r) => {
      const t0 = performance.now();
      try {
        await payments.startCashIn(r);
        return performance.now() - t0;
      } catch (err) {
        errors.add(`start: ${errorName(err)}`);
        return null;
      }
    }),
  );
  const startsMs = performance.now() - burstStarted;
  const started = requests.filter((_, i) => startToQr[i] !== null);

  // 2. The payers pay; the PSP's webhooks stay withheld (setting the scene, not measured).
  const paid = await mapPooled(started, PAYERS, (r) => payments.sandbox.payCashIn(r.reference));

  // 3. Each is waited on, all at once; the workflows know nothing of the payments yet.
  const settledAt = new Map<string, number>();
  const waits = Promise.all(
    started.map((r) =>
      payments.waitForOutcome(r.reference, { timeoutMs: GIVE_UP_MS, kind: 'CASH_IN' }).then(
        (p) => {
          if (p.state === 'SETTLED') settledAt.set(r.reference, performance.now());
          else errors.add(`outcome: ${p.state}`);
        },
        (err: unknown) => errors.add(`wait: ${errorName(err)}`),
      ),
    ),
  );

  await waitFor('every wait to be listening', () => payments.callStats().waitsInFlight >= started.length, {
    timeoutMs: GIVE_UP_MS,
    intervalMs: 100,
  });

  // 4. Every webhook at once, each sent again after a 503 as the PSP would, until acknowledged.
  const agent = new Agent({ keepAliveTimeout: 30_000 });
  const webhooksStarted = performance.now();
  const deliveries = await Promise.all(
    paid.map((data) => deliverUntilAcknowledged(agent, webhookUrl, data, webhookAnswers)),
  );
  const webhooksMs = performance.now() - webhooksStarted;
  await waits;
  const allSettledMs = performance.now() - webhooksStarted;
  await agent.close();
  peakQueued.stop();
  const cpuSeconds = cpu.used();

  const webhookToCredited = paid.flatMap((data, i) => {
    const delivery = deliveries[i];
    const settled = settledAt.get(data.externalReference);
    return delivery && settled !== undefined ? [settled - delivery.firstPostAt] : [];
  });
  const lostWebhooks = deliveries.filter((d) => d === null).length;
  const qr = startToQr.filter((ms): ms is number => ms !== null);
  const stats = payments.callStats();
  const workerPeakRss = peakRssMb(stack.pid('worker'));
  const falseUnreachable = errors.count((key) => key.endsWith(TemporalUnreachableError.name));

  console.log(
    `burst of ${size} cash-ins on the npm start stack (stack up in ${(stack.upMs / 1000).toFixed(1)} s)`,
  );
  console.log(`  started (QR answered)   ${started.length}/${size} in ${seconds(startsMs)}`);
  console.log(
    `  start → QR              p50 ${round(percentile(qr, 0.5))} ms  p99 ${round(percentile(qr, 0.99))} ms`,
  );
  console.log(
    `  webhooks acknowledged   ${deliveries.length - lostWebhooks}/${paid.length} in ${seconds(webhooksMs)}`,
  );
  console.log(`  relay answers           ${webhookAnswers.describe() || 'none'}`);
  console.log(
    `  settled (completions)   ${settledAt.size}/${size}, all in ${seconds(allSettledMs)} after the first webhook`,
  );
  console.log(
    `  webhook → credited      p50 ${round(percentile(webhookToCredited, 0.5))} ms  p99 ${round(percentile(webhookToCredited, 0.99))} ms`,
  );
  console.log(`  client errors           ${errors.describe() || 'none'}`);
  console.log(
    `  client calls            ${stats.calls} calls, ${stats.retries} retries, peak queued ${peakQueued.peak()} ` +
      `(at most ${stats.maxConcurrentCalls} in flight)`,
  );
  console.log(`  worker peak RSS         ${workerPeakRss} MB`);
  console.log(
    `  CPU seconds used        ${Object.entries(cpuSeconds)
      .map(([name, used]) => `${name} ${used}`)
      .join(', ')} (in ${seconds(performance.now() - burstStarted)})`,
  );

  return {
    name: 'burst',
    figures: {
      'burst size': size,
      'cash-ins started': started.length,
      'lifecycles settled': settledAt.size,
      'client errors': errors.total(),
      'false unreachable': falseUnreachable,
      'lost (webhook never acknowledged)': lostWebhooks,
      'lost (not settled)': size - settledAt.size,
      'start → QR p50 ms': round(percentile(qr, 0.5)),
      'start → QR p99 ms': round(percentile(qr, 0.99)),
      'webhook → credited p50 ms': round(percentile(webhookToCredited, 0.5)),
      'webhook → credited p99 ms': round(percentile(webhookToCredited, 0.99)),
      'relay 503 busy': webhookAnswers.count((key) => key === '503 RELAY_BUSY'),
      'relay 503 unavailable': webhookAnswers.count((key) => key === '503 TEMPORAL_UNAVAILABLE'),
      'client retries': stats.retries,
      'client peak queued calls': peakQueued.peak(),
      'worker peak RSS MB': workerPeakRss,
      ...Object.fromEntries(Object.entries(cpuSeconds).map(([name, used]) => [`CPU s ${name}`, used])),
    },
  };
}

/** Posts one CASHIN_PAID until the relay answers 2xx, after each Retry-After; null if never in time. */
async function deliverUntilAcknowledged(
  agent: Agent,
  url: string,
  data: CashIn,
  answers: Tally,
): Promise<{ firstPostAt: number } | null> {
  const body = JSON.stringify({ eventType: 'CASHIN_PAID', eventAt: new Date().toISOString(), data });
  const headers = {
    'content-type': 'application/json',
    'x-connect-signature': webhookSignature(body, SANDBOX_CREDENTIALS.cryptoToken),
  };
  const firstPostAt = performance.now();
  const giveUpAt = Date.now() + GIVE_UP_MS;
  for (;;) {
    let retryAfterSeconds = 1;
    try {
      const res = await httpRequest(url, { method: 'POST', body, headers, dispatcher: agent });
      const text = await res.body.text();
      if (res.statusCode < 300) return { firstPostAt };
      answers.add(`${res.statusCode} ${(JSON.parse(text) as { code?: string }).code ?? ''}`.trim());
      // A refusal (4xx) will not change by sending the same webhook again.
      if (res.statusCode < 500) return null;
      retryAfterSeconds = Number(res.headers['retry-after'] ?? 1) || 1;
    } catch (err) {
      answers.add(`no answer: ${errorName(err)}`);
    }
    if (Date.now() + retryAfterSeconds * 1000 > giveUpAt) return null;
    await new Promise((resolve) => setTimeout(resolve, retryAfterSeconds * 1000));
  }
}

async function sandboxFault(sandboxUrl: string, fault: Record<string, unknown>): Promise<void> {
  const res = await httpRequest(`${sandboxUrl}/_sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fault),
  });
  await res.body.dump();
  if (res.statusCode !== 201) throw new Error(`the sandbox refused the fault (${res.statusCode})`);
}

/** `fn` over `items`, at most `concurrency` at a time, results in order. */
async function mapPooled<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return results;
}

/** CPU seconds each process of the stack (with its children) and this one use from now on: where the time goes. */
function watchCpu(stack: StackChild): { used(): Record<string, number> } {
  // One name per process (the Web UI is the Temporal server's own).
  const byPid = new Map<number, string>();
  for (const p of stack.processes) if (p.pid !== undefined && !byPid.has(p.pid)) byPid.set(p.pid, p.name);
  const names = [...new Set(byPid.values())];
  const now = () => ({
    ...Object.fromEntries(names.map((name) => [name, treeCpuSeconds(stack.pid(name))])),
    'bench client': (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
  });
  const before: Record<string, number> = now();
  return {
    used: () =>
      Object.fromEntries(
        Object.entries(now()).map(([name, total]) => [
          name,
          Math.round((total - (before[name] ?? 0)) * 10) / 10,
        ]),
      ),
  };
}

/** The most calls the client held back at once, sampled. */
function watchPeakQueued(payments: PaymentsClient): { peak(): number; stop(): void } {
  let peak = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, payments.callStats().callsQueued);
  }, 50);
  return { peak: () => peak, stop: () => clearInterval(timer) };
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}

const round = (ms: number) => Math.round(ms);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

if (require.main === module) {
  Promise.resolve()
    .then(() => benchBurst(burstSizeFrom(process.argv.slice(2))))
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
