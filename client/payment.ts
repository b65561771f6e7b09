import { ID_CHARACTERS, MAX_REFERENCE_LENGTH, ValidationError } from '../domain/validation';
import type { CashInState, CashInStatus, CashOutState, CashOutStatus } from '../workflows/messages';
import type { PaymentKind } from '../workflows/start-options';

/** The status query's answer for one payment, with where to see it. */
export type Payment = (CashInStatus | CashOutStatus) & { workflowId: string; webUiUrl?: string };

/** Every state of each lifecycle (records, so a state added to the types must be added here). */
const CASH_IN_STATES: Record<CashInState, true> = {
  CREATING: true,
  AWAITING_PAYMENT: true,
  PAID: true,
  REFUNDING: true,
  NEEDS_REVIEW: true,
  SETTLED: true,
  EXPIRED: true,
  REFUNDED: true,
  FAILED: true,
  CANCELLED: true,
};
const CASH_OUT_STATES: Record<CashOutState, true> = {
  HOLDING: true,
  SENDING: true,
  TOPPING_UP: true,
  PROCESSING: true,
  NEEDS_REVIEW: true,
  SETTLED: true,
  EXPIRED: true,
  REFUNDED: true,
  FAILED: true,
  CANCELLED: true,
};

export const PAYMENT_STATES: Record<PaymentKind, readonly string[]> = {
  CASH_IN: Object.keys(CASH_IN_STATES),
  CASH_OUT: Object.keys(CASH_OUT_STATES),
};

/** A payment lifecycle's status (a workflow's result or failure details), as opposed to anything else. */
export function isPaymentStatus(value: unknown): value is CashInStatus | CashOutStatus {
  const kind = (value as { kind?: unknown } | null)?.kind;
  return (
    (kind === 'CASH_IN' || kind === 'CASH_OUT') && typeof (value as { state?: unknown }).state === 'string'
  );
}

/** Throws ValidationError unless `reference` can be a business reference (it becomes part of a workflow id). */
export function checkReference(reference: string): void {
  const ok =
    typeof reference === 'string' &&
    reference.length >= 1 &&
    reference.length <= MAX_REFERENCE_LENGTH &&
    ID_CHARACTERS.test(reference);
  if (!ok) {
    throw new ValidationError([
      { field: 'reference', rule: `must be 1-${MAX_REFERENCE_LENGTH} letters, digits and . _ : -` },
    ]);
  }
}
