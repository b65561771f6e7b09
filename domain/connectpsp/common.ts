import { z } from 'zod';
import { hasAtMostTwoDecimals } from '../money';
import { CNPJ_PATTERN, CPF_PATTERN } from '../pix/document';
import { ISPB_PATTERN } from '../pix/ispb';

/** A wire amount: reais, > 0, at most 2 decimals. */
export const wireAmount = z
  .number()
  .positive('must be greater than zero')
  .refine(hasAtMostTwoDecimals, 'must have at most 2 decimal places');

/** A wire balance: reais, >= 0, at most 2 decimals. */
export const wireBalance = z
  .number()
  .min(0, 'must not be negative')
  .refine(hasAtMostTwoDecimals, 'must have at most 2 decimal places');

export const documentNumber = z
  .string()
  .refine(
    (v) => CPF_PATTERN.test(v) || CNPJ_PATTERN.test(v),
    'must be a CPF (11 digits) or CNPJ (14 characters)',
  );
export const ispb = z.string().regex(ISPB_PATTERN, 'must be 8 characters [0-9A-Z]');
export const endToEndId = z
  .string()
  .regex(/^[ED][0-9A-Z]{8}\d{12}[0-9A-Za-z]{11}$/, 'must be an E/D end-to-end id');
/** ISO-8601 timestamp with offset (PSP uses -03:00 on requestedAt and Z elsewhere). */
export const timestamp = z.iso.datetime({ offset: true });
export const externalReference = z
  .string()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters');

/** RFC 7807 problem+json, as every ConnectPSP error. */
export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  code: z.string(),
  detail: z.string().optional(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});
export type Problem = z.infer<typeof problemSchema>;

/** Every error code the contract names. */
export const PSP_ERROR_CODES = [
  'INVALID_REQUEST',
  'INVALID_CREDENTIALS',
  'TOKEN_EXPIRED',
  'INVALID_TOKEN',
  'INVALID_APPLICATION_TOKEN',
  'INVALID_SIGNATURE',
  'INSUFFICIENT_FUNDS',
  'CASH_IN_NOT_PAID',
  'CASH_IN_ALREADY_REFUNDED',
  'CASH_IN_EXPIRED',
  'CASH_IN_CANCELLED',
  'MISSING_END_TO_END_ID',
  'NOT_FOUND',
  'DUPLICATE_EXTERNAL_REFERENCE',
  'IDEMPOTENCY_KEY_REUSED',
  'IDEMPOTENCY_KEY_IN_USE',
  'RATE_LIMITED',
  'INTERNAL_ERROR',
  'SERVICE_UNAVAILABLE',
] as const;
export type PspErrorCode = (typeof PSP_ERROR_CODES)[number];

/** 4xx codes that a retry can cure: renew the token, or wait for the request holding the key. */
export const PSP_RETRYABLE_CLIENT_CODES: ReadonlySet<string> = new Set([
  'TOKEN_EXPIRED',
  'INVALID_TOKEN',
  'IDEMPOTENCY_KEY_IN_USE',
]);
/** Codes of 429 and 5xx answers, always worth retrying. */
const PSP_SERVER_CODES: ReadonlySet<string> = new Set([
  'RATE_LIMITED',
  'INTERNAL_ERROR',
  'SERVICE_UNAVAILABLE',
]);

/**
 * Failures that prove the PSP created nothing: the request was refused before it was processed
 * (authentication, signature, validation, funds, a reused idempotency key). Any other failure of a
 * create call (an answer we cannot read above all) may hide a transaction that exists.
 */
export const PSP_NOTHING_CREATED_CODES: ReadonlySet<string> = new Set([
  'INVALID_REQUEST',
  'INVALID_CREDENTIALS',
  'INVALID_TOKEN',
  'TOKEN_EXPIRED',
  'INVALID_APPLICATION_TOKEN',
  'INVALID_SIGNATURE',
  'INSUFFICIENT_FUNDS',
  'IDEMPOTENCY_KEY_REUSED',
]);

/** The documented refusals of `POST /cash-in/{id}/refund`, besides those that refuse any request. */
export const PSP_REFUND_REFUSAL_CODES: ReadonlySet<string> = new Set([
  ...[...PSP_NOTHING_CREATED_CODES].filter((code) => code !== 'INSUFFICIENT_FUNDS'),
  'CASH_IN_NOT_PAID',
  'CASH_IN_EXPIRED',
  'CASH_IN_CANCELLED',
  'MISSING_END_TO_END_ID',
]);

/**
 * Failures of an attempt that never reached the PSP or that it did not process: no connection,
 * rate limited, a token to renew. Retrying them changes nothing about what is known.
 */
const PSP_NOT_SENT_CODES: ReadonlySet<string> = new Set([
  'CONNECT_FAILED',
  'RATE_LIMITED',
  'TOKEN_EXPIRED',
  'INVALID_TOKEN',
]);

/**
 * What one failed attempt of a mutating call proves. `refused`: the PSP said no to this request,
 * which proves nothing was done only if no earlier attempt of the same call was `unknown` (the
 * first may have gone through before, say, a credential rotation refused the retry). `not-sent`:
 * nothing reached the PSP or it did not process it. `unknown`: it may have been done (a dropped
 * connection, a timeout, a 5xx, an answer we cannot read, a code we do not know, a duplicate).
 */
export type AttemptVerdict = 'refused' | 'not-sent' | 'unknown';

export function attemptVerdict(code: string, refusals: ReadonlySet<string>): AttemptVerdict {
  if (refusals.has(code)) return 'refused';
  if (PSP_NOT_SENT_CODES.has(code)) return 'not-sent';
  return 'unknown';
}

/**
 * Failure types a retry cannot change: every business code of the contract, plus the client's own
 * CONTRACT_VIOLATION (the PSP answered something the contract does not allow).
 */
export const PSP_NON_RETRYABLE_CODES: string[] = [
  ...PSP_ERROR_CODES.filter((code) => !PSP_RETRYABLE_CLIENT_CODES.has(code) && !PSP_SERVER_CODES.has(code)),
  'CONTRACT_VIOLATION',
];

export const HEADERS = {
  authorization: 'authorization',
  applicationToken: 'applicationtoken',
  digitalSignature: 'digitalsignature',
  idempotencyKey: 'x-idempotency-key',
  webhookSignature: 'x-connect-signature',
  webhookEventId: 'x-event-id',
} as const;
