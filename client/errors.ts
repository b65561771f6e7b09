import { isGrpcServiceError, ServiceError } from '@temporalio/client';
import { ValidationError, type ValidationProblem } from '../domain/validation';

export { ValidationError, type ValidationProblem };

/**
 * Base of every error the payments client raises on purpose. `retryable` says whether the same
 * call may succeed later without changing anything (the stripe-node convention).
 */
export class PaymentsClientError extends Error {
  override name = 'PaymentsClientError';
  readonly retryable: boolean = false;
}

/** No payment (workflow) exists with this reference. */
export class PaymentNotFoundError extends PaymentsClientError {
  override name = 'PaymentNotFoundError';
  constructor(
    readonly reference: string,
    readonly kind?: string,
  ) {
    super(`no ${kind ?? 'payment'} with reference ${JSON.stringify(reference)}`);
  }
}

/** The reference is already used by a payment with different details (or one that cannot be restarted). */
export class PaymentAlreadyExistsError extends PaymentsClientError {
  override name = 'PaymentAlreadyExistsError';
  constructor(
    readonly reference: string,
    readonly kind: string,
    detail: string,
  ) {
    super(`a ${kind} with reference ${JSON.stringify(reference)} already exists: ${detail}`);
  }
}

/** The workflow refused the request in its current state (e.g. a refund of a cash-in that is not settled). */
export class RequestRejectedError extends PaymentsClientError {
  override name = 'RequestRejectedError';
  constructor(
    readonly reference: string,
    readonly reason: string,
  ) {
    super(`${reference}: ${reason}`);
  }
}

/** A service the call needs did not answer: Temporal, the ledger database, the wallet service or the sandbox. */
export class ServiceUnreachableError extends PaymentsClientError {
  override name = 'ServiceUnreachableError';
  override readonly retryable = true;
  constructor(
    readonly service: 'Temporal' | 'ledger database' | 'wallet service' | 'sandbox',
    readonly where: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${service} is unreachable at ${where}: ${reason}`, options);
  }
}

export class TemporalUnreachableError extends ServiceUnreachableError {
  override name = 'TemporalUnreachableError';
  constructor(where: string, reason: string, options?: { cause?: unknown }) {
    super('Temporal', where, reason, options);
  }
}

/** waitForOutcome gave up before the payment reached a terminal state; the payment itself goes on. */
export class WaitTimeoutError extends PaymentsClientError {
  override name = 'WaitTimeoutError';
  override readonly retryable = true;
  constructor(
    readonly reference: string,
    readonly timeoutMs: number,
    readonly lastStatus: string | undefined,
    /** What was awaited, when not a terminal state. */
    awaited = 'reach a terminal state',
  ) {
    super(
      `${reference} did not ${awaited} within ${formatMs(timeoutMs)}` +
        (lastStatus ? ` (last status ${lastStatus})` : ''),
    );
  }
}

/** The sandbox control API was asked for, but the stack uses a real ConnectPSP (or none is known). */
export class SandboxNotInUseError extends PaymentsClientError {
  override name = 'SandboxNotInUseError';
}

/** The sandbox control API answered with an error (unknown reference, action invalid in this state, ...). */
export class SandboxRequestError extends PaymentsClientError {
  override name = 'SandboxRequestError';
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
  ) {
    super(`sandbox refused the request (${status} ${code}): ${detail}`);
  }
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

// gRPC status codes UNAVAILABLE and DEADLINE_EXCEEDED (@grpc/grpc-js is not a direct dependency).
const UNREACHABLE_GRPC_CODES: ReadonlySet<number> = new Set([14, 4]);

/** True when a Temporal call failed because the server could not be reached (not because it said no). */
export function isTemporalUnreachable(err: unknown): boolean {
  const cause = err instanceof ServiceError ? err.cause : err;
  return isGrpcServiceError(cause) && UNREACHABLE_GRPC_CODES.has(cause.code);
}
