import { randomUUID } from 'node:crypto';
import { Client, Pool } from 'pg';
import { inject } from 'vitest';
import { createLedger, type Ledger } from '../../ledger/ledger';
import { migrate } from '../../ledger/migrate';

export interface FreshLedgerDatabase {
  pool: Pool;
  ledger: Ledger;
  url: string;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/** A new, migrated database on the run's PostgreSQL, so test files never see each other's rows. */
export async function freshLedgerDatabase(
  options: { migrated?: boolean } = {},
): Promise<FreshLedgerDatabase> {
  const serverUrl = inject('ledgerDatabaseUrl');
  const name = `ledger_test_${randomUUID().replaceAll('-', '')}`;
  await withAdminClient(serverUrl, (admin) => admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`));
  const url = withDatabase(serverUrl, name);
  const pool = new Pool({ connectionString: url, max: 20 });
  pool.on('error', () => undefined);
  if (options.migrated !== false) await migrate(pool);
  return {
    pool,
    ledger: createLedger(pool),
    url,
    drop: async () => {
      await pool.end();
      await withAdminClient(serverUrl, (admin) =>
        admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`),
      );
    },
  };
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function withAdminClient<T>(serverUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: withDatabase(serverUrl, 'postgres') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
