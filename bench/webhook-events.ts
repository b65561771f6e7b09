import { randomUUID } from 'node:crypto';
import type { CashInEvent, CashOutEvent } from '../domain/connectpsp/webhook';

/** A valid CASHIN_PAID / CASHIN_REFUNDED envelope, wire shape (reais), for relay tests and the benchmark. */
export function cashInEvent(
  reference: string,
  options: { eventType?: CashInEvent['eventType']; transactionId?: string } = {},
): CashInEvent {
  const eventType = options.eventType ?? 'CASHIN_PAID';
  return {
    eventType,
    eventAt: '2026-03-10T12:00:05Z',
    data: {
      transactionId: options.transactionId ?? randomUUID().replaceAll('-', '').slice(0, 32).padEnd(35, 'x'),
      internalCode: 'CI12345678',
      externalReference: reference,
      endToEndId: 'E18236120202603101200abcdefghijk',
      originalEndToEndId: null,
      status: eventType === 'CASHIN_PAID' ? 'PAID' : 'REFUNDED',
      amount: 150.25,
      payer: {
        name: 'Maria Souza',
        document: '11144477735',
        bankData: { ispb: '18236120', bank: 'Banco Exemplo', branch: '0001', account: '123456' },
      },
      requestedAt: '2026-03-10T08:59:00-03:00',
      paidAt: '2026-03-10T12:00:04Z',
      refundedAt: null,
      expiredAt: null,
    },
  };
}

/** A valid CASHOUT_* envelope, wire shape (reais). */
export function cashOutEvent(
  reference: string,
  options: { eventType?: CashOutEvent['eventType']; transactionId?: string } = {},
): CashOutEvent {
  const eventType = options.eventType ?? 'CASHOUT_COMPLETED';
  return {
    eventType,
    eventAt: '2026-03-10T12:00:05Z',
    data: {
      transactionId: options.transactionId ?? randomUUID(),
      internalCode: 'CO12345678',
      externalReference: reference,
      endToEndId: eventType === 'CASHOUT_FAILED' ? null : 'E18236120202603101200abcdefghijk',
      originalEndToEndId: null,
      status:
        eventType === 'CASHOUT_COMPLETED'
          ? 'COMPLETED'
          : eventType === 'CASHOUT_FAILED'
            ? 'FAILED'
            : 'REFUNDED',
      amount: 80,
      failure: eventType === 'CASHOUT_FAILED' ? { code: 'PIX_KEY_NOT_FOUND', message: 'not found' } : null,
      payee: {
        name: 'João Lima',
        document: '11144477735',
        destination: { type: 'PIX', pixKeyType: 'CPF', pixKey: '11144477735' },
      },
      requestedAt: '2026-03-10T08:59:00-03:00',
      completedAt: eventType === 'CASHOUT_FAILED' ? null : '2026-03-10T12:00:04Z',
    },
  };
}
