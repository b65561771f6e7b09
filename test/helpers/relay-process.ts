import { spawn } from 'node:child_process';
import path from 'node:path';
import { inject } from 'vitest';
import { PROJECT_ROOT } from '../../runtime/project-root';
import { freePort } from '../../scripts/ports';
import { cleanEnv, collectOutput, type RunResult } from './processes';

export interface RelayProcess {
  port: number;
  started: Record<string, unknown>;
  output: Promise<RunResult>;
  stop(): void;
}

/**
 * Starts dist/relay/main.js on a free port and resolves with its "relay listening" line; it is
 * killed if it still runs after `lifetimeMs`.
 */
export async function startRelayProcess(
  env: Record<string, string>,
  lifetimeMs = 30_000,
): Promise<RelayProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'relay', 'main.js')], {
    cwd: PROJECT_ROOT,
    env: cleanEnv({
      RELAY_PORT: String(port),
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: inject('temporalNamespace'),
      LOG_LEVEL: 'info',
      ...env,
    }),
  });
  const output = collectOutput(child, lifetimeMs);
  const listening = new Promise<Record<string, unknown>>((resolve) => {
    let buffered = '';
    child.stdout?.on('data', (chunk) => {
      buffered += chunk;
      const line = buffered.split('\n').find((l) => l.includes('relay listening'));
      if (line) resolve(JSON.parse(line));
    });
  });
  const started = await Promise.race([
    listening,
    output.then((r) => {
      throw new Error(`relay exited early (${r.code}): ${r.stderr}`);
    }),
  ]);
  return { port, started, output, stop: () => child.kill('SIGTERM') };
}
