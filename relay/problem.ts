import type { Response } from 'express';

/** The relay's own error codes (RFC 7807 bodies, like ConnectPSP's). */
export type RelayErrorCode =
  | 'MISSING_SIGNATURE'
  | 'INVALID_SIGNATURE'
  | 'MALFORMED_JSON'
  | 'INVALID_EVENT'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UNREADABLE_BODY'
  | 'TEMPORAL_UNAVAILABLE'
  | 'RELAY_BUSY'
  | 'INVALID_PAYLOAD'
  | 'UNAUTHORIZED'
  | 'NOT_FOUND'
  | 'INTERNAL_ERROR';

export interface FieldError {
  field: string;
  message: string;
}

const TITLES: Record<RelayErrorCode, string> = {
  MISSING_SIGNATURE: 'Missing webhook signature',
  INVALID_SIGNATURE: 'Invalid webhook signature',
  MALFORMED_JSON: 'Malformed JSON',
  INVALID_EVENT: 'Invalid webhook event',
  PAYLOAD_TOO_LARGE: 'Payload too large',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported media type',
  UNREADABLE_BODY: 'Unreadable request body',
  TEMPORAL_UNAVAILABLE: 'Event not handed over, retry later',
  RELAY_BUSY: 'Too many events being handed over, retry shortly',
  INVALID_PAYLOAD: 'Invalid payload',
  UNAUTHORIZED: 'Unauthorized',
  NOT_FOUND: 'Not found',
  INTERNAL_ERROR: 'Internal error',
};

export class RelayProblem extends Error {
  override name = 'RelayProblem';
  constructor(
    readonly status: number,
    readonly code: RelayErrorCode,
    readonly detail: string,
    readonly errors?: FieldError[],
    /** Sent as `Retry-After`: when the sender may try again. */
    readonly retryAfterSeconds?: number,
  ) {
    super(`${code}: ${detail}`);
  }
}

export function sendProblem(res: Response, problem: RelayProblem): void {
  if (problem.retryAfterSeconds !== undefined) res.set('Retry-After', String(problem.retryAfterSeconds));
  res
    .status(problem.status)
    .type('application/problem+json')
    .send(
      JSON.stringify({
        type: `urn:pix-payments:relay:${problem.code.toLowerCase().replaceAll('_', '-')}`,
        title: TITLES[problem.code],
        status: problem.status,
        code: problem.code,
        detail: problem.detail,
        ...(problem.errors ? { errors: problem.errors } : {}),
      }),
    );
}
