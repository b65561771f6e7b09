import type { z } from 'zod';
import { WEBHOOK_EVENT_TYPES, webhookEnvelopeSchema, webhookEventSchema } from '../domain/connectpsp/webhook';
import { formatBrl, MAX_AMOUNT_CENTS } from '../domain/money';
import { parseStrictJson } from '../domain/strict-json';
import type { PspEventEnvelope } from '../workflows/messages';
import { type FieldError, RelayProblem } from './problem';

/** Bounds on what becomes part of a workflow id (`parked:<transactionId>:<eventType>`). */
const MAX_EVENT_TYPE_LENGTH = 64;
const MAX_TRANSACTION_ID_LENGTH = 128;

export interface ParsedWebhook {
  envelope: PspEventEnvelope;
  /** One of the five documented events, valid field by field; unknown types are parked. */
  knownEventType: boolean;
}

/**
 * The signed body as an event envelope, or a 400 naming every problem. The JSON must be strict
 * (no key twice in an object, at most 16 levels deep: domain/strict-json.ts). Documented event
 * types must match their full wire schema; any other type needs only a valid envelope (parked).
 */
export function parseWebhookBody(rawBody: Buffer): ParsedWebhook {
  const parsed = parseStrictJson(rawBody.toString('utf8'));
  if (!parsed.ok && parsed.kind === 'MALFORMED') {
    throw new RelayProblem(400, 'MALFORMED_JSON', 'The request body is not valid JSON', [
      { field: parsed.field, message: parsed.rule },
    ]);
  }
  if (!parsed.ok) throw invalidEvent([{ field: parsed.field, message: parsed.rule }]);
  const json = parsed.value;
  const eventType = (json as { eventType?: unknown } | null)?.eventType;
  const knownEventType = (WEBHOOK_EVENT_TYPES as readonly string[]).includes(eventType as string);
  if (knownEventType) {
    const event = webhookEventSchema.safeParse(json);
    if (!event.success) throw invalidEvent(fieldErrors(event.error));
  }
  const envelope = webhookEnvelopeSchema.safeParse(json);
  if (!envelope.success) throw invalidEvent(fieldErrors(envelope.error));
  const bounds = boundErrors(envelope.data);
  if (bounds.length > 0) throw invalidEvent(bounds);
  return { envelope: envelope.data, knownEventType };
}

function boundErrors(envelope: PspEventEnvelope): FieldError[] {
  const errors: FieldError[] = [];
  if (envelope.eventType.length > MAX_EVENT_TYPE_LENGTH) {
    errors.push({ field: 'eventType', message: `must be at most ${MAX_EVENT_TYPE_LENGTH} characters` });
  }
  // Beyond it an amount has no exact integer number of centavos, and no payment of ours is that large.
  const amount = (envelope.data as { amount?: unknown }).amount;
  if (typeof amount === 'number' && amount * 100 > MAX_AMOUNT_CENTS) {
    errors.push({ field: 'data.amount', message: `must be at most ${formatBrl(MAX_AMOUNT_CENTS)}` });
  }
  if (envelope.data.transactionId.length > MAX_TRANSACTION_ID_LENGTH) {
    errors.push({
      field: 'data.transactionId',
      message: `must be at most ${MAX_TRANSACTION_ID_LENGTH} characters`,
    });
  }
  return errors;
}

function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.join('.') : '(body)',
    message: issue.message,
  }));
}

function invalidEvent(errors: FieldError[]): RelayProblem {
  const fields = [...new Set(errors.map((e) => e.field))].join(', ');
  return new RelayProblem(400, 'INVALID_EVENT', `The webhook event is invalid: ${fields}`, errors);
}
