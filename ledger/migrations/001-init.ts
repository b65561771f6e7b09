/** Accounts with TigerBeetle's four balance counters, and the append-only transfer journal. */
export const sql = `
CREATE TABLE ledger_accounts (
  id text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 200),
  -- User wallets may not be debited beyond their available balance (enforced under row lock).
  is_user boolean NOT NULL,
  debits_posted bigint NOT NULL DEFAULT 0 CHECK (debits_posted >= 0),
  credits_posted bigint NOT NULL DEFAULT 0 CHECK (credits_posted >= 0),
  debits_pending bigint NOT NULL DEFAULT 0 CHECK (debits_pending >= 0),
  credits_pending bigint NOT NULL DEFAULT 0 CHECK (credits_pending >= 0),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ledger_transfers (
  seq bigserial NOT NULL UNIQUE,
  id text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 200),
  debit_account text NOT NULL REFERENCES ledger_accounts (id),
  credit_account text NOT NULL REFERENCES ledger_accounts (id),
  amount bigint NOT NULL CHECK (amount > 0),
  kind text NOT NULL CHECK (kind IN ('posted', 'pending', 'post_pending', 'void_pending')),
  pending_id text REFERENCES ledger_transfers (id),
  code text NOT NULL CHECK (length(code) BETWEEN 1 AND 64),
  metadata jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (debit_account <> credit_account),
  CHECK ((kind IN ('post_pending', 'void_pending')) = (pending_id IS NOT NULL))
);

-- A hold is posted or voided at most once.
CREATE UNIQUE INDEX ledger_transfers_one_finalisation ON ledger_transfers (pending_id) WHERE pending_id IS NOT NULL;
CREATE INDEX ledger_transfers_by_debit_account ON ledger_transfers (debit_account, seq);
CREATE INDEX ledger_transfers_by_credit_account ON ledger_transfers (credit_account, seq);

CREATE FUNCTION ledger_transfers_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger_transfers is append-only: correct with a new transfer';
END
$$;
CREATE TRIGGER ledger_transfers_append_only BEFORE UPDATE OR DELETE ON ledger_transfers
  FOR EACH ROW EXECUTE FUNCTION ledger_transfers_append_only();
`;
