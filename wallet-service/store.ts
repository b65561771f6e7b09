import type { Pool, PoolClient } from 'pg';
import type { FinalisationNote } from '../domain/ledger';
import type { ReferenceTransfer, ReferenceTransferType } from '../domain/platform-wallet/reference';
import type { WalletBalance } from '../domain/platform-wallet/wire';
import { Refusal } from './refusal';

export interface Movement {
  transferId: string;
  userId: string;
  amountCents: number;
  code: string;
  reference: string | null;
}

/** How a movement changes the wallet. */
interface MovementRule {
  type: Extract<ReferenceTransferType, 'CREDIT' | 'REVERSAL' | 'HOLD' | 'BET' | 'WIN'>;
  /** Credits open the wallet of a user seen for the first time. */
  opensWallet: boolean;
  postedDelta: 1 | -1 | 0;
  heldDelta: 1 | 0;
  /** Refused with INSUFFICIENT_FUNDS when the available balance is short. */
  checksFunds: boolean;
}

export const MOVEMENTS = {
  credit: { type: 'CREDIT', opensWallet: true, postedDelta: 1, heldDelta: 0, checksFunds: false },
  reversal: { type: 'REVERSAL', opensWallet: false, postedDelta: -1, heldDelta: 0, checksFunds: false },
  hold: { type: 'HOLD', opensWallet: false, postedDelta: 0, heldDelta: 1, checksFunds: true },
  bet: { type: 'BET', opensWallet: false, postedDelta: -1, heldDelta: 0, checksFunds: true },
  win: { type: 'WIN', opensWallet: true, postedDelta: 1, heldDelta: 0, checksFunds: false },
} as const satisfies Record<string, MovementRule>;

export interface Applied {
  transfer: ReferenceTransfer;
}

interface TransferRow {
  transfer_id: string;
  type: ReferenceTransferType;
  user_id: string;
  amount_cents: string;
  hold_id: string | null;
  code: string;
  reference: string | null;
  hold_state: 'pending' | 'posted' | 'voided' | null;
  finalised_by: string | null;
  note: FinalisationNote | null;
  created_at: Date;
}

interface WalletRow {
  user_id: string;
  posted_cents: string;
  held_cents: string;
}

const UNIQUE_VIOLATION = '23505';

/**
 * The reference wallet's operations, each one PostgreSQL transaction. A wallet's row is locked
 * before its transfers are read, so two requests with the same transfer id queue and the second
 * answers the first's transfer (`replayed: true`); a hold's row is locked before it is finalised.
 */
export class WalletStore {
  constructor(private readonly pool: Pool) {}

  async move(rule: MovementRule, m: Movement): Promise<ReferenceTransfer> {
    return this.transaction(async (db) => {
      if (rule.opensWallet) {
        await db.query('INSERT INTO wallets (user_id) VALUES ($1) ON CONFLICT DO NOTHING', [m.userId]);
      }
      const wallet = await lockWallet(db, m.userId);
      const existing = await findTransfer(db, m.transferId);
      if (existing) return replayOfMovement(db, existing, rule.type, m);
      if (!wallet) throw new Refusal('UNKNOWN_USER', `no wallet for user ${m.userId}`);
      const available = Number(wallet.posted_cents) - Number(wallet.held_cents);
      if (rule.checksFunds && available < m.amountCents) {
        throw new Refusal('INSUFFICIENT_FUNDS', `${available} cents available, ${m.amountCents} requested`, {
          availableCents: available,
          requestedCents: m.amountCents,
        });
      }
      await db.query(
        'UPDATE wallets SET posted_cents = posted_cents + $2, held_cents = held_cents + $3 WHERE user_id = $1',
        [m.userId, rule.postedDelta * m.amountCents, rule.heldDelta * m.amountCents],
      );
      return insertTransfer(db, {
        ...m,
        type: rule.type,
        holdId: null,
        holdState: rule.type === 'HOLD' ? 'pending' : null,
        note: null,
      });
    });
  }

  async finalise(
    how: 'POST' | 'VOID',
    holdId: string,
    f: { transferId: string; code: string; note?: FinalisationNote | undefined },
  ) {
    return this.transaction(async (db) => {
      const hold = (
        await db.query<TransferRow>(
          `SELECT * FROM transfers WHERE transfer_id = $1 AND type = 'HOLD' FOR UPDATE`,
          [holdId],
        )
      ).rows[0];
      const existing = await findTransfer(db, f.transferId);
      if (existing) {
        if (existing.type !== how || existing.hold_id !== holdId) {
          throw conflict(existing, ['type', 'holdId']);
        }
        return { ...transferOf(existing), replayed: true };
      }
      if (!hold) throw new Refusal('HOLD_NOT_FOUND', `no hold ${holdId}`);
      if (hold.hold_state !== 'pending') throw alreadyFinalised(hold);
      const amount = Number(hold.amount_cents);
      await lockWallet(db, hold.user_id);
      await db.query(
        'UPDATE wallets SET posted_cents = posted_cents - $2, held_cents = held_cents - $3 WHERE user_id = $1',
        [hold.user_id, how === 'POST' ? amount : 0, amount],
      );
      await db.query('UPDATE transfers SET hold_state = $2, finalised_by = $3 WHERE transfer_id = $1', [
        holdId,
        how === 'POST' ? 'posted' : 'voided',
        f.transferId,
      ]);
      return insertTransfer(db, {
        transferId: f.transferId,
        userId: hold.user_id,
        amountCents: amount,
        code: f.code,
        reference: hold.reference,
        type: how,
        holdId,
        holdState: null,
        note: f.note ?? null,
      });
    });
  }

