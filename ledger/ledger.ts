import type { Pool, PoolClient } from 'pg';
import {
  type AccountBalances,
  type AccountId,
  emptyBalances,
  finalisationNoteOf,
  type HoldFinalised,
  type LedgerTransfer,
  type NewTransfer,
  parseAccountId,
  type TransferCode,
  type TransferKind,
  type TransferMetadata,
  transferIdProblem,
  type UserBalance,
  userAccountId,
  userBalanceFrom,
} from '../domain/ledger';
import { type Cents, isValidCents } from '../domain/money';
import {
  InsufficientFundsError,
  LedgerInputError,
  PendingTransferAlreadyFinalisedError,
  PendingTransferNotFoundError,
  TransferIdConflictError,
} from './errors';
import { inTransaction } from './in-transaction';
import {
  ACCOUNT_COLUMNS,
  type AccountRow,
  balancesFromRow,
  centsFromDb,
  TRANSFER_COLUMNS,
  type TransferRow,
  transferFromRow,
} from './transfer-rows';

export interface TransferOutcome {
  transfer: LedgerTransfer;
  /** false when the id had already been applied: nothing changed, `transfer` is the first result. */
  created: boolean;
  /** A hold applied again after it was posted or voided: what became of it (absent otherwise). */
  finalised?: HoldFinalised;
}

/** Code and metadata of a post/void; the code defaults to the pending transfer's. */
export interface FinaliseOptions {
  code?: TransferCode;
  metadata?: TransferMetadata;
}

export interface Ledger {
  createTransfer(transfer: NewTransfer): Promise<TransferOutcome>;
  postPending(id: string, pendingId: string, options?: FinaliseOptions): Promise<TransferOutcome>;
  voidPending(id: string, pendingId: string, options?: FinaliseOptions): Promise<TransferOutcome>;
  /** Zero balances for an account never used. */
  getBalances(accountId: AccountId): Promise<AccountBalances>;
  getUserBalance(userId: string): Promise<UserBalance>;
  /**
   * What the platform owes its users: the sum of positive wallet balances, funds held by pending
   * cash-outs included. A wallet overdrawn by a reversal owes the platform; it lowers no one's claim.
   */
  exposureCents(): Promise<Cents>;
  /** Newest first. */
  listTransfers(options: { accountId?: AccountId; limit: number }): Promise<LedgerTransfer[]>;
  /** Holds (pending transfers) neither posted nor voided yet, oldest first. */
  listOpenHolds(options: { limit: number }): Promise<LedgerTransfer[]>;
  /** The hold with this id while it is neither posted nor voided; otherwise null. */
  findOpenHold(id: string): Promise<LedgerTransfer | null>;
  /**
   * 0 when the books balance: total debits equal total credits (posted and pending), and every
   * account's counters equal what its journal entries add up to. Otherwise the sum of the gaps.
   */
  checkBalanced(): Promise<Cents>;
}

const MAX_CODE_LENGTH = 64;
const MAX_LIST_LIMIT = 1000;

export function createLedger(pool: Pool): Ledger {
  return {
    createTransfer: (transfer) => createTransfer(pool, transfer),
    postPending: (id, pendingId, options) => finalisePending(pool, 'post_pending', id, pendingId, options),
    voidPending: (id, pendingId, options) => finalisePending(pool, 'void_pending', id, pendingId, options),
    getBalances: (accountId) => getBalances(pool, accountId),
    getUserBalance: async (userId) =>
      userBalanceFrom(userId, await getBalances(pool, userAccountIdOf(userId))),
    exposureCents: () => exposureCents(pool),
    listTransfers: (options) => listTransfers(pool, options),
    listOpenHolds: (options) => listOpenHolds(pool, options),
    findOpenHold: (id) => findOpenHold(pool, id),
    checkBalanced: () => checkBalanced(pool),
  };
}

