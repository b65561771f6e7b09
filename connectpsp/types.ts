/**
 * The client's project-level types: the wire shapes of domain/connectpsp with every amount in
 * integer centavos (`amountCents`, `balanceCents`, …) instead of reais.
 */
import type {
  CashInStatus,
  CashOutStatus,
  Payee,
  RefundCashInRequest,
  RefundReason,
} from '../domain/connectpsp';
import type { Cents } from '../domain/money';

export interface ConnectPspCredentials {
  clientId: string;
  clientSecret: string;
  applicationToken: string;
  cryptoToken: string;
}

export interface CallOptions {
  /** Aborts the request; the call then rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface IdempotentCallOptions extends CallOptions {
  /** Sent as `X-Idempotency-Key`; a UUID derived from the business operation (domain/ids.ts). */
  idempotencyKey: string;
}

export interface Payer {
  name: string;
  /** CPF (11 digits) or CNPJ (14 characters). */
  document: string;
}

export interface CreateCashInInput {
  externalReference: string;
  amountCents: Cents;
  payer: Payer;
  expirationInMinutes?: number;
  webhookUrl?: string;
  /** Switches the charge to the OpenFinance flow; the result then carries `paymentUrl`. */
  openFinanceRedirectUrl?: string;
}

/** The charge as created: its ids, the amount, and what the payer needs. */
export interface CreatedCashIn {
  transactionId: string;
  internalCode: string | null;
  externalReference: string;
  amountCents: Cents;
  /** EMV BR Code ("copia e cola"). */
  copyAndPaste: string;
  /** PNG, base64 without a `data:` prefix. */
  qrCodeImageBase64: string;
  paymentUrl?: string;
  /** ISO-8601 as the PSP stated it; null when its answer left it out. */
  requestedAt: string | null;
}

/** A cash-in as ConnectPSP records it (GET /cash-in/{id}), as far as the project uses it. */
export interface CashInRecord {
  transactionId: string;
  internalCode: string | null;
  externalReference: string;
  /** `E…` once paid, `D…` once refunded. */
  endToEndId: string | null;
  status: CashInStatus;
  /** What was charged, or what was paid once paid. */
  amountCents: Cents;
}

export type RefundCashInInput = RefundCashInRequest;
export interface RefundedCashIn {
  transactionId: string;
  /** The `D…` id of the refund; null when the PSP's answer left it out. */
  endToEndId: string | null;
}
export type { Payee, RefundReason };

export interface CreateCashOutInput {
  externalReference: string;
  amountCents: Cents;
  description?: string;
  webhookUrl?: string;
  payee: Payee;
}

/** What identifies the transfer the PSP took (202 of POST /cash-out). */
export interface CreatedCashOut {
  transactionId: string;
  internalCode: string | null;
  externalReference: string;
  amountCents: Cents;
}

/** A cash-out as ConnectPSP records it (GET /cash-out/{id}), as far as the project uses it. */
export interface CashOutRecord {
  transactionId: string;
  internalCode: string | null;
  externalReference: string;
  /** `E…` once completed, `D…` once returned, null when failed. */
  endToEndId: string | null;
  status: CashOutStatus;
  amountCents: Cents;
  /** Only when FAILED, e.g. PIX_KEY_NOT_FOUND. */
  failure: { code: string; message: string } | null;
}

export interface BankAccountBalance {
  branch: string;
  account: string;
  balanceCents: Cents;
}

export interface BankBalance {
  ispb: string;
  bank: string;
  transactional: BankAccountBalance;
  proprietary: BankAccountBalance;
}

export interface AccountBalance {
  currency: 'BRL';
  referenceDate: string;
  totalCents: Cents;
  transactionalCents: Cents;
  proprietaryCents: Cents;
  banks: BankBalance[];
  updatedAt: string;
}

export interface RebalanceResult {
  success: true;
  message: string;
}
