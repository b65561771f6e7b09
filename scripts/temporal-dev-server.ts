import { existsSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { CLI_SEARCH_ATTRIBUTE_TYPES, SEARCH_ATTRIBUTES } from '../domain/search-attributes';
import { type Config, parseConfig } from '../runtime/config';
import { setNamespaceRetentionDays } from '../runtime/namespace-retention';
import { PROJECT_ROOT } from '../runtime/project-root';
import { type ManagedProcess, spawnManaged } from './managed-process';
import { waitFor } from './wait-for';

/** The Temporal CLI binary: TEMPORAL_CLI_PATH, or the one scripts/bootstrap built. */
export function temporalCliPath(config: Pick<Config, 'TEMPORAL_CLI_PATH'> = parseConfig()): string {
  return config.TEMPORAL_CLI_PATH ?? path.join(PROJECT_ROOT, '.tools', 'bin', 'temporal');
}

export interface DevServerOptions {
  cliPath: string;
  ip?: string;
  port: number;
  /** HTTP API and metrics ports; omitted: the CLI picks free ones. */
  httpPort?: number;
  metricsPort?: number;
  /** Web UI port; omitted: headless. */
  uiPort?: number;
  /** The payload codec the Web UI's pages call from the browser to show decoded payloads. */
  uiCodecEndpoint?: string;
  /** SQLite file that keeps state across restarts; omitted: in memory. */
  dbFile?: string;
  namespace?: string;
  logFile?: string;
  /** Days the namespace keeps closed workflows (the dev server's own default is one). */
  retentionDays?: number;
}

/** The command line of `temporal server start-dev` with the project's settings. */
export function devServerArgs(options: DevServerOptions): string[] {
  const args = ['server', 'start-dev', '--ip', options.ip ?? '127.0.0.1'];
  args.push('--port', String(options.port), '--log-level', 'warn');
  if (options.httpPort !== undefined) args.push('--http-port', String(options.httpPort));
  if (options.metricsPort !== undefined) args.push('--metrics-port', String(options.metricsPort));
  if (options.namespace && options.namespace !== 'default') args.push('--namespace', options.namespace);
  if (options.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort));
  if (options.uiPort !== undefined && options.uiCodecEndpoint) {
    args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  }
  if (options.dbFile) {
    args.push('--db-filename', options.dbFile);
    args.push('--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=1');
  }
  // Update-with-start (cash-in returns its QR code in the same call) needs multi-operations.
  args.push('--dynamic-config-value', 'frontend.enableExecuteMultiOperation=true');
  args.push('--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true');
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) {
    args.push('--search-attribute', `${name}=${CLI_SEARCH_ATTRIBUTE_TYPES[type]}`);
  }
  return args;
}

export interface RunningDevServer {
  address: string;
  uiUrl: string | undefined;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/** Starts the dev server and resolves once its namespace answers; fails with the log location otherwise. */
export async function startDevServer(
  options: DevServerOptions,
  timeoutMs = 60_000,
): Promise<RunningDevServer> {
  if (!existsSync(options.cliPath)) {
    throw new Error(
      `Temporal CLI not found at ${options.cliPath}; run 'npm run bootstrap' or set TEMPORAL_CLI_PATH`,
    );
  }
  const child = spawnManaged('temporal', options.cliPath, devServerArgs(options), {
    logFile: options.logFile,
  });
  const address = `${options.ip ?? '127.0.0.1'}:${options.port}`;
  try {
    await Promise.race([
      waitUntilTemporalReady(address, options.namespace ?? 'default', timeoutMs),
      child.exited.then((code) => {
        throw new Error(`the process exited (${code})`);
      }),
    ]);
  } catch (err) {
    await child.stop();
    const where = options.logFile ? ` (log: ${options.logFile})` : '';
    throw new Error(`Temporal dev server did not become ready${where}: ${(err as Error).message}`);
  }
  if (options.retentionDays !== undefined) {
    const connection = await Connection.connect({ address });
    try {
      await setNamespaceRetentionDays(connection, options.namespace ?? 'default', options.retentionDays);
    } finally {
      await connection.close();
    }
  }
  return {
    address,
    uiUrl: options.uiPort === undefined ? undefined : `http://localhost:${options.uiPort}`,
    process: child,
    stop: () => child.stop(),
  };
}

/** Resolves once the frontend answers DescribeNamespace for `namespace`. */
export async function waitUntilTemporalReady(
  address: string,
  namespace: string,
  timeoutMs: number,
): Promise<void> {
  await waitFor(
    `Temporal at ${address}`,
    async () => {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return true;
      } finally {
        await connection.close();
      }
    },
    { timeoutMs, intervalMs: 200 },
  );
}
