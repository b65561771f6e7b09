/**
 * The client's project-level types: the wire shapes of domain/connectpsp with every amount in
 * integer centavos (`amountCents`, `balanceCents`, …) instead of reais.
 */
import type {
  CashInStatus,
  CashOutStatus,
  Payee,
  RefundCashInRequest,
  RefundCashInResponse,
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

export interface CreatedCashIn {
  transactionId: string;
  internalCode: string;
  externalReference: string;
  status: 'AWAITING_PAYMENT';
  amountCents: Cents;
  payer: Payer;
  /** EMV BR Code ("copia e cola"). */
  copyAndPaste: string;
  /** PNG, base64 without a `data:` prefix. */
  qrCodeImageBase64: string;
  paymentUrl?: string;
  requestedAt: string;
}

export interface PayerBankData {
  ispb: string;
  bank: string;
  branch: string;
  account: string;
}

export interface CashInDetails {
  transactionId: string;
  internalCode: string;
  externalReference: string;
  endToEndId: string | null;
  originalEndToEndId: string | null;
  status: CashInStatus;
  amountCents: Cents;
  payer: Payer & { bankData: PayerBankData | null };
  requestedAt: string;
  paidAt: string | null;
  refundedAt: string | null;
  expiredAt: string | null;
}

export type RefundCashInInput = RefundCashInRequest;
export type RefundedCashIn = RefundCashInResponse;
export type { Payee, RefundReason };

export interface CreateCashOutInput {
  externalReference: string;
  amountCents: Cents;
  description?: string;
  webhookUrl?: string;
  payee: Payee;
}

export interface CreatedCashOut {
  transactionId: string;
  internalCode: string;
  externalReference: string;
  status: 'PROCESSING';
  amountCents: Cents;
  payee: Payee;
}

export interface CashOutDetails {
  transactionId: string;
  internalCode: string;
  externalReference: string;
  endToEndId: string | null;
  originalEndToEndId: string | null;
  status: CashOutStatus;
  amountCents: Cents;
  failure: { code: string; message: string } | null;
  payee: Payee;
  requestedAt: string;
  completedAt: string | null;
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
