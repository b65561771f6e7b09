/**
 * The only place where centavos become reais and back (domain/money.ts does the arithmetic).
 * Inputs reach these functions after the client checked that every `…Cents` is an integer.
 */
import type {
  BalanceResponse,
  CashInRecordWire,
  CashOutRecordWire,
  CreateCashInRequest,
  CreateCashOutRequest,
  CreatedCashInWire,
  CreatedCashOutWire,
  RefundedCashInWire,
} from '../domain/connectpsp';
import { centsToReais, reaisToCents } from '../domain/money';
import type {
  AccountBalance,
  CashInRecord,
  CashOutRecord,
  CreateCashInInput,
  CreateCashOutInput,
  CreatedCashIn,
  CreatedCashOut,
  RefundedCashIn,
} from './types';

export function cashInRequestToWire(input: CreateCashInInput): CreateCashInRequest {
  return {
    amount: centsToReais(input.amountCents),
    externalReference: input.externalReference,
    expirationInMinutes: input.expirationInMinutes,
    webhookUrl: input.webhookUrl,
    payer: input.payer,
    openFinance:
      input.openFinanceRedirectUrl === undefined ? undefined : { redirectUrl: input.openFinanceRedirectUrl },
  };
}

export function createdCashInFromWire(wire: CreatedCashInWire): CreatedCashIn {
  return {
    transactionId: wire.transactionId,
    internalCode: wire.internalCode,
    externalReference: wire.externalReference,
    amountCents: reaisToCents(wire.amount),
    copyAndPaste: wire.pixData.copyAndPaste,
    qrCodeImageBase64: wire.pixData.qrCodeImageBase64,
    ...(wire.paymentUrl === null ? {} : { paymentUrl: wire.paymentUrl }),
    requestedAt: wire.requestedAt,
  };
}

export function cashInFromWire(wire: CashInRecordWire): CashInRecord {
  return {
    transactionId: wire.transactionId,
    internalCode: wire.internalCode,
    externalReference: wire.externalReference,
    endToEndId: wire.endToEndId,
    status: wire.status,
    amountCents: reaisToCents(wire.amount),
  };
}

export function refundedCashInFromWire(wire: RefundedCashInWire): RefundedCashIn {
  return { transactionId: wire.transactionId, endToEndId: wire.endToEndId };
}

export function cashOutRequestToWire(input: CreateCashOutInput): CreateCashOutRequest {
  return {
    amount: centsToReais(input.amountCents),
    externalReference: input.externalReference,
    description: input.description,
    webhookUrl: input.webhookUrl,
    payee: input.payee,
  };
}

export function createdCashOutFromWire(wire: CreatedCashOutWire): CreatedCashOut {
  return {
    transactionId: wire.transactionId,
    internalCode: wire.internalCode,
    externalReference: wire.externalReference,
    amountCents: reaisToCents(wire.amount),
  };
}

export function cashOutFromWire(wire: CashOutRecordWire): CashOutRecord {
  return {
    transactionId: wire.transactionId,
    internalCode: wire.internalCode,
    externalReference: wire.externalReference,
    endToEndId: wire.endToEndId,
    status: wire.status,
    amountCents: reaisToCents(wire.amount),
    failure: wire.failure,
  };
}

export function rebalanceTargetToWire(targetCents: number): number {
  return centsToReais(targetCents);
}

export function balanceFromWire(wire: BalanceResponse): AccountBalance {
  const account = (side: { branch: string; account: string; balance: number }) => ({
    branch: side.branch,
    account: side.account,
    balanceCents: reaisToCents(side.balance),
  });
  return {
    currency: wire.currency,
    referenceDate: wire.referenceDate,
    totalCents: reaisToCents(wire.consolidated.totalBalance),
    transactionalCents: reaisToCents(wire.consolidated.transactionalBalance),
    proprietaryCents: reaisToCents(wire.consolidated.proprietaryBalance),
    banks: wire.banks.map((bank) => ({
      ispb: bank.ispb,
      bank: bank.bank,
      transactional: account(bank.accounts.transactional),
      proprietary: account(bank.accounts.proprietary),
    })),
    updatedAt: wire.updatedAt,
  };
}
