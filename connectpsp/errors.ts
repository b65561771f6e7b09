import { PSP_RETRYABLE_CLIENT_CODES } from '../domain/connectpsp/common';

/**
 * Codes the client produces itself, next to the PSP's own (`PspErrorCode`). CONNECT_FAILED: no
 * connection, the request never left. NETWORK_ERROR / TIMEOUT: it may have reached the PSP.
 */
export type ClientErrorCode =
  | 'CONNECT_FAILED'
  | 'NETWORK_ERROR'
  | 'TIMEOUT'
  | 'CONTRACT_VIOLATION'
  | 'INVALID_REQUEST';

/** A field-level problem: a 400 from the PSP, a request rejected before sending, or a broken response. */
export interface FieldProblem {
  field: string;
  message: string;
}

export interface ConnectPspErrorInit {
  /** HTTP status; undefined when no response arrived (network, timeout) or nothing was sent. */
  status?: number;
  code: string;
  detail?: string;
  retryable: boolean;
  retryAfterMs?: number;
  fieldProblems?: FieldProblem[];
  cause?: unknown;
}

/**
 * The one error every ConnectPSP call rejects with. Its message is built from the method, path,
 * status, code and detail only: never headers, tokens, signatures or credentials.
 */
export class ConnectPspError extends Error {
  readonly status: number | undefined;
  readonly code: string;
  readonly detail: string | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly fieldProblems: FieldProblem[];

  constructor(message: string, init: ConnectPspErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'ConnectPspError';
    this.status = init.status;
    this.code = init.code;
    this.detail = init.detail;
    this.retryable = init.retryable;
    this.retryAfterMs = init.retryAfterMs;
    this.fieldProblems = init.fieldProblems ?? [];
  }
}

/** Whether a failed call may succeed if sent again unchanged. */
export function isRetryableFailure(status: number | undefined, code: string): boolean {
  if (status === undefined)
    return code === 'NETWORK_ERROR' || code === 'TIMEOUT' || code === 'CONNECT_FAILED';
  if (status === 408 || status === 429 || status >= 500) return true;
  return PSP_RETRYABLE_CLIENT_CODES.has(code);
}

/**
 * Parses a `Retry-After` header (delay-seconds or HTTP-date) into milliseconds from `nowMs`.
 * Returns undefined when absent or unparseable; a date in the past yields 0.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Every HTTP-date form (IMF-fixdate, RFC 850, asctime) starts with the day name.
  const at = /^[A-Za-z]{3}/.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}
