/**
 * Runs test/helpers/lifecycle-worker-process.ts as a separate Node process (compiled with the
 * project's tsc into a temporary directory, once per test file), so a test can SIGKILL a worker
 * and start a genuinely new one.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { PROJECT_ROOT } from '../../scripts/project-root';

const SCRIPT = 'test/helpers/lifecycle-worker-process.ts';

export interface CompiledWorkerScript {
  path: string;
  remove(): void;
}

/** Compiles the worker script and what it imports (the project's tsc, no type check gate). */
export async function compileWorkerScript(): Promise<CompiledWorkerScript> {
  const outDir = mkdtempSync(path.join(tmpdir(), 'pix-worker-process-'));
  const tsconfig = path.join(outDir, 'tsconfig.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: path.join(PROJECT_ROOT, 'tsconfig.json'),
      compilerOptions: {
        rootDir: PROJECT_ROOT,
        outDir,
        noEmit: false,
        sourceMap: false,
        noEmitOnError: false,
      },
      include: [path.join(PROJECT_ROOT, SCRIPT)],
    }),
  );
  // tsc exits non-zero for type errors elsewhere in the tree while still emitting; the output decides.
  await promisify(execFile)(path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsc'), ['-p', tsconfig]).catch(
    () => undefined,
  );
  const compiled = path.join(outDir, SCRIPT.replace(/\.ts$/, '.js'));
  if (!existsSync(compiled)) throw new Error(`tsc did not emit ${compiled}`);
  return { path: compiled, remove: () => rmSync(outDir, { recursive: true, force: true }) };
}

export interface WorkerProcess {
  child: ChildProcess;
  /** SIGKILL: no graceful shutdown, in-flight tasks are simply lost to the server's timeouts. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export async function startWorkerProcess(
  script: CompiledWorkerScript,
  env: { taskQueue: string; sandboxUrl: string; ledgerDatabaseUrl: string },
): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [script.path], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      NODE_PATH: path.join(PROJECT_ROOT, 'node_modules'),
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: inject('temporalNamespace'),
      WORKFLOW_BUNDLE_PATH: inject('workflowBundlePath'),
      TASK_QUEUE: env.taskQueue,
      SANDBOX_URL: env.sandboxUrl,
      LEDGER_DATABASE_URL: env.ledgerDatabaseUrl,
    },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker process not ready in 30 s: ${stderr}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('WORKER_READY')) {
        clearTimeout(timer);
        resolve();
      }
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`worker process exited (${code}) before it was ready: ${stderr}`));
    });
  });
  const signalAndWait = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return { child, kill: () => signalAndWait('SIGKILL'), stop: () => signalAndWait('SIGTERM') };
}
