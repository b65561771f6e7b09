import { describe, expect, it } from 'vitest';
import { cashInEvent, cashOutEvent } from '../../bench/webhook-events';
import { parseWebhookBody } from '../../relay/envelope';
import { RelayProblem } from '../../relay/problem';
import { parkedSearchAttributes, routeEvent } from '../../relay/routing';

const bytes = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

function problemOf(body: Buffer): RelayProblem {
  try {
    parseWebhookBody(body);
  } catch (err) {
    if (err instanceof RelayProblem) return err;
    throw err;
  }
  throw new Error('expected a RelayProblem');
}

describe('webhook body validation', () => {
  it('accepts the five documented events with their full wire shape', () => {
    for (const event of [
      cashInEvent('ref-1'),
      cashInEvent('ref-1', { eventType: 'CASHIN_REFUNDED' }),
      cashOutEvent('ref-2'),
      cashOutEvent('ref-2', { eventType: 'CASHOUT_FAILED' }),
      cashOutEvent('ref-2', { eventType: 'CASHOUT_REFUNDED' }),
    ]) {
      const parsed = parseWebhookBody(bytes(event));
      expect(parsed.knownEventType).toBe(true);
      expect(parsed.envelope).toEqual(event);
    }
  });

  it('answers 400 MALFORMED_JSON for a body that is not JSON, or empty', () => {
    for (const body of ['{"eventType":', '', 'not json']) {
      const problem = problemOf(bytes(body));
      expect([problem.status, problem.code]).toEqual([400, 'MALFORMED_JSON']);
    }
  });

  it('names every wrong field of a documented event', () => {
    const event = cashInEvent('ref-1') as unknown as { data: Record<string, unknown>; eventAt: string };
    event.data.amount = 'ten';
    event.eventAt = 'yesterday';
    const problem = problemOf(bytes(event));
    expect([problem.status, problem.code]).toEqual([400, 'INVALID_EVENT']);
    expect(problem.errors?.map((e) => e.field).sort()).toEqual(['data.amount', 'eventAt']);
    expect(problem.detail).toContain('data.amount');
  });

  it('rejects an envelope without eventType or data.transactionId', () => {
    const problem = problemOf(bytes({ eventAt: '2026-03-10T12:00:05Z', data: {} }));
    expect(problem.errors?.map((e) => e.field).sort()).toEqual(['data.transactionId', 'eventType']);
    expect(problemOf(bytes([1, 2])).code).toBe('INVALID_EVENT');
  });

  it('accepts an unknown event type with a valid envelope, keeping data as received', () => {
    const body = {
      eventType: 'CASHIN_CANCELLED',
      eventAt: '2026-03-10T12:00:05Z',
      data: { transactionId: 't1', extra: 1 },
    };
    const parsed = parseWebhookBody(bytes(body));
    expect(parsed.knownEventType).toBe(false);
    expect(parsed.envelope).toEqual(body);
  });

  it('bounds what becomes part of a workflow id', () => {
    const long = {
      eventType: 'X'.repeat(65),
      eventAt: '2026-03-10T12:00:05Z',
      data: { transactionId: 't'.repeat(129) },
    };
    expect(
      problemOf(bytes(long))
        .errors?.map((e) => e.field)
        .sort(),
    ).toEqual(['data.transactionId', 'eventType']);
  });
});

describe('routing', () => {
  it('sends CASHIN_* to cash-in:<ref> and CASHOUT_* to cash-out:<ref>, parking key per transaction and type', () => {
    const cashIn = cashInEvent('order-7', { transactionId: 'tx-in' });
    expect(routeEvent(cashIn, true)).toEqual({
      lifecycleWorkflowId: 'cash-in:order-7',
      parkedWorkflowId: 'parked:tx-in:CASHIN_PAID',
      kind: 'CASH_IN',
      reference: 'order-7',
    });
    const cashOut = cashOutEvent('order-8', { eventType: 'CASHOUT_REFUNDED', transactionId: 'tx-out' });
    expect(routeEvent(cashOut, true)).toMatchObject({
      lifecycleWorkflowId: 'cash-out:order-8',
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