/** Thrown inside a transaction when another transaction took the id (or finalised the hold) first. */
class LostInsertRace extends Error {}

async function createTransfer(pool: Pool, transfer: NewTransfer): Promise<TransferOutcome> {
  validateNewTransfer(transfer);
  // Replays are checked before funds: a hold applied again returns its first result even if the
  // balance has moved since. A hold already posted or voided answers what became of it
  // (`finalised`), so a lifecycle run again (a reset) learns that the money already left or came
  // back, instead of holding it a second time or taking the answer for a fresh hold.
  const replayed = await findTransfer(pool, transfer.id);
  if (replayed) return replayWithFinalState(pool, replayed, transfer);
  try {
    return await inTransaction(pool, async (client) => {
      const accounts = await lockAccounts(client, [transfer.debitAccount, transfer.creditAccount]);
      const inserted = await insertTransfer(client, {
        id: transfer.id,
        debitAccount: transfer.debitAccount,
        creditAccount: transfer.creditAccount,
        amountCents: transfer.amountCents,
        kind: transfer.kind,
        pendingId: undefined,
        code: transfer.code,
        metadata: transfer.metadata,
      });
      if (!inserted) throw new LostInsertRace();
      const debit = accounts.get(transfer.debitAccount);
      if (debit?.is_user && !transfer.allowOverdraft) {
        const b = balancesFromRow(debit);
        const available = b.creditsPostedCents - b.debitsPostedCents - b.debitsPendingCents;
        if (available < transfer.amountCents) {
          throw new InsufficientFundsError(transfer.debitAccount, available, transfer.amountCents);
        }
      }
      await applyMovement(client, inserted);
      return { transfer: inserted, created: true };
    });
  } catch (err) {
    if (!(err instanceof LostInsertRace)) throw err;
    const winner = await findTransfer(pool, transfer.id);
    if (!winner) throw err;
    return replayWithFinalState(pool, winner, transfer);
  }
}

async function replayWithFinalState(
  pool: Pool,
  existing: LedgerTransfer,
  wanted: NewTransfer,
): Promise<TransferOutcome> {
  const outcome = replayOf(existing, wanted);
  if (existing.kind !== 'pending') return outcome;
  const finalisation = await findFinalisation(pool, existing.id);
  if (!finalisation) return outcome;
  return {
    ...outcome,
    finalised: {
      state: finalisation.kind === 'post_pending' ? 'posted' : 'voided',
      transferId: finalisation.id,
      note: finalisationNoteOf(finalisation.metadata),
    },
  };
}

async function finalisePending(
  pool: Pool,
  kind: 'post_pending' | 'void_pending',
  id: string,
  pendingId: string,
  options: FinaliseOptions = {},
): Promise<TransferOutcome> {
  validateTransferId(id);
  validateTransferId(pendingId);
  if (options.code !== undefined) validateCode(options.code);
  const replayed = await findTransfer(pool, id);
  if (replayed) return replayOf(replayed, { kind, pendingId });
  const pending = await findTransfer(pool, pendingId);
  if (pending?.kind !== 'pending') throw new PendingTransferNotFoundError(pendingId);
  await refuseIfFinalised(pool, pendingId);
  try {
    return await inTransaction(pool, async (client) => {
      await lockAccounts(client, [pending.debitAccount, pending.creditAccount]);
      const inserted = await insertTransfer(client, {
        id,
        debitAccount: pending.debitAccount,
        creditAccount: pending.creditAccount,
        amountCents: pending.amountCents,
        kind,
        pendingId,
        code: options.code ?? pending.code,
        metadata: options.metadata,
      });
      if (!inserted) throw new LostInsertRace();
      await applyMovement(client, inserted);
      return { transfer: inserted, created: true };
    });
  } catch (err) {
    if (!(err instanceof LostInsertRace)) throw err;
    const winner = await findTransfer(pool, id);
    if (winner) return replayOf(winner, { kind, pendingId });
    await refuseIfFinalised(pool, pendingId);
    throw err;
  }
}

