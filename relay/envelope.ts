import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { cashInRecordReader, cashOutRecordReader } from '../domain/connectpsp/readers';
import { WEBHOOK_EVENT_TYPES, webhookEnvelopeSchema } from '../domain/connectpsp/webhook';
import { formatBrl, MAX_AMOUNT_CENTS } from '../domain/money';
import { parseStrictJson } from '../domain/strict-json';
import type { PspEventEnvelope } from '../workflows/messages';
import type { FieldError } from './problem';

/** Bounds on what becomes part of a workflow id (`parked:<transactionId>:<eventType>`). */
const MAX_EVENT_TYPE_LENGTH = 64;
const MAX_TRANSACTION_ID_LENGTH = 128;
/** The event type under which a body that names none is parked. */
export const UNREADABLE_EVENT_TYPE = 'UNREADABLE';

export type ParsedWebhook =
  /** An envelope the relay can route: a documented event whose data it can read, or another event type (parked). */
  | { readable: true; envelope: PspEventEnvelope; knownEventType: boolean }
  /**
   * A signed body the relay cannot use: it is parked as received (never refused, so ConnectPSP does
   * not retry it into oblivion), under an envelope built from whatever identifies it.
   */
  | { readable: false; envelope: PspEventEnvelope; problems: FieldError[] };

/**
 * The signed body as an event. The JSON must be strict (no key twice in an object, at most 16
 * levels deep: domain/strict-json.ts). Documented event types are read as loosely as the PSP's GET
 * answers (domain/connectpsp/readers.ts): only the fields the workflows use must be there. Any
 * other body is `readable: false`, with every problem named.
 */
export function parseWebhookBody(rawBody: Buffer): ParsedWebhook {
  const parsed = parseStrictJson(rawBody.toString('utf8'));
  if (!parsed.ok) {
    const json = parsed.kind === 'MALFORMED' ? undefined : safeParse(rawBody);
    return unreadable(rawBody, json, [{ field: parsed.field, message: parsed.rule }]);
  }
  const json = parsed.value;
  const envelope = webhookEnvelopeSchema.safeParse(json);
  if (!envelope.success) return unreadable(rawBody, json, fieldErrors(envelope.error));
  const bounds = boundErrors(envelope.data);
  if (bounds.length > 0) return unreadable(rawBody, json, bounds);

  const { eventType } = envelope.data;
  const knownEventType = (WEBHOOK_EVENT_TYPES as readonly string[]).includes(eventType);
  if (knownEventType) {
    const reader = eventType.startsWith('CASHIN_') ? cashInRecordReader : cashOutRecordReader;
    const data = reader.safeParse(envelope.data.data);
    if (!data.success) return unreadable(rawBody, json, fieldErrors(data.error, 'data.'));
  }
  return { readable: true, envelope: envelope.data, knownEventType };
}

function unreadable(rawBody: Buffer, json: unknown, problems: FieldError[]): ParsedWebhook {
  const body = (typeof json === 'object' && json !== null ? json : {}) as {
    eventType?: unknown;
    eventAt?: unknown;
    data?: { transactionId?: unknown; externalReference?: unknown };
  };
  const digest = createHash('sha256').update(rawBody).digest('hex').slice(0, 24);
  const eventType = boundedText(body.eventType, MAX_EVENT_TYPE_LENGTH) ?? UNREADABLE_EVENT_TYPE;
  const transactionId = boundedText(body.data?.transactionId, MAX_TRANSACTION_ID_LENGTH) ?? `body-${digest}`;
  const externalReference = boundedText(body.data?.externalReference, MAX_TRANSACTION_ID_LENGTH);
  return {
    readable: false,
    problems,
    envelope: {
      eventType,
      eventAt: typeof body.eventAt === 'string' ? body.eventAt : '',
      data: {
        transactionId,
        ...(externalReference ? { externalReference } : {}),
        body: rawBody.toString('utf8'),
      },
    },
  };
}

/** A string fit for a workflow id (`[A-Za-z0-9._:-]`, bounded), or undefined. */
function boundedText(value: unknown, maxLength: number): string | undefined {
  return typeof value === 'string' &&
    value.length > 0 &&
    value.length <= maxLength &&
    /^[\w.:-]+$/.test(value)
    ? value
    : undefined;
}

/** The body as plain JSON, for the ids of a body that strict parsing refused (duplicate keys, depth). */
function safeParse(rawBody: Buffer): unknown {
  try {
    return JSON.parse(rawBody.toString('utf8'));
  } catch {
    return undefined;
  }
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

function fieldErrors(error: z.ZodError, prefix = ''): FieldError[] {
  return error.issues.map((issue) => ({
    field:
      issue.path.length > 0 ? `${prefix}${issue.path.join('.')}` : prefix ? prefix.slice(0, -1) : '(body)',
    message: issue.message,
  }));
}
