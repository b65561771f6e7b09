/**
 * `node dist/scripts/runtime-smoke.js`: proves the code on the Node.js that runs this script (CI runs
 * it on the machine's Node.js and on the image's, see .ci/run). It starts the whole local stack with
 * that Node.js (every project process is spawned with process.execPath), the worker in production
 * mode on the prebuilt workflow bundle as in the image, then moves a cash-in and a cash-out to
 * SETTLED through the webhook relay, and stops the stack. One line of figures; exit 1 on failure.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { connectPaymentsClient } from '../client/connect';
import type { PaymentsClient } from '../client/payments-client';
import { processEnvironment } from '../runtime/config';
import { PROJECT_ROOT } from '../runtime/project-root';
import { WORKFLOW_BUNDLE_PATH } from '../worker/workflow-source';
import { freePort } from './ports';
import { GiveUp, waitFor } from './wait-for';

const STACK_TIMEOUT_MS = 120_000;
const SETTLE_TIMEOUT_MS = 60_000;

interface StackFile {
  processes: Array<{ name: string; pid?: number; url?: string }>;
}

async function smokeEnvironment(dataDir: string): Promise<NodeJS.ProcessEnv> {
  const inherited = Object.fromEntries(
    Object.entries(processEnvironment()).filter(
      ([key]) =>
        key === 'TEMPORAL_CLI_PATH' ||
        !/^(TEMPORAL_|CONNECTPSP_|SANDBOX_|RELAY_|LEDGER_|DATA_DIR|LOG_LEVEL|PAYLOAD_|CODEC_|OTEL_|NODE_ENV)/.test(
          key,
        ),
    ),
  );
  return {
    ...inherited,
    DATA_DIR: dataDir,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    TEMPORAL_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    LEDGER_PG_PORT: String(await freePort()),
    SANDBOX_PORT: String(await freePort()),
    RELAY_PORT: String(await freePort()),
    WORKER_HTTP_PORT: String(await freePort()),
    CODEC_PORT: String(await freePort()),
    // Nothing but the relay's webhooks can settle a payment within the smoke test's minute.
    CASHIN_RECONCILE_INTERVAL_SECONDS: '3600',
    CASHOUT_RECONCILE_INTERVAL_SECONDS: '3600',
  };
}

/** Linux tells which executable a process runs; elsewhere, nothing to check. */
function runsThisNode(pid: number): boolean {
  const exe = `/proc/${pid}/exe`;
  return !existsSync(exe) || realpathSync(exe) === realpathSync(process.execPath);
}

async function deliveredWebhooks(relayUrl: string): Promise<number> {
  const response = await request(`${relayUrl}/metrics`);
  const text = await response.body.text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('relay_webhook_requests_total{outcome="delivered"}'));
  return Number(line?.split(' ')[1] ?? 0);
}

async function lifecycles(
  payments: PaymentsClient,
  run: string,
): Promise<{ cashInMs: number; cashOutMs: number }> {
  const userId = `smoke-${run}`;
  let started = Date.now();
  await payments.startCashIn({
    reference: `smoke-${run}-in`,
    userId,
    amountCents: 25_00,
    payer: { name: 'Ana Souza', document: '52998224725' },
  });
  await payments.sandbox.payCashIn(`smoke-${run}-in`);
  const cashIn = await payments.waitForOutcome(`smoke-${run}-in`, { timeoutMs: SETTLE_TIMEOUT_MS });
  if (cashIn.state !== 'SETTLED') throw new Error(`cash-in ended ${cashIn.state}, expected SETTLED`);
  const cashInMs = Date.now() - started;

  started = Date.now();
  await payments.startCashOut({
    reference: `smoke-${run}-out`,
    userId,
    amountCents: 10_00,
    payee: { name: 'Ana Souza', document: '52998224725', pixKey: 'ana.souza@example.com' },
  });
  await payments.waitForOutcome(`smoke-${run}-out`, { timeoutMs: SETTLE_TIMEOUT_MS, until: ['PROCESSING'] });
  await payments.sandbox.completeCashOut(`smoke-${run}-out`);
  const cashOut = await payments.waitForOutcome(`smoke-${run}-out`, { timeoutMs: SETTLE_TIMEOUT_MS });
  if (cashOut.state !== 'SETTLED') throw new Error(`cash-out ended ${cashOut.state}, expected SETTLED`);
  return { cashInMs, cashOutMs: Date.now() - started };
}

