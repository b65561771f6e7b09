/**
 * What the CLI, the client library and the demo need, started in-process and described by a
 * stack.json exactly like the one `npm start` writes: the run's Temporal server, a worker with
 * every activity (lifecycle-env), the sandbox on a free port, a fresh wallet (either backend) and the webhook
 * relay that delivers its webhooks. The CLI then finds everything through DATA_DIR alone.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { connectPaymentsClient } from '../../client/connect';
import type { PaymentsClient } from '../../client/payments-client';
import type { StackFile } from '../../client/stack-file';
import { type LifecycleEnv, startLifecycleEnv, useCheckedLifecycles } from './lifecycle-env';
import { cleanEnv, type RunResult, runNode } from './processes';
import type { WalletBackend } from './test-wallet';

/** A Web UI address for links only: nothing needs to listen there. */
export const FAKE_WEB_UI = 'http://localhost:18233';

export interface CliStack {
  env: LifecycleEnv;
  dataDir: string;
  /** The environment the CLI and the demo run with: DATA_DIR plus fast reconciliation. */
  processEnv: NodeJS.ProcessEnv;
  /** Runs `node dist/client/cli/main.js ...args`. */
  cli(args: string[], extraEnv?: Record<string, string>): Promise<RunResult>;
  /** Runs the CLI with --json and parses stdout (a result or {"error": ...}). */
  cliJson<T = Record<string, unknown>>(
    args: string[],
    extraEnv?: Record<string, string>,
  ): Promise<RunResult & { json: T }>;
  /** The library, connected through the same stack.json. */
  payments: PaymentsClient;
  close(): Promise<void>;
}

/**
 * The CliStack of a `describe` block, with the hooks of `useLifecycleEnv`: started once, the ledger
 * checked against the PSP after every test, closed at the end.
 */
export function useCliStack(options: { walletBackend?: WalletBackend } = {}): CliStack {
  return useCheckedLifecycles(
    () => startCliStack(options),
    (stack) => stack.env,
  );
}

export async function startCliStack(options: { walletBackend?: WalletBackend } = {}): Promise<CliStack> {
  // The CLI and the demo start payments the env does not see.
  const env = await startLifecycleEnv({ tracksEveryUser: false, ...options });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pix-cli-'));
  const stack: StackFile = {
    startedAt: new Date().toISOString(),
    namespace: inject('temporalNamespace'),
    taskQueue: env.taskQueue,
    processes: [
      { name: 'temporal', where: inject('temporalAddress'), address: inject('temporalAddress') },
      { name: 'web-ui', where: FAKE_WEB_UI, url: FAKE_WEB_UI },
      env.wallet.stackEntry(),
      { name: 'sandbox', where: env.sandbox.url, url: env.sandbox.url },
      { name: 'worker', where: `task queue ${env.taskQueue}` },
    ],
  };
  writeFileSync(path.join(dataDir, 'stack.json'), JSON.stringify(stack, null, 2));
  const processEnv = cleanEnv({
    DATA_DIR: dataDir,
    RELAY_PUBLIC_URL: new URL(env.webhookUrl).origin,
    CASHIN_RECONCILE_INTERVAL_SECONDS: '1',
    CASHOUT_RECONCILE_INTERVAL_SECONDS: '1',
    LOG_LEVEL: 'silent',
    ...env.wallet.clientEnv(),
  });
  const payments = await connectPaymentsClient({ env: processEnv });

  const cli = (args: string[], extraEnv: Record<string, string> = {}) =>
    runNode('client/cli/main.js', args, { ...processEnv, ...extraEnv });
  return {
    env,
    dataDir,
    processEnv,
    payments,
    cli,
    async cliJson<T>(args: string[], extraEnv: Record<string, string> = {}) {
      const result = await cli(['--json', ...args], extraEnv);
      let json: T;
      try {
        json = JSON.parse(result.stdout) as T;
      } catch {
        throw new Error(`not JSON (exit ${result.code}):\n${result.stdout}\nstderr: ${result.stderr}`);
      }
      return { ...result, json };
    },
    async close() {
      await payments.close();
      await env.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `probe` until it returns a value other than undefined (bounded), e.g. for eventually consistent visibility. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
