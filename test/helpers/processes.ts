import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../runtime/project-root';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment of a child process: this one's without any project or Temporal variable (but
 * TEMPORAL_CLI_PATH, which only says where the binary is), plus `vars`.
 */
export function cleanEnv(vars: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    const projectVariable =
      /^(TEMPORAL_|CONNECTPSP_|SANDBOX_|RELAY_|LEDGER_|DATA_DIR|LOG_LEVEL|PAYLOAD_|CODEC_|OTEL_)/.test(key);
    if (!projectVariable || key === 'TEMPORAL_CLI_PATH') env[key] = value;
  }
  return { ...env, ...vars };
}

/** Runs a compiled entry point (dist/...) to completion, collecting its output. */
export function runNode(
  entry: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 60_000,
): Promise<RunResult> {
  return runProgram(
    process.execPath,
    [path.join(PROJECT_ROOT, 'dist', entry), ...args],
    { env, cwd: PROJECT_ROOT },
    timeoutMs,
  );
}

/**
 * Runs a compiled entry point whose reader goes away before it writes, as `pix status <ref> | head -1`
 * does once head has its line: stdout is closed at once, stderr is collected.
 */
export function runNodeWithStdoutClosed(
  entry: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 60_000,
): Promise<RunResult> {
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist', entry), ...args], {
    env,
    cwd: PROJECT_ROOT,
  });
  child.stdout.destroy();
  return collectOutput(child, timeoutMs);
}

/** Runs a program to completion, collecting its output. */
export function runProgram(
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd: string },
  timeoutMs = 60_000,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    collectOutput(spawn(command, args, options), timeoutMs).then(resolve, reject);
  });
}

export function collectOutput(child: ChildProcess, timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`process did not exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** True while a process with this pid exists (signal 0 probes without touching it). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
