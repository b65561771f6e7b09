/**
 * The whole local stack (`npm start`'s launcher, dist/scripts/stack.js) as a child process on free
 * ports in a data folder of its own, for the runtime smoke test and the benchmarks: they drive it
 * from outside through its stack.json, exactly as a platform drives `npm start`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readStackFile, type StackFile } from '../client/stack-file';
import { processEnvironment } from '../runtime/config';
import { PROJECT_ROOT } from '../runtime/project-root';
import { freeStackPorts } from './ports';
import { GiveUp, waitFor } from './wait-for';

const STACK_TIMEOUT_MS = 120_000;

export interface StackChild {
  /** The environment the stack runs with: connect a client with it and `stackFile`. */
  env: NodeJS.ProcessEnv;
  stackFile: string;
  processes: StackFile['processes'];
  /** Milliseconds from spawning the launcher to its stack.json. */
  upMs: number;
  /** Where a process of the stack is: its URL, or throws naming it. */
  url(name: string): string;
  /** The pid of a process of the stack, or throws naming it. */
  pid(name: string): number;
  /** SIGTERM to the launcher, which stops every process; resolves with its exit code. */
  stop(): Promise<number | string>;
  /** The end of each process's log, to explain a failure. */
  logTails(lines?: number): string;
  /** Removes the data folder (after stop). */
  remove(): void;
}

/**
 * The stack on free ports, in production mode (the prebuilt workflow bundle), logging warnings,
 * with reconciliation an hour away so that only webhooks settle payments; `overrides` win.
 */
export async function startStackChild(
  prefix: string,
  overrides: NodeJS.ProcessEnv = {},
): Promise<StackChild> {
  const dataDir = mkdtempSync(path.join(tmpdir(), `${prefix}-`));
  chmodSync(dataDir, 0o755); // as root, the ledger's cluster stays here (scripts/embedded-postgres-layout.ts)
  const env = { ...(await stackEnvironment(dataDir)), ...overrides };
  const stackFile = path.join(dataDir, 'stack.json');
  const started = Date.now();
  const launcher = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'scripts', 'stack.js')], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  launcher.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = exitOf(launcher);
  let running = true;
  void exited.then(() => {
    running = false;
  });
  const child = {
    env,
    stackFile,
    processes: [] as StackFile['processes'],
    upMs: 0,
    url(name: string) {
      const url = child.processes.find((p) => p.name === name)?.url;
      if (!url) throw new Error(`the stack has no ${name} URL`);
      return url;
    },
    pid(name: string) {
      const pid = child.processes.find((p) => p.name === name)?.pid;
      if (pid === undefined) throw new Error(`the stack has no ${name} process`);
      return pid;
    },
    async stop() {
      if (running) launcher.kill('SIGTERM');
      const code = await exited;
      return code === 0 || !stderr ? code : `${code}: ${stderr}`;
    },
    logTails(lines = 15) {
      const logDir = path.join(dataDir, 'logs');
      if (!existsSync(logDir)) return '';
      return readdirSync(logDir)
        .map((file) => {
          const tail = readFileSync(path.join(logDir, file), 'utf8').trimEnd().split('\n').slice(-lines);
          return `--- ${file} (last lines)\n${tail.join('\n')}\n`;
        })
        .join('');
    },
    remove() {
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  try {
    await waitFor(
      'the stack',
      () => {
        if (!running) throw new GiveUp(`the launcher exited: ${stderr}`);
        return existsSync(stackFile);
      },
      { timeoutMs: STACK_TIMEOUT_MS, intervalMs: 250 },
    );
  } catch (err) {
    await child.stop();
    process.stderr.write(child.logTails());
    child.remove();
    throw err;
  }
  child.upMs = Date.now() - started;
  child.processes = readStackFile(stackFile)?.processes ?? [];
  return child;
}

async function stackEnvironment(dataDir: string): Promise<NodeJS.ProcessEnv> {
  const inherited = Object.fromEntries(
    Object.entries(processEnvironment()).filter(
      ([key]) =>
        key === 'TEMPORAL_CLI_PATH' ||
        !/^(TEMPORAL_|CONNECTPSP_|SANDBOX_|RELAY_|LEDGER_|DATA_DIR|LOG_LEVEL|PAYLOAD_|CODEC_|OTEL_|NODE_ENV|WORKER_)/.test(
          key,
        ),
    ),
  );
  return {
    ...inherited,
    DATA_DIR: dataDir,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    ...(await freeStackPorts()),
    // Nothing but the relay's webhooks can settle a payment in time.
    CASHIN_RECONCILE_INTERVAL_SECONDS: '3600',
    CASHOUT_RECONCILE_INTERVAL_SECONDS: '3600',
  };
}

function exitOf(child: ChildProcess): Promise<number | string> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
}
