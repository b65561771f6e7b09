import type { Pool } from 'pg';

/**
 * The reference service's books: one row per wallet (posted balance and what holds reserve) and
 * one per transfer, keyed by the caller's transfer id, which makes every request idempotent.
 * Created if missing; a real service would version its migrations.
 */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS wallets (
  user_id text PRIMARY KEY,
  posted_cents bigint NOT NULL DEFAULT 0,
  held_cents bigint NOT NULL DEFAULT 0 CHECK (held_cents >= 0),
  opened_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS transfers (
  seq bigserial UNIQUE,
  transfer_id text PRIMARY KEY,
  type text NOT NULL CHECK (type IN ('CREDIT', 'REVERSAL', 'HOLD', 'POST', 'VOID', 'BET', 'WIN')),
  user_id text NOT NULL REFERENCES wallets (user_id),
  amount_cents bigint NOT NULL CHECK (amount_cents > 0),
  hold_id text REFERENCES transfers (transfer_id),
  code text NOT NULL,
  reference text,
  -- Holds only: pending until a POST or VOID names them, which is then kept in finalised_by.
  hold_state text CHECK (hold_state IN ('pending', 'posted', 'voided')),
  finalised_by text,
  -- POST and VOID only: what the lifecycle recorded with it (finalisationNoteSchema), answered to a replay of the hold.
  note jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE transfers ADD COLUMN IF NOT EXISTS note jsonb;
CREATE INDEX IF NOT EXISTS transfers_by_user ON transfers (user_id, seq);
`;

/** Any constant shared by every process creating this schema. */
const SCHEMA_LOCK_KEY = 0x77616c6c6574; // "wallet"

export async function createSchema(pool: Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK_KEY]);
    await client.query(SCHEMA);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
