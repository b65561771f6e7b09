/**
 * What the workflows learn about their PSP transaction, from a webhook envelope or a GET, in one
 * shape with amounts in centavos. Observations only move forward: PSP terminal states never
 * change, so a duplicate, stale or out-of-order event can never undo what is already known.
 */
import type { CashInDetails, CashOutDetails } from '../connectpsp/types';
import type { CashIn } from '../domain/connectpsp/cash-in';
import type { CashOut } from '../domain/connectpsp/cash-out';
import { reaisToCents } from '../domain/money';
import type { CashInStatus, CashOutStatus, PspEventEnvelope } from './messages';

export type CashInPspStatus = NonNullable<CashInStatus['psp']['status']>;
export type CashOutPspStatus = NonNullable<CashOutStatus['psp']['status']>;

export interface PspObservation<S extends string> {
  status: S;
  transactionId: string;
  internalCode: string | null;
  endToEndId: string | null;
  amountCents: number | null;
  failure: { code: string; message: string } | null;
}

const CASH_IN_RANK: Record<CashInPspStatus, number> = {
  AWAITING_PAYMENT: 0,
  PAID: 1,
  EXPIRED: 1,
  CANCELLED: 1,
  REFUNDED: 2,
};

const CASH_OUT_RANK: Record<CashOutPspStatus, number> = {
  PROCESSING: 0,
  COMPLETED: 1,
  FAILED: 1,
  CANCELLED: 1,
  REFUNDED: 2,
};

const CASH_IN_EVENT_STATUS: Record<string, CashInPspStatus> = {
  CASHIN_PAID: 'PAID',
  CASHIN_REFUNDED: 'REFUNDED',
};

const CASH_OUT_EVENT_STATUS: Record<string, CashOutPspStatus> = {
  CASHOUT_COMPLETED: 'COMPLETED',
  CASHOUT_FAILED: 'FAILED',
  CASHOUT_REFUNDED: 'REFUNDED',
};

/** The later of two observations; on a tie the one already known stays (first terminal state wins). */
export function laterCashIn(
  known: PspObservation<CashInPspStatus> | null,
  next: PspObservation<CashInPspStatus>,
): PspObservation<CashInPspStatus> {
  return later(known, next, CASH_IN_RANK);
}

export function laterCashOut(
  known: PspObservation<CashOutPspStatus> | null,
  next: PspObservation<CashOutPspStatus>,
): PspObservation<CashOutPspStatus> {
  return later(known, next, CASH_OUT_RANK);
}

function later<S extends string>(
  known: PspObservation<S> | null,
  next: PspObservation<S>,
  rank: Record<S, number>,
): PspObservation<S> {
  if (!known) return next;
  if (rank[next.status] <= rank[known.status]) return known;
  // The paid amount is stated once (CASHIN_PAID); a later event may not repeat it.
  return { ...next, amountCents: next.amountCents ?? known.amountCents };
}

/** A CASHIN_* envelope for `reference`, or null when it is not one (wrong type, other reference, bad shape). */
export function cashInObservationFromEvent(
  envelope: PspEventEnvelope,
  reference: string,
): PspObservation<CashInPspStatus> | null {
  const eventStatus = CASH_IN_EVENT_STATUS[envelope.eventType];
  const data = envelope.data as Partial<CashIn>;
  if (!eventStatus || data.externalReference !== reference || typeof data.transactionId !== 'string')
    return null;
  const dataStatus = data.status && data.status in CASH_IN_RANK ? data.status : eventStatus;
  return {
    status: CASH_IN_RANK[dataStatus] > CASH_IN_RANK[eventStatus] ? dataStatus : eventStatus,
    transactionId: data.transactionId,
    internalCode: data.internalCode ?? null,
    endToEndId: data.endToEndId ?? null,
    amountCents: wireCents(data.amount),
    failure: null,
  };
}

export function cashOutObservationFromEvent(
  envelope: PspEventEnvelope,
  reference: string,
): PspObservation<CashOutPspStatus> | null {
  const eventStatus = CASH_OUT_EVENT_STATUS[envelope.eventType];
  const data = envelope.data as Partial<CashOut>;
  if (!eventStatus || data.externalReference !== reference || typeof data.transactionId !== 'string')
    return null;
  const dataStatus = data.status && data.status in CASH_OUT_RANK ? data.status : eventStatus;
  return {
    status: CASH_OUT_RANK[dataStatus] > CASH_OUT_RANK[eventStatus] ? dataStatus : eventStatus,
    transactionId: data.transactionId,
    internalCode: data.internalCode ?? null,
    endToEndId: data.endToEndId ?? null,
    amountCents: wireCents(data.amount),
    failure: data.failure ?? null,
  };
}

export function cashInObservationFromDetails(details: CashInDetails): PspObservation<CashInPspStatus> {
  return {
    status: details.status,
    transactionId: details.transactionId,
    internalCode: details.internalCode,
    endToEndId: details.endToEndId,
    amountCents: details.status === 'AWAITING_PAYMENT' ? null : details.amountCents,
    failure: null,
  };
}

export function cashOutObservationFromDetails(details: CashOutDetails): PspObservation<CashOutPspStatus> {
  return {
    status: details.status,
    transactionId: details.transactionId,
    internalCode: details.internalCode,
    endToEndId: details.endToEndId,
    amountCents: details.amountCents,
    failure: details.failure,
  };
}

function wireCents(amount: unknown): number | null {
  if (typeof amount !== 'number') return null;
  try {
    return reaisToCents(amount);
  } catch {
    return null;
  }
}
