/**
 * Runs the real worker entry (dist/worker/main.js, built by `npm test` before vitest) as a separate
 * process, configured through the environment like in production, so a test can SIGKILL a worker
 * and start a genuinely new one, or SIGTERM it and watch it drain.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { inject } from 'vitest';
import { SANDBOX_CREDENTIALS } from '../../runtime/config';
import { PROJECT_ROOT } from '../../runtime/project-root';
import { cleanEnv } from './processes';

export interface WorkerProcess {
  child: ChildProcess;
  /** SIGKILL: no graceful shutdown, in-flight tasks are simply lost to the server's timeouts. */
  kill(): Promise<number | null>;
  /** SIGTERM: stop polling, let in-flight activities finish within the grace time, exit. */
  stop(): Promise<number | null>;
  /** What it printed so far (stdout and stderr: its JSON log lines). */
  output(): string;
}

export interface WorkerProcessOptions {
  taskQueue: string;
  sandboxUrl: string;
  /** How the worker reaches the wallet: LEDGER_DATABASE_URL, or WALLET_BACKEND=http and PLATFORM_WALLET_* (test-wallet.ts). */
  walletEnv: Record<string, string>;
  /** More variables of runtime/config.ts, e.g. WORKER_SHUTDOWN_GRACE_SECONDS. */
  env?: Record<string, string>;
}

export async function startWorkerProcess(options: WorkerProcessOptions): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'worker', 'main.js')], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: cleanEnv({
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: inject('temporalNamespace'),
      TEMPORAL_TASK_QUEUE: options.taskQueue,
      ...options.walletEnv,
      // The test's sandbox, reached through the production code path (a base URL, as compose does).
      CONNECTPSP_MODE: 'sandbox',
      CONNECTPSP_BASE_URL: options.sandboxUrl,
      CONNECTPSP_CLIENT_ID: SANDBOX_CREDENTIALS.clientId,
      CONNECTPSP_CLIENT_SECRET: SANDBOX_CREDENTIALS.clientSecret,
      CONNECTPSP_APPLICATION_TOKEN: SANDBOX_CREDENTIALS.applicationToken,
      CONNECTPSP_CRYPTO_TOKEN: SANDBOX_CREDENTIALS.cryptoToken,
      REBALANCE_INTERVAL_SECONDS: '3600',
      LOG_LEVEL: 'info',
      // Several workers run at once: each takes a free port for /metrics and /healthz.
      WORKER_HTTP_PORT: '0',
      ...options.env,
    }),
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk;
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker process not ready in 60 s:\n${output}`)), 60_000);
    const onData = () => {
      if (output.includes('"msg":"worker started"')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`worker process exited (${code}) before it was ready:\n${output}`));
    });
  });
  const signalAndWait = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return {
    child,
    kill: () => signalAndWait('SIGKILL'),
    stop: () => signalAndWait('SIGTERM'),
    output: () => output,
  };
}
