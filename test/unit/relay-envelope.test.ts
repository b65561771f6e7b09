import { describe, expect, it } from 'vitest';
import { cashInEvent, cashOutEvent } from '../../bench/webhook-events';
import { parseWebhookBody } from '../../relay/envelope';
import { parkedSearchAttributes, routeEvent } from '../../relay/routing';

const bytes = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

/** The problems of a body the relay must park as unreadable (fails the test when it is readable). */
function problemsOf(body: Buffer) {
  const parsed = parseWebhookBody(body);
  if (parsed.readable) throw new Error('expected an unreadable body');
  return parsed;
}

describe('webhook body reading (after the signature was verified)', () => {
  it('reads the five documented events with their full wire shape', () => {
    for (const event of [
      cashInEvent('ref-1'),
      cashInEvent('ref-1', { eventType: 'CASHIN_REFUNDED' }),
      cashOutEvent('ref-2'),
      cashOutEvent('ref-2', { eventType: 'CASHOUT_FAILED' }),
      cashOutEvent('ref-2', { eventType: 'CASHOUT_REFUNDED' }),
    ]) {
      expect(parseWebhookBody(bytes(event))).toEqual({
        readable: true,
        envelope: event,
        knownEventType: true,
      });
    }
  });

  it('reads a documented event liberally: absent nullable fields, masked documents, other id formats, unknown fields', () => {
    const event = cashInEvent('ref-1', { transactionId: 'TX/42-not-the-documented-format' }) as unknown as {
      data: Record<string, unknown>;
      eventAt?: string;
    };
    delete event.data.originalEndToEndId;
    delete event.data.refundedAt;
    delete event.data.internalCode;
    delete event.eventAt;
    event.data.payer = { name: 'M*** S***', document: '***.444.777-**' };
    event.data.somethingNew = { nested: true };
    const parsed = parseWebhookBody(bytes(event));
    expect(parsed).toMatchObject({ readable: true, knownEventType: true });
    expect(parsed.envelope.data).toMatchObject({
      transactionId: 'TX/42-not-the-documented-format',
      somethingNew: { nested: true },
    });
  });

  it('parks a body that is not JSON, or empty, under an id derived from the body', () => {
    for (const body of ['{"eventType":', '', 'not json']) {
      const parsed = problemsOf(bytes(body));
      expect(parsed.problems).toEqual([{ field: '(body)', message: 'must be valid JSON' }]);
      expect(parsed.envelope).toMatchObject({ eventType: 'UNREADABLE', data: { body } });
      expect(parsed.envelope.data.transactionId).toMatch(/^body-[0-9a-f]{24}$/);
    }
    expect(problemsOf(bytes('x')).envelope.data.transactionId).not.toBe(
      problemsOf(bytes('y')).envelope.data.transactionId,
    );
  });

  it('names every field of a documented event it cannot use, and keeps its ids for parking', () => {
    const event = cashInEvent('ref-1', { transactionId: 'tx-7' }) as unknown as {
      data: Record<string, unknown>;
    };
    event.data.amount = 'ten';
    event.data.status = 'SOMETHING';
    const parsed = problemsOf(bytes(event));
    expect(parsed.problems.map((e) => e.field).sort()).toEqual(['data.amount', 'data.status']);
    expect(parsed.envelope).toMatchObject({
      eventType: 'CASHIN_PAID',
      data: { transactionId: 'tx-7', externalReference: 'ref-1' },
    });
  });

  it('parks an envelope without eventType or data.transactionId', () => {
    const parsed = problemsOf(bytes({ eventAt: '2026-03-10T12:00:05Z', data: {} }));
    expect(parsed.problems.map((e) => e.field).sort()).toEqual(['data.transactionId', 'eventType']);
    expect(problemsOf(bytes([1, 2])).envelope.eventType).toBe('UNREADABLE');
  });

  it('reads an unknown event type with a valid envelope, keeping data as received', () => {
    const body = {
      eventType: 'CASHIN_CANCELLED',
      eventAt: '2026-03-10T12:00:05Z',
      data: { transactionId: 't1', extra: 1 },
    };
    expect(parseWebhookBody(bytes(body))).toEqual({ readable: true, envelope: body, knownEventType: false });
  });

  it('bounds what becomes part of a workflow id', () => {
    const long = {
      eventType: 'X'.repeat(65),
      eventAt: '2026-03-10T12:00:05Z',
      data: { transactionId: 't'.repeat(129) },
    };
    const parsed = problemsOf(bytes(long));
    expect(parsed.problems.map((e) => e.field).sort()).toEqual(['data.transactionId', 'eventType']);
    expect(parsed.envelope.eventType).toBe('UNREADABLE');
    expect(parsed.envelope.data.transactionId).toMatch(/^body-/);
  });
});

describe('routing', () => {
  it('sends CASHIN_* to cash-in:<ref> and CASHOUT_* to cash-out:<ref> (their late-event runs once closed), parking key per transaction and type', () => {
    const cashIn = cashInEvent('order-7', { transactionId: 'tx-in' });
    expect(routeEvent(cashIn, true)).toEqual({
      lifecycleWorkflowId: 'cash-in:order-7',
      lateWorkflowId: 'cash-in-late:order-7',
      parkedWorkflowId: 'parked:tx-in:CASHIN_PAID',
      kind: 'CASH_IN',
      reference: 'order-7',
    });
    const cashOut = cashOutEvent('order-8', { eventType: 'CASHOUT_REFUNDED', transactionId: 'tx-out' });
    expect(routeEvent(cashOut, true)).toMatchObject({
      lifecycleWorkflowId: 'cash-out:order-8',
      lateWorkflowId: 'cash-out-late:order-8',
      parkedWorkflowId: 'parked:tx-out:CASHOUT_REFUNDED',
      kind: 'CASH_OUT',
    });
  });

  it('never routes an unknown event type to a lifecycle', () => {
    const envelope = {
      eventType: 'CASHIN_CANCELLED',
      eventAt: '2026-03-10T12:00:05Z',
      data: { transactionId: 't', externalReference: 'r' },
    };
    expect(routeEvent(envelope, false)).toEqual({
      lifecycleWorkflowId: null,
      lateWorkflowId: null,
      parkedWorkflowId: 'parked:t:CASHIN_CANCELLED',
      kind: 'CASH_IN',
      reference: 'r',
    });
    const other = { ...envelope, eventType: 'ACCOUNT_BLOCKED', data: { transactionId: 't' } };
    expect(routeEvent(other, false)).toMatchObject({ kind: 'UNKNOWN', reference: null });
  });

  it('makes parked events findable by status, kind, reference and PSP transaction id', () => {
    const event = cashInEvent('order-9', { transactionId: 'tx-9' });
    const attributes = parkedSearchAttributes(event, routeEvent(event, true));
    expect(Object.fromEntries(attributes.map((a) => [a.key.name, a.value]))).toEqual({
      PaymentKind: 'CASH_IN',
      PaymentStatus: 'PARKED',
      PspTransactionId: 'tx-9',
      PaymentReference: 'order-9',
    });
  });
});
