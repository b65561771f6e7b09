import { z } from 'zod';
import { cashInSchema } from './cash-in';
import { cashOutSchema } from './cash-out';
import { timestamp } from './common';

export const WEBHOOK_EVENT_TYPES = [
  'CASHIN_PAID',
  'CASHIN_REFUNDED',
  'CASHOUT_COMPLETED',
  'CASHOUT_FAILED',
  'CASHOUT_REFUNDED',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export const cashInEventSchema = z.object({
  eventType: z.enum(['CASHIN_PAID', 'CASHIN_REFUNDED']),
  eventAt: timestamp,
  data: cashInSchema,
});
export type CashInEvent = z.infer<typeof cashInEventSchema>;

export const cashOutEventSchema = z.object({
  eventType: z.enum(['CASHOUT_COMPLETED', 'CASHOUT_FAILED', 'CASHOUT_REFUNDED']),
  eventAt: timestamp,
  data: cashOutSchema,
});
export type CashOutEvent = z.infer<typeof cashOutEventSchema>;

export const webhookEventSchema = z.discriminatedUnion('eventType', [cashInEventSchema, cashOutEventSchema]);
export type WebhookEvent = z.infer<typeof webhookEventSchema>;

/**
 * The envelope alone, read loosely: what routing needs (the event type, the transaction and the
 * reference); `eventAt` is informative. Unknown event types are parked rather than rejected.
 */
export const webhookEnvelopeSchema = z.object({
  eventType: z.string().min(1),
  eventAt: z
    .string()
    .nullish()
    .transform((value) => value ?? ''),
  data: z.object({ transactionId: z.string().min(1), externalReference: z.string().optional() }).loose(),
});
export type WebhookEnvelope = z.infer<typeof webhookEnvelopeSchema>;
