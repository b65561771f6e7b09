import { describe, expect, it } from 'vitest';
import type { PspEventEnvelope } from '../../workflows/messages';
import {
  CASH_IN_PSP,
  CASH_OUT_PSP,
  type CashInPspStatus,
  type CashOutPspStatus,
  later,
  observationFromEvent,
  type PspObservation,
} from '../../workflows/psp-observations';

const cashInObservationFromEvent = (envelope: PspEventEnvelope, reference: string) =>
  observationFromEvent(CASH_IN_PSP, envelope, reference);
const cashOutObservationFromEvent = (envelope: PspEventEnvelope, reference: string) =>
  observationFromEvent(CASH_OUT_PSP, envelope, reference);
const laterCashIn = (known: PspObservation<CashInPspStatus> | null, next: PspObservation<CashInPspStatus>) =>
  later(CASH_IN_PSP, known, next);
const laterCashOut = (known: PspObservation<CashOutPspStatus>, next: PspObservation<CashOutPspStatus>) =>
  later(CASH_OUT_PSP, known, next);

const cashInEvent = (eventType: string, status: string, amount = 25.5): PspEventEnvelope => ({
  eventType,
  eventAt: '2026-03-01T12:00:00Z',
  data: {
    transactionId: 'tx-1',
    externalReference: 'ref-1',
    internalCode: 'ABC1234',
    status,
    amount,
    endToEndId: null,
  },
});

describe('PSP observations', () => {
  it('reads a CASHIN_* envelope for its reference, amounts in centavos', () => {
    expect(cashInObservationFromEvent(cashInEvent('CASHIN_PAID', 'PAID'), 'ref-1')).toEqual({
      status: 'PAID',
      transactionId: 'tx-1',
      internalCode: 'ABC1234',
      endToEndId: null,
      amountCents: 25_50,
      failure: null,
    });
  });

  it('ignores envelopes of another reference, another kind or an unknown type', () => {
    expect(cashInObservationFromEvent(cashInEvent('CASHIN_PAID', 'PAID'), 'ref-2')).toBeNull();
    expect(cashInObservationFromEvent(cashInEvent('CASHOUT_COMPLETED', 'COMPLETED'), 'ref-1')).toBeNull();
    expect(cashInObservationFromEvent(cashInEvent('CASHIN_EXPIRED', 'EXPIRED'), 'ref-1')).toBeNull();
    expect(cashOutObservationFromEvent(cashInEvent('CASHIN_PAID', 'PAID'), 'ref-1')).toBeNull();
  });

  it('takes the later of event type and data status (a delivery carries the record as it is now)', () => {
    expect(cashInObservationFromEvent(cashInEvent('CASHIN_PAID', 'REFUNDED'), 'ref-1')?.status).toBe(
      'REFUNDED',
    );
    expect(cashInObservationFromEvent(cashInEvent('CASHIN_REFUNDED', 'PAID'), 'ref-1')?.status).toBe(
      'REFUNDED',
    );
  });

  it('never moves backwards: duplicates and stale events leave the known state', () => {
    const paid = cashInObservationFromEvent(cashInEvent('CASHIN_PAID', 'PAID'), 'ref-1');
    const refunded = cashInObservationFromEvent(cashInEvent('CASHIN_REFUNDED', 'REFUNDED', 25.5), 'ref-1');
    if (!paid || !refunded) throw new Error('fixtures must parse');
    const awaiting = { ...paid, status: 'AWAITING_PAYMENT' as const, amountCents: null };
    expect(laterCashIn(null, paid)).toBe(paid);
    expect(laterCashIn(paid, awaiting)).toBe(paid);
    expect(laterCashIn(refunded, paid)).toBe(refunded);
    expect(laterCashIn(paid, refunded).status).toBe('REFUNDED');
    // The first terminal state wins a tie: COMPLETED then FAILED stays COMPLETED.
    const completed = { ...paid, status: 'COMPLETED' as const };
    expect(laterCashOut(completed, { ...paid, status: 'FAILED' as const }).status).toBe('COMPLETED');
  });

  it('keeps the paid amount when a later event omits it', () => {
    const paid = cashInObservationFromEvent(cashInEvent('CASHIN_PAID', 'PAID', 10), 'ref-1');
    if (!paid) throw new Error('fixture must parse');
    expect(laterCashIn(paid, { ...paid, status: 'REFUNDED', amountCents: null }).amountCents).toBe(10_00);
  });

  it('reads the failure of a CASHOUT_FAILED', () => {
    const envelope: PspEventEnvelope = {
      eventType: 'CASHOUT_FAILED',
      eventAt: '2026-03-01T12:00:00Z',
      data: {
        transactionId: 'tx-2',
        externalReference: 'ref-2',
        status: 'FAILED',
        amount: 10,
        failure: { code: 'PIX_KEY_NOT_FOUND', message: 'not found' },
      },
    };
    expect(cashOutObservationFromEvent(envelope, 'ref-2')).toMatchObject({
      status: 'FAILED',
      failure: { code: 'PIX_KEY_NOT_FOUND', message: 'not found' },
      amountCents: 10_00,
    });
  });
});
