import type { Pool } from 'pg';
import { inTransaction } from './in-transaction';
import { MIGRATIONS, type Migration } from './migrations';

/** Any constant shared by every process migrating this database ("ledger" in ASCII). */
const MIGRATION_LOCK_KEY = 0x6c6564676572;

/**
 * Applies the migrations this database lacks, all in one transaction under an advisory lock,
 * so processes starting together apply each migration exactly once and never see half a schema.
 * Returns the versions applied now (empty when already up to date).
 */
export async function migrate(pool: Pool, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  return inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(done.rows.map((row) => row.version));
    const now: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      now.push(migration.version);
    }
    return now;
  });
}
