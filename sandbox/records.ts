import type { CashInStatus, CashOutStatus, Payee } from '../domain/connectpsp';
import type { Cents } from '../domain/money';

/** What the sandbox remembers of a cash-in; timestamps are epoch milliseconds, money centavos. */
export interface CashInRecord {
  transactionId: string;
  internalCode: string;
  externalReference: string;
  status: CashInStatus;
  chargedCents: Cents;
  /** What the payer actually sent; may differ from the charge (control API `pay {amount}`). */
  paidCents: Cents | null;
  payer: { name: string; document: string };
  payerBankData: { ispb: string; bank: string; branch: string; account: string } | null;
  webhookUrl: string | null;
  copyAndPaste: string;
  openFinanceRedirectUrl: string | null;
  /** The partner bank whose transactional account receives the money. */
  creditIspb: string;
  endToEndId: string | null;
  originalEndToEndId: string | null;
  requestedAt: number;
  expiresAt: number;
  paidAt: number | null;
  refundedAt: number | null;
  expiredAt: number | null;
}

export interface BankMovement {
  ispb: string;
  cents: Cents;
}

export interface CashOutRecord {
  transactionId: string;
  internalCode: string;
  externalReference: string;
  status: CashOutStatus;
  amountCents: Cents;
  description: string | null;
  payee: Payee;
  webhookUrl: string | null;
  /** Where the money came from, so a failure or a return puts it back exactly there. */
  debits: BankMovement[];
  endToEndId: string | null;
  originalEndToEndId: string | null;
  failure: { code: string; message: string } | null;
  requestedAt: number;
  completedAt: number | null;
}

export interface AccountSide {
  branch: string;
  account: string;
  cents: Cents;
}

export interface BankAccounts {
  ispb: string;
  bank: string;
  transactional: AccountSide;
  proprietary: AccountSide;
}

export interface FailureRule {
  pixKeySuffix: string;
  code: string;
  message?: string;
}

export interface Behaviour {
  autoPayCashInAfterMs: number | null;
  autoCompleteCashOutAfterMs: number | null;
  failureRules: FailureRule[];
}

/** A finished POST remembered under its idempotency key. */
export interface IdempotencyRecord {
  key: string;
  fingerprint: string;
  status: number;
  body: unknown;
  storedAt: number;
}
