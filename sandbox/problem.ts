import type { Response } from 'express';
import type { PspErrorCode } from '../domain/connectpsp/common';

/** Control-API codes; ConnectPSP never sends these. */
export type SandboxErrorCode = 'INVALID_STATE';

export interface FieldError {
  field: string;
  message: string;
}

const TITLES: Record<PspErrorCode | SandboxErrorCode, string> = {
  INVALID_REQUEST: 'Invalid request',
  INVALID_CREDENTIALS: 'Invalid credentials',
  TOKEN_EXPIRED: 'Token expired',
  INVALID_TOKEN: 'Invalid token',
  INVALID_APPLICATION_TOKEN: 'Invalid application token',
  INVALID_SIGNATURE: 'Invalid digital signature',
  INSUFFICIENT_FUNDS: 'Insufficient funds',
  CASH_IN_NOT_PAID: 'Cash-in not paid',
  CASH_IN_ALREADY_REFUNDED: 'Cash-in already refunded',
  CASH_IN_EXPIRED: 'Cash-in expired',
  CASH_IN_CANCELLED: 'Cash-in cancelled',
  MISSING_END_TO_END_ID: 'Missing end-to-end id',
  NOT_FOUND: 'Not found',
  DUPLICATE_EXTERNAL_REFERENCE: 'Duplicate external reference',
  IDEMPOTENCY_KEY_REUSED: 'Idempotency key reused',
  IDEMPOTENCY_KEY_IN_USE: 'Idempotency key in use',
  RATE_LIMITED: 'Too many requests',
  INTERNAL_ERROR: 'Internal server error',
  SERVICE_UNAVAILABLE: 'Service unavailable',
  INVALID_STATE: 'Invalid state for this action',
};

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** An RFC 7807 answer; thrown anywhere in a handler and written by the error middleware. */
export class ProblemError extends Error {
  override name = 'ProblemError';
  constructor(
    readonly status: number,
    readonly code: PspErrorCode | SandboxErrorCode,
    readonly detail: string,
    readonly errors?: FieldError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(`${code}: ${detail}`);
  }

  body(): Record<string, unknown> {
    return {
      type: `https://docs.connectpsp.com/errors/${this.code.toLowerCase().replaceAll('_', '-')}`,
      title: TITLES[this.code],
      status: this.status,
      code: this.code,
      detail: this.detail,
      ...(this.errors ? { errors: this.errors } : {}),
    };
  }
}

export function sendProblem(res: Response, problem: ProblemError): void {
  for (const [name, value] of Object.entries(problem.headers)) res.setHeader(name, value);
  res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem.body()));
}

export const notFound = (what: string, id: string): ProblemError =>
  new ProblemError(404, 'NOT_FOUND', `${what} ${JSON.stringify(id)} was not found`);
