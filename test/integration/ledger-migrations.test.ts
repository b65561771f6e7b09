import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '../../ledger/migrate';
import { MIGRATIONS } from '../../ledger/migrations';
import { type FreshLedgerDatabase, freshLedgerDatabase } from '../helpers/ledger-db';

let db: FreshLedgerDatabase | undefined;
afterEach(async () => {
  await db?.drop();
  db = undefined;
});

async function appliedVersions(database: FreshLedgerDatabase): Promise<number[]> {
  const result = await database.pool.query('SELECT version FROM schema_migrations ORDER BY version');
  return result.rows.map((row) => row.version);
}

const allVersions = MIGRATIONS.map((m) => m.version);

describe('migrate', () => {
  it('applies every migration once; running it again changes nothing', async () => {
    db = await freshLedgerDatabase({ migrated: false });

    expect(await migrate(db.pool)).toEqual(allVersions);
    expect(await migrate(db.pool)).toEqual([]);

    expect(await appliedVersions(db)).toEqual(allVersions);
    expect(await db.ledger.exposureCents()).toBe(0);
  });

  it('is safe when several processes start at once', async () => {
    db = await freshLedgerDatabase({ migrated: false });

    const runs = await Promise.all(
      Array.from({ length: 4 }, () => migrate((db as FreshLedgerDatabase).pool)),
    );

    expect(runs.flat().sort()).toEqual(allVersions);
    expect(await appliedVersions(db)).toEqual(allVersions);
  });

  it('applies only what is missing, and rolls a failing migration back entirely', async () => {
    db = await freshLedgerDatabase({ migrated: false });
    await migrate(db.pool);
    const broken = [
      ...MIGRATIONS,
      { version: 900, name: 'adds a table', sql: 'CREATE TABLE migration_probe (id int)' },
      { version: 901, name: 'fails', sql: 'SELECT * FROM no_such_table' },
    ];

    await expect(migrate(db.pool, broken)).rejects.toThrow(/no_such_table/);

    expect(await appliedVersions(db)).toEqual(allVersions);
    const probe = await db.pool.query("SELECT to_regclass('migration_probe') AS t");
    expect(probe.rows[0].t).toBeNull();
    expect(await migrate(db.pool, broken.slice(0, -1))).toEqual([900]);
  });
});
