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

/** Opens a pool, brings the schema up to date and returns the ledger on it. */
export async function connectLedger(options: LedgerConnectionOptions): Promise<LedgerConnection> {
  const pool = new Pool({ connectionString: options.databaseUrl, max: options.maxConnections ?? 10 });
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