/** The post or void of a hold, if any. */
async function findFinalisation(pool: Pool, pendingId: string): Promise<LedgerTransfer | null> {
  const result = await pool.query<TransferRow>(
    `SELECT ${TRANSFER_COLUMNS} FROM ledger_transfers WHERE pending_id = $1`,
    [pendingId],
  );
  const row = result.rows[0];
  return row ? transferFromRow(row) : null;
}

/** A post or void under a new id of a hold already finalised is another request: refused. */
async function refuseIfFinalised(pool: Pool, pendingId: string): Promise<void> {
  const finalisation = await findFinalisation(pool, pendingId);
  if (finalisation) {
    const state = finalisation.kind === 'post_pending' ? 'posted' : 'voided';
    throw new PendingTransferAlreadyFinalisedError(pendingId, state, finalisation.id);
  }
}

type ComparedFields = Partial<
  Pick<LedgerTransfer, 'debitAccount' | 'creditAccount' | 'amountCents' | 'code'>
> &
  Pick<LedgerTransfer, 'kind' | 'pendingId'>;

/** The stored transfer when `wanted` matches it on every field that has an effect; else a conflict. */
function replayOf(existing: LedgerTransfer, wanted: ComparedFields): TransferOutcome {
  const fields = ['debitAccount', 'creditAccount', 'amountCents', 'code', 'kind', 'pendingId'] as const;
  const differing = fields.filter((field) => field in wanted && wanted[field] !== existing[field]);
  if (differing.length > 0) throw new TransferIdConflictError(existing.id, differing, existing);
  return { transfer: existing, created: false };
}

async function findTransfer(db: Pool | PoolClient, id: string): Promise<LedgerTransfer | null> {
  const result = await db.query<TransferRow>(
    `SELECT ${TRANSFER_COLUMNS} FROM ledger_transfers WHERE id = $1`,
    [id],
  );
  const row = result.rows[0];
  return row ? transferFromRow(row) : null;
}

/**
 * Creates the accounts on first use and locks them in id order, so two transactions touching
 * the same accounts always queue instead of deadlocking.
 */
async function lockAccounts(client: PoolClient, ids: AccountId[]): Promise<Map<AccountId, AccountRow>> {
  const sorted = [...new Set(ids)].sort();
  await client.query(
    `INSERT INTO ledger_accounts (id, is_user)
     SELECT id, is_user FROM unnest($1::text[], $2::boolean[]) AS a (id, is_user) ORDER BY id
     ON CONFLICT (id) DO NOTHING`,
    [sorted, sorted.map((id) => parseAccountId(id)?.kind === 'user')],
  );
  const locked = await client.query<AccountRow>(
    `SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`,
    [sorted],
  );
  return new Map(locked.rows.map((row) => [row.id, row]));
}

interface TransferToInsert {
  id: string;
  debitAccount: AccountId;
  creditAccount: AccountId;
  amountCents: Cents;
  kind: TransferKind;
  pendingId: string | undefined;
  code: TransferCode;
  metadata: TransferMetadata | undefined;
}

/** null when the id (or, for a post/void, the hold's single finalisation) is already taken. */
async function insertTransfer(client: PoolClient, t: TransferToInsert): Promise<LedgerTransfer | null> {
  const result = await client.query<TransferRow>(
    `INSERT INTO ledger_transfers (id, debit_account, credit_account, amount, kind, pending_id, code, metadata)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)
     ON CONFLICT DO NOTHING
     RETURNING ${TRANSFER_COLUMNS}`,
    [
      t.id,
      t.debitAccount,
      t.creditAccount,
      t.amountCents,
      t.kind,
      t.pendingId ?? null,
      t.code,
      t.metadata === undefined ? null : JSON.stringify(t.metadata),
    ],
  );
  const row = result.rows[0];
  return row ? transferFromRow(row) : null;
}

