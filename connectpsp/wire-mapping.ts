/**
 * The only place where centavos become reais and back (domain/money.ts does the arithmetic).
 * Inputs reach these functions after the client checked that every `…Cents` is an integer.
 */
import type {
  BalanceResponse,
  CashIn,
  CashOut,
  CreateCashInRequest,
  CreateCashInResponse,
  CreateCashOutRequest,
  CreateCashOutResponse,
} from '../domain/connectpsp';
import { centsToReais, reaisToCents } from '../domain/money';
import type {
  AccountBalance,
  CashInDetails,
  CashOutDetails,
  CreateCashInInput,
  CreateCashOutInput,
  CreatedCashIn,
  CreatedCashOut,
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

export function createdCashInFromWire(wire: CreateCashInResponse): CreatedCashIn {
  const { amount, pixData, paymentUrl, ...rest } = wire;
  return {
    ...rest,
    amountCents: reaisToCents(amount),
    copyAndPaste: pixData.copyAndPaste,
    qrCodeImageBase64: pixData.qrCodeImageBase64,
    ...(paymentUrl === undefined ? {} : { paymentUrl }),
  };
}

export function cashInFromWire(wire: CashIn): CashInDetails {
  const { amount, ...rest } = wire;
  return { ...rest, amountCents: reaisToCents(amount) };
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

export function createdCashOutFromWire(wire: CreateCashOutResponse): CreatedCashOut {
  const { amount, ...rest } = wire;
  return { ...rest, amountCents: reaisToCents(amount) };
}

export function cashOutFromWire(wire: CashOut): CashOutDetails {
  const { amount, ...rest } = wire;
  return { ...rest, amountCents: reaisToCents(amount) };
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
