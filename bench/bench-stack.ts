import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Config, parseConfig, processEnvironment } from '../runtime/config';
import { PROJECT_ROOT } from '../runtime/project-root';
import { connectClient, temporalTarget } from '../runtime/temporal-connection';
import { spawnManaged } from '../scripts/managed-process';
import { freeStackPorts } from '../scripts/ports';
import { type StackEntry, stackProcessPlan } from '../scripts/stack-processes';
import { waitFor } from '../scripts/wait-for';

/** Variables of the environment the bench never passes on: the stack it starts is its own. */
const OWN_STACK_VARIABLES = [
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_API_KEY',
  'TEMPORAL_PROFILE',
  'LEDGER_DATABASE_URL',
  'CONNECTPSP_BASE_URL',
  'WALLET_BACKEND',
  'PLATFORM_WALLET_URL',
  'PAYLOAD_ENCRYPTION_KEY',
];

export interface BenchStack {
  config: Config;
  /** The environment every process of the stack got. */
  env: NodeJS.ProcessEnv;
  dataDir: string;
  entry(name: string): StackEntry;
  /** Starts one more project process from dist/ on the stack's environment (plus `extraEnv`). */
  spawn(name: string, entry: string, extraEnv: Record<string, string>): StackEntry;
  /** Resolves once some worker polls `taskQueue`. */
  waitForPoller(taskQueue: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The local stack exactly as `npm start` runs it (dev server, ledger PostgreSQL, sandbox, worker,
 * relay: each its own process from dist/), on free ports in a temp DATA_DIR, so a benchmark
 * measures what users run and never meets another stack on the machine.
 */
export async function startBenchStack(variables: Record<string, string>): Promise<BenchStack> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-stack-'));
  const env: NodeJS.ProcessEnv = { ...processEnvironment() };
  for (const name of OWN_STACK_VARIABLES) delete env[name];
  Object.assign(env, {
    DATA_DIR: dataDir,
    CONNECTPSP_MODE: 'sandbox',
    NODE_ENV: 'production',
    SANDBOX_STATE_FILE: path.join(dataDir, 'sandbox-state.json'),
    ...(await freeStackPorts()),
    ...variables,
  });
  const config = parseConfig(env, { needsPsp: true });
  const logDir = path.join(dataDir, 'logs');
  const started: StackEntry[] = [];
  const stop = async () => {
    for (const entry of [...started].reverse()) await entry.stop?.();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    for (const step of stackProcessPlan(config)) {
      const entries = await step.start({ config, env, dataDir, logDir });
      started.push(...entries);
      for (const entry of entries) Object.assign(env, entry.env);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    config,
    env,
    dataDir,
    entry(name) {
      const found = started.find((e) => e.name === name);
      if (!found) throw new Error(`the bench stack has no ${name}`);
      return found;
    },
    spawn(name, entry, extraEnv) {
      const log = path.join(logDir, `${name}.log`);
      const child = spawnManaged(name, process.execPath, [path.join(PROJECT_ROOT, 'dist', entry)], {
        env: { ...env, ...extraEnv },
        logFile: log,
        cwd: PROJECT_ROOT,
      });
      const spawned: StackEntry = { name, where: name, pid: child.pid, log, stop: () => child.stop() };
      started.push(spawned);
      return spawned;
    },
    async waitForPoller(taskQueue) {
      const client = await connectClient(temporalTarget(config, env));
      try {
        await waitFor(
          `a worker on ${taskQueue}`,
          async () => {
            const { pollers } = await client.workflowService.describeTaskQueue({
              namespace: client.options.namespace,
              taskQueue: { name: taskQueue },
              taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
            });
            return pollers.length > 0;
          },
          { timeoutMs: 120_000, intervalMs: 200 },
        );
      } finally {
        await client.connection.close();
      }
    },
    stop,
  };
}

/** Resident set size of a process, in MB (`ps`, so Linux and macOS alike). */
export function rssMb(pid: number): number {
  const kb = Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim());
  return Math.round((kb / 1024) * 10) / 10;
}