/** The end of each process's log, to explain a failure (the data folder is removed afterwards). */
function printLogTails(logDir: string): void {
  if (!existsSync(logDir)) return;
  for (const file of readdirSync(logDir)) {
    const tail = readFileSync(path.join(logDir, file), 'utf8').trimEnd().split('\n').slice(-15).join('\n');
    process.stderr.write(`--- ${file} (last lines)\n${tail}\n`);
  }
}

function exitOf(child: ChildProcess): Promise<number | string> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
}

async function main(): Promise<void> {
  if (!existsSync(WORKFLOW_BUNDLE_PATH))
    throw new Error(`${WORKFLOW_BUNDLE_PATH} is missing; run 'npm run build'`);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pix-runtime-smoke-'));
  chmodSync(dataDir, 0o755); // as root, the ledger's cluster stays here (scripts/embedded-postgres-layout.ts)
  const env = await smokeEnvironment(dataDir);
  const stackFile = path.join(dataDir, 'stack.json');
  const started = Date.now();
  const stack = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'scripts', 'stack.js')], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  stack.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const stackExit = exitOf(stack);
  let exitedEarly = false;
  void stackExit.then(() => {
    exitedEarly = true;
  });
  let payments: PaymentsClient | undefined;
  let succeeded = false;
  try {
    await waitFor(
      'the stack',
      () => {
        if (exitedEarly) throw new GiveUp(`the launcher exited: ${stderr}`);
        return existsSync(stackFile);
      },
      { timeoutMs: STACK_TIMEOUT_MS, intervalMs: 250 },
    );
    const stackUpMs = Date.now() - started;
    const { processes } = JSON.parse(readFileSync(stackFile, 'utf8')) as StackFile;
    for (const name of ['worker', 'relay', 'sandbox', 'ledger-db']) {
      const pid = processes.find((p) => p.name === name)?.pid;
      if (pid === undefined || !runsThisNode(pid))
        throw new Error(`${name} does not run on ${process.execPath}`);
    }
    const relayUrl = processes.find((p) => p.name === 'relay')?.url as string;

    payments = await connectPaymentsClient({ env, stackFile });
    const { cashInMs, cashOutMs } = await lifecycles(payments, Date.now().toString(36));
    const webhooks = await deliveredWebhooks(relayUrl);
    if (webhooks < 2)
      throw new Error(`the relay delivered ${webhooks} webhooks; expected the cash-in's and the cash-out's`);
    await payments.close();
    payments = undefined;

    stack.kill('SIGTERM');
    const code = await stackExit;
    if (code !== 0) throw new Error(`the launcher stopped with ${code}: ${stderr}`);
    process.stdout.write(
      `runtime smoke on Node.js ${process.version}: stack up in ${(stackUpMs / 1000).toFixed(1)} s, ` +
        `cash-in SETTLED in ${(cashInMs / 1000).toFixed(1)} s, cash-out SETTLED in ${(cashOutMs / 1000).toFixed(1)} s, ` +
        `${webhooks} webhooks through the relay, stopped cleanly\n`,
    );
    succeeded = true;
  } finally {
    await payments?.close();
    if (!exitedEarly) {
      stack.kill('SIGTERM');
      await stackExit;
    }
    if (!succeeded) printLogTails(path.join(dataDir, 'logs'));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`runtime smoke on Node.js ${process.version} failed: ${(err as Error).message}\n`);
  process.exit(1);
});
