import type { z } from 'zod';
import { WEBHOOK_EVENT_TYPES, webhookEnvelopeSchema, webhookEventSchema } from '../domain/connectpsp/webhook';
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
 * The signed body as an event envelope, or a 400 naming every problem. Documented event types
 * must match their full wire schema; any other type needs only a valid envelope (it is parked).
 */
export function parseWebhookBody(rawBody: Buffer): ParsedWebhook {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new RelayProblem(400, 'MALFORMED_JSON', 'The request body is not valid JSON');
  }
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