/** How a transfer of each kind moves the four counters of its debit and its credit account. */
const MOVEMENTS: Record<TransferKind, { posted: 1 | 0; pending: 1 | 0 | -1 }> = {
  posted: { posted: 1, pending: 0 },
  pending: { posted: 0, pending: 1 },
  post_pending: { posted: 1, pending: -1 },
  void_pending: { posted: 0, pending: -1 },
};

async function applyMovement(client: PoolClient, transfer: LedgerTransfer): Promise<void> {
  const { posted, pending } = MOVEMENTS[transfer.kind];
  const postedDelta = posted * transfer.amountCents;
  const pendingDelta = pending * transfer.amountCents;
  await client.query(
    `UPDATE ledger_accounts a SET
       debits_posted = a.debits_posted + d.debits_posted,
       credits_posted = a.credits_posted + d.credits_posted,
       debits_pending = a.debits_pending + d.debits_pending,
       credits_pending = a.credits_pending + d.credits_pending
     FROM (VALUES ($1::text, $3::bigint, 0::bigint, $4::bigint, 0::bigint),
                  ($2::text, 0::bigint, $3::bigint, 0::bigint, $4::bigint))
       AS d (id, debits_posted, credits_posted, debits_pending, credits_pending)
     WHERE a.id = d.id`,
    [transfer.debitAccount, transfer.creditAccount, postedDelta, pendingDelta],
  );
}

async function getBalances(pool: Pool, accountId: AccountId): Promise<AccountBalances> {
  validateAccountId(accountId);
  const result = await pool.query<AccountRow>(
    `SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts WHERE id = $1`,
    [accountId],
  );
  const row = result.rows[0];
  return row ? balancesFromRow(row) : emptyBalances(accountId);
}

async function exposureCents(pool: Pool): Promise<Cents> {
  const result = await pool.query<{ exposure: string }>(
    `SELECT COALESCE(SUM(GREATEST(credits_posted - debits_posted, 0)), 0) AS exposure
     FROM ledger_accounts WHERE is_user`,
  );
  return centsFromDb(result.rows[0]?.exposure ?? '0');
}

async function listTransfers(
  pool: Pool,
  options: { accountId?: AccountId; limit: number },
): Promise<LedgerTransfer[]> {
  if (!Number.isSafeInteger(options.limit) || options.limit < 1 || options.limit > MAX_LIST_LIMIT) {
    throw new LedgerInputError(`limit must be an integer 1..${MAX_LIST_LIMIT}`);
  }
  if (options.accountId !== undefined) validateAccountId(options.accountId);
  const result = await pool.query<TransferRow>(
    `SELECT ${TRANSFER_COLUMNS} FROM ledger_transfers
     WHERE $1::text IS NULL OR debit_account = $1 OR credit_account = $1
     ORDER BY seq DESC LIMIT $2`,
    [options.accountId ?? null, options.limit],
  );
  return result.rows.map(transferFromRow);
}

async function listOpenHolds(pool: Pool, options: { limit: number }): Promise<LedgerTransfer[]> {
  if (!Number.isSafeInteger(options.limit) || options.limit < 1 || options.limit > MAX_LIST_LIMIT) {
    throw new LedgerInputError(`limit must be an integer 1..${MAX_LIST_LIMIT}`);
  }
  const result = await pool.query<TransferRow>(
    `SELECT ${TRANSFER_COLUMNS} FROM ledger_transfers t
     WHERE t.kind = 'pending'
       AND NOT EXISTS (SELECT 1 FROM ledger_transfers f WHERE f.pending_id = t.id)
     ORDER BY t.seq LIMIT $1`,
    [options.limit],
  );
  return result.rows.map(transferFromRow);
}