  async balance(userId: string): Promise<WalletBalance> {
    const row = (await this.pool.query<WalletRow>('SELECT * FROM wallets WHERE user_id = $1', [userId]))
      .rows[0];
    if (!row) throw new Refusal('UNKNOWN_USER', `no wallet for user ${userId}`);
    const posted = Number(row.posted_cents);
    const held = Number(row.held_cents);
    return { userId, postedCents: posted, heldCents: held, availableCents: posted - held };
  }

  /** What the platform owes its users: positive posted balances (holds are still the users' money). */
  async exposureCents(): Promise<number> {
    const result = await this.pool.query<{ exposure: string }>(
      'SELECT COALESCE(SUM(GREATEST(posted_cents, 0)), 0) AS exposure FROM wallets',
    );
    return Number(result.rows[0]?.exposure ?? 0);
  }

  /** A wallet's transfers, newest first. */
  async movements(userId: string, limit: number): Promise<ReferenceTransfer[]> {
    const result = await this.pool.query<TransferRow>(
      'SELECT * FROM transfers WHERE user_id = $1 ORDER BY seq DESC LIMIT $2',
      [userId, limit],
    );
    return result.rows.map((row) => ({ ...transferOf(row), replayed: false }));
  }

  /** Runs `work` in a transaction; once more if another transaction took the same transfer id first. */
  private async transaction<T>(work: (db: PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const db = await this.pool.connect();
      try {
        await db.query('BEGIN');
        const result = await work(db);
        await db.query('COMMIT');
        return result;
      } catch (err) {
        await db.query('ROLLBACK').catch(() => undefined);
        if (attempt === 1 && (err as { code?: string }).code === UNIQUE_VIOLATION) continue;
        throw err;
      } finally {
        db.release();
      }
    }
  }
}

async function lockWallet(db: PoolClient, userId: string): Promise<WalletRow | undefined> {
  return (await db.query<WalletRow>('SELECT * FROM wallets WHERE user_id = $1 FOR UPDATE', [userId])).rows[0];
}

async function findTransfer(db: PoolClient, transferId: string): Promise<TransferRow | undefined> {
  return (await db.query<TransferRow>('SELECT * FROM transfers WHERE transfer_id = $1', [transferId]))
    .rows[0];
}

/**
 * The first answer again, when the request is the same one. A hold already posted or voided is not
 * placed again: the answer says what became of it (`finalised`), with the finalisation's note.
 */
async function replayOfMovement(
  db: PoolClient,
  existing: TransferRow,
  type: string,
  m: Movement,
): Promise<ReferenceTransfer> {
  const differing = [
    existing.type !== type && 'type',
    existing.user_id !== m.userId && 'userId',
    Number(existing.amount_cents) !== m.amountCents && 'amountCents',
    existing.code !== m.code && 'code',
  ].filter((field): field is string => field !== false);
  if (differing.length > 0) throw conflict(existing, differing);
  const replayed = { ...transferOf(existing), replayed: true };
  if (existing.type !== 'HOLD' || existing.hold_state === 'pending' || !existing.finalised_by)
    return replayed;
  const finalisation = await findTransfer(db, existing.finalised_by);
  return {
    ...replayed,
    finalised: {
      state: existing.hold_state === 'posted' ? 'posted' : 'voided',
      transferId: existing.finalised_by,
      note: finalisation?.note ?? {},
    },
  };
}

function conflict(existing: TransferRow, differingFields: string[]): Refusal {
  return new Refusal(
    'TRANSFER_ID_CONFLICT',
    `transfer id ${existing.transfer_id} is already used by a transfer with a different ${differingFields.join(', ')}`,
    { differingFields },
  );
}

function alreadyFinalised(hold: TransferRow): Refusal {
  const state = hold.hold_state === 'posted' ? 'posted' : 'voided';
  return new Refusal(
    'HOLD_ALREADY_FINALISED',
    `hold ${hold.transfer_id} was already ${state} by transfer ${hold.finalised_by}`,
    { state, finalisedBy: hold.finalised_by ?? '' },
  );
}

async function insertTransfer(
  db: PoolClient,
  t: Movement & {
    type: ReferenceTransferType;
    holdId: string | null;
    holdState: 'pending' | null;
    note: FinalisationNote | null;
  },
): Promise<ReferenceTransfer> {
  const result = await db.query<TransferRow>(
    `INSERT INTO transfers (transfer_id, type, user_id, amount_cents, hold_id, code, reference, hold_state, note)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb) RETURNING *`,
    [
      t.transferId,
      t.type,
      t.userId,
      t.amountCents,
      t.holdId,
      t.code,
      t.reference,
      t.holdState,
      t.note === null ? null : JSON.stringify(t.note),
    ],
  );
  return { ...transferOf(result.rows[0] as TransferRow), replayed: false };
}

function transferOf(row: TransferRow): Omit<ReferenceTransfer, 'replayed'> {
  return {
    transferId: row.transfer_id,
    type: row.type,
    userId: row.user_id,
    amountCents: Number(row.amount_cents),
    holdId: row.hold_id,
    code: row.code,
    reference: row.reference,
    createdAt: row.created_at.toISOString(),
  };
}
