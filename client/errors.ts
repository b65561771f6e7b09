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

/** Temporal could not be reached at all: connection refused or dropped, gRPC UNAVAILABLE. */
export class TemporalUnreachableError extends ServiceUnreachableError {
  override name = 'TemporalUnreachableError';
  constructor(where: string, reason: string, options?: { cause?: unknown }) {
    super('Temporal', where, reason, options);
  }
}

/**
 * Temporal is reachable but did not answer in time or said it is too busy (DEADLINE_EXCEEDED,
 * RESOURCE_EXHAUSTED, no worker polling the task queue), or this client's own queue of calls did
 * not drain in time. What was asked may or may not have happened: every call of this client may be
 * made again safely (starts and updates are idempotent by reference and update id).
 */
export class TemporalOverloadedError extends PaymentsClientError {
  override name = 'TemporalOverloadedError';
  override readonly retryable = true;
  constructor(
    readonly where: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Temporal at ${where} is reachable but too slow or busy to answer: ${reason}`, options);
  }
}

/** Temporal answered and said no (permission denied, unknown namespace, invalid request, ...): retrying the same call will not help. */
export class TemporalRefusedError extends PaymentsClientError {
  override name = 'TemporalRefusedError';
  constructor(
    readonly where: string,
    /** The gRPC status name, e.g. PERMISSION_DENIED. */
    readonly status: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Temporal at ${where} refused the request (${status}): ${reason}`, options);
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
    /** Why the last attempt to learn more failed, when one did (e.g. a TemporalOverloadedError). */
    options?: { cause?: unknown },
  ) {
    super(
      `${reference} did not ${awaited} within ${formatMs(timeoutMs)}` +
        (lastStatus ? ` (last status ${lastStatus})` : ''),
      options,
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
