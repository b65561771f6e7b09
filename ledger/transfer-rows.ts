import type { AccountBalances, LedgerTransfer, TransferKind, TransferMetadata } from '../domain/ledger';
import type { Cents } from '../domain/money';

/** Columns of ledger_transfers as selected by TRANSFER_COLUMNS. */
export interface TransferRow {
  id: string;
  debit_account: string;
  credit_account: string;
  amount: string;
  kind: TransferKind;
  pending_id: string | null;
  code: string;
  metadata: TransferMetadata | null;
  created_at: Date;
}

export const TRANSFER_COLUMNS =
  'id, debit_account, credit_account, amount, kind, pending_id, code, metadata, created_at';

export interface AccountRow {
  id: string;
  is_user: boolean;
  debits_posted: string;
  credits_posted: string;
  debits_pending: string;
  credits_pending: string;
}

export const ACCOUNT_COLUMNS = 'id, is_user, debits_posted, credits_posted, debits_pending, credits_pending';

/** pg returns bigint and numeric as strings; amounts stay far below 2^53 centavos. */
export function centsFromDb(value: string | number): Cents {
  const cents = Number(value);
  if (!Number.isSafeInteger(cents)) throw new RangeError(`ledger amount ${value} is not a safe integer`);
  return cents;
}

export function transferFromRow(row: TransferRow): LedgerTransfer {
  return {
    id: row.id,
    debitAccount: row.debit_account,
    creditAccount: row.credit_account,
    amountCents: centsFromDb(row.amount),
    kind: row.kind,
    ...(row.pending_id === null ? {} : { pendingId: row.pending_id }),
    code: row.code,
    ...(row.metadata === null ? {} : { metadata: row.metadata }),
    createdAt: row.created_at.toISOString(),
  };
}

export function balancesFromRow(row: AccountRow): AccountBalances {
  return {
    accountId: row.id,
    debitsPostedCents: centsFromDb(row.debits_posted),
    creditsPostedCents: centsFromDb(row.credits_posted),
    debitsPendingCents: centsFromDb(row.debits_pending),
    creditsPendingCents: centsFromDb(row.credits_pending),
  };
}