async function findOpenHold(pool: Pool, id: string): Promise<LedgerTransfer | null> {
  validateTransferId(id);
  const result = await pool.query<TransferRow>(
    `SELECT ${TRANSFER_COLUMNS} FROM ledger_transfers t
     WHERE t.id = $1 AND t.kind = 'pending'
       AND NOT EXISTS (SELECT 1 FROM ledger_transfers f WHERE f.pending_id = t.id)`,
    [id],
  );
  const row = result.rows[0];
  return row ? transferFromRow(row) : null;
}

async function checkBalanced(pool: Pool): Promise<Cents> {
  const result = await pool.query<{ discrepancy: string }>(
    `WITH journal AS (
       SELECT t.debit_account, t.credit_account,
              CASE WHEN t.kind IN ('posted', 'post_pending') THEN t.amount ELSE 0 END AS posted,
              CASE WHEN t.kind = 'pending' AND f.id IS NULL THEN t.amount ELSE 0 END AS pending
       FROM ledger_transfers t LEFT JOIN ledger_transfers f ON f.pending_id = t.id
     ),
     entries AS (
       SELECT debit_account AS account_id, posted AS debits_posted, 0 AS credits_posted,
              pending AS debits_pending, 0 AS credits_pending FROM journal
       UNION ALL
       SELECT credit_account, 0, posted, 0, pending FROM journal
     ),
     derived AS (
       SELECT account_id, SUM(debits_posted) AS debits_posted, SUM(credits_posted) AS credits_posted,
              SUM(debits_pending) AS debits_pending, SUM(credits_pending) AS credits_pending
       FROM entries GROUP BY account_id
     )
     SELECT COALESCE(
       ABS(SUM(a.debits_posted) - SUM(a.credits_posted)) + ABS(SUM(a.debits_pending) - SUM(a.credits_pending))
       + SUM(ABS(a.debits_posted - COALESCE(d.debits_posted, 0)) + ABS(a.credits_posted - COALESCE(d.credits_posted, 0))
           + ABS(a.debits_pending - COALESCE(d.debits_pending, 0)) + ABS(a.credits_pending - COALESCE(d.credits_pending, 0))),
       0) AS discrepancy
     FROM ledger_accounts a LEFT JOIN derived d ON d.account_id = a.id`,
  );
  return centsFromDb(result.rows[0]?.discrepancy ?? '0');
}

function userAccountIdOf(userId: string): AccountId {
  try {
    return userAccountId(userId);
  } catch (err) {
    throw new LedgerInputError((err as Error).message);
  }
}

function validateAccountId(id: AccountId): void {
  if (!parseAccountId(id)) throw new LedgerInputError(`unknown account ${JSON.stringify(id)}`);
}

function validateTransferId(id: string): void {
  const problem = transferIdProblem(id);
  if (problem) throw new LedgerInputError(`transfer id ${problem}`);
}

function validateCode(code: string): void {
  if (code.length === 0 || code.length > MAX_CODE_LENGTH) {
    throw new LedgerInputError(`transfer code must be 1..${MAX_CODE_LENGTH} characters`);
  }
}

function validateNewTransfer(t: NewTransfer): void {
  validateTransferId(t.id);
  validateAccountId(t.debitAccount);
  validateAccountId(t.creditAccount);
  validateCode(t.code);
  if (t.debitAccount === t.creditAccount) throw new LedgerInputError('debit and credit accounts must differ');
  if (!isValidCents(t.amountCents) || t.amountCents <= 0) {
    throw new LedgerInputError('amountCents must be an integer greater than zero');
  }
  if (t.kind !== 'posted' && t.kind !== 'pending')
    throw new LedgerInputError('kind must be posted or pending');
  if (t.allowOverdraft && t.kind !== 'posted')
    throw new LedgerInputError('only a posted transfer may overdraw');
  if (
    t.metadata !== undefined &&
    (typeof t.metadata !== 'object' || t.metadata === null || Array.isArray(t.metadata))
  ) {
    throw new LedgerInputError('metadata must be a JSON object');
  }
}
