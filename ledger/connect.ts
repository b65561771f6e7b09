import { Pool } from 'pg';
import { createLedger, type Ledger } from './ledger';
import { migrate } from './migrate';

export interface LedgerConnectionOptions {
  databaseUrl: string;
  /** Pool size; each ledger write holds one connection for its transaction. Default 10. */
  maxConnections?: number;
  /** An idle pooled connection failed (server restart, network); the pool replaces it. */
  onIdleConnectionError?: (err: Error) => void;
}

export interface LedgerConnection {
  pool: Pool;
  ledger: Ledger;
  close(): Promise<void>;
}

/**
 * Bounds of one ledger operation, well inside the workflows' 15-second ledger activity timeout
 * (workflows/activity-proxies.ts): a stuck database fails the attempt, which is retried, instead
 * of outliving it.
 */
const CONNECT_TIMEOUT_MS = 5_000;
const STATEMENT_TIMEOUT_MS = 5_000;

/** Opens a pool, brings the schema up to date and returns the ledger on it. */
export async function connectLedger(options: LedgerConnectionOptions): Promise<LedgerConnection> {
  const pool = new Pool({
    connectionString: options.databaseUrl,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
  });
  // Without a listener an idle connection's error would crash the process.
  pool.on('error', options.onIdleConnectionError ?? (() => undefined));
  try {
    await migrate(pool);
  } catch (err) {
    await pool.end();
    throw err;
  }
  return { pool, ledger: createLedger(pool), close: () => pool.end() };
}
