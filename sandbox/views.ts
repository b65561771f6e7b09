import type { CashIn, CashOut } from '../domain/connectpsp';
import { centsToReais } from '../domain/money';
import type { CashInRecord, CashOutRecord } from './records';
import { nullableUtcIso, saoPauloIso } from './time';

/** The `GET /cash-in/{id}` shape, also the `data` of CASHIN_* webhooks. */
export function cashInView(record: CashInRecord): CashIn {
  return {
    transactionId: record.transactionId,
    internalCode: record.internalCode,
    externalReference: record.externalReference,
    endToEndId: record.endToEndId,
    originalEndToEndId: record.originalEndToEndId,
    status: record.status,
    amount: centsToReais(record.paidCents ?? record.chargedCents),
    payer: { ...record.payer, bankData: record.payerBankData },
    requestedAt: saoPauloIso(record.requestedAt),
    paidAt: nullableUtcIso(record.paidAt),
    refundedAt: nullableUtcIso(record.refundedAt),
    expiredAt: nullableUtcIso(record.expiredAt),
  };
}

/** The `GET /cash-out/{id}` shape, also the `data` of CASHOUT_* webhooks. */
export function cashOutView(record: CashOutRecord): CashOut {
  return {
    transactionId: record.transactionId,
    internalCode: record.internalCode,
    externalReference: record.externalReference,
    endToEndId: record.endToEndId,
    originalEndToEndId: record.originalEndToEndId,
    status: record.status,
    amount: centsToReais(record.amountCents),
    failure: record.failure,
    payee: record.payee,
    requestedAt: saoPauloIso(record.requestedAt),
    completedAt: nullableUtcIso(record.completedAt),
  };
}
