/**
 * What the workflows learn about their PSP transaction, from a webhook envelope or a GET, in one
 * shape with amounts in centavos. Observations only move forward: PSP terminal states never
 * change, so a duplicate, stale or out-of-order event can never undo what is already known.
 * One mapper serves both kinds of payment; a `PspKind` holds what differs (statuses and events).
 */
import { reaisToCents } from '../domain/money';
import type { CashInStatus, CashOutStatus, PspEventEnvelope } from './messages';

export type CashInPspStatus = NonNullable<CashInStatus['psp']['status']>;
export type CashOutPspStatus = NonNullable<CashOutStatus['psp']['status']>;

export interface PspObservation<S extends string> {
  status: S;
  transactionId: string;
  internalCode: string | null;
  endToEndId: string | null;
  /** What was paid (cash-in) or sent (cash-out); null while the PSP has not decided yet. */
  amountCents: number | null;
  failure: { code: string; message: string } | null;
}

export interface PspKind<S extends string> {
  /** The status before the PSP decided anything (no amount is known then). */
  pending: S;
  /** How far each status is: an observation only replaces one of a lower rank. */
  rank: Readonly<Record<S, number>>;
  /** The webhook event types of this kind and the status each announces. */
  eventStatus: Readonly<Record<string, S>>;
}

export const CASH_IN_PSP: PspKind<CashInPspStatus> = {
  pending: 'AWAITING_PAYMENT',
  rank: { AWAITING_PAYMENT: 0, PAID: 1, EXPIRED: 1, CANCELLED: 1, REFUNDED: 2 },
  eventStatus: { CASHIN_PAID: 'PAID', CASHIN_REFUNDED: 'REFUNDED' },
};

export const CASH_OUT_PSP: PspKind<CashOutPspStatus> = {
  pending: 'PROCESSING',
  rank: { PROCESSING: 0, COMPLETED: 1, FAILED: 1, CANCELLED: 1, REFUNDED: 2 },
  eventStatus: {
    CASHOUT_COMPLETED: 'COMPLETED',
    CASHOUT_FAILED: 'FAILED',
    CASHOUT_REFUNDED: 'REFUNDED',
  },
};

/** The later of two observations; on a tie the one already known stays (first terminal state wins). */
export function later<S extends string>(
  kind: PspKind<S>,
  known: PspObservation<S> | null,
  next: PspObservation<S>,
): PspObservation<S> {
  if (!known) return next;
  if (kind.rank[next.status] <= kind.rank[known.status]) return known;
  // The paid amount is stated once (CASHIN_PAID); a later event may not repeat it.
  return { ...next, amountCents: next.amountCents ?? known.amountCents };
}

/** An envelope of this kind for `reference`, or null when it is not one (wrong type, other reference, bad shape). */
export function observationFromEvent<S extends string>(
  kind: PspKind<S>,
  envelope: PspEventEnvelope,
  reference: string,
): PspObservation<S> | null {
  const eventStatus = kind.eventStatus[envelope.eventType];
  // The relay checked the envelope; its data is read field by field, as loosely as the PSP's GET.
  const data = envelope.data as {
    transactionId?: unknown;
    externalReference?: unknown;
    internalCode?: string | null;
    endToEndId?: string | null;
    status?: string;
    amount?: unknown;
    failure?: { code: string; message: string } | null;
  };
  if (!eventStatus || data.externalReference !== reference || typeof data.transactionId !== 'string')
    return null;
  // A delivery carries the record as it is now, which may be further than its event type says.
  const dataStatus = data.status !== undefined && data.status in kind.rank ? (data.status as S) : eventStatus;
  return {
    status: kind.rank[dataStatus] > kind.rank[eventStatus] ? dataStatus : eventStatus,
    transactionId: data.transactionId,
    internalCode: data.internalCode ?? null,
    endToEndId: data.endToEndId ?? null,
    amountCents: wireCents(data.amount),
    failure: data.failure ?? null,
  };
}

/** The PSP's own record (GET /cash-in/{id}, GET /cash-out/{id}) as an observation. */
export function observationFromRecord<S extends string>(
  kind: PspKind<S>,
  record: {
    status: S;
    transactionId: string;
    internalCode: string | null;
    endToEndId: string | null;
    amountCents: number;
    failure?: { code: string; message: string } | null;
  },
): PspObservation<S> {
  return {
    status: record.status,
    transactionId: record.transactionId,
    internalCode: record.internalCode,
    endToEndId: record.endToEndId,
    amountCents: record.status === kind.pending ? null : record.amountCents,
    failure: record.failure ?? null,
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
