import {
  type Client,
  isGrpcServiceError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { ApplicationFailure, NamespaceNotFoundError, WorkflowNotFoundError } from '@temporalio/common';
import { ValidationError, type ValidationProblem } from '../domain/validation';
import { REFERENCE_IN_USE } from '../workflows/messages';
import {
  PaymentAlreadyExistsError,
  PaymentNotFoundError,
  PaymentsClientError,
  RequestRejectedError,
  TemporalOverloadedError,
  TemporalRefusedError,
  TemporalUnreachableError,
} from './errors';

export interface ErrorContext {
  /** host:port of Temporal, for the transport errors' messages. */
  address: string;
  reference?: string;
  /** `cash-in`, `cash-out`, `rebalance coordinator`, ... */
  what?: string;
  /** Whether the client's connection to Temporal was up when the call failed; undefined: unknown. */
  connected?: boolean;
}

/** Why a Temporal call failed when the server did not give a business answer. */
export type TemporalFailureKind = 'unreachable' | 'overloaded' | 'refused';

/**
 * Turns what the Temporal SDK throws into the client's typed errors: an unknown workflow is
 * PaymentNotFoundError; a transport failure TemporalUnreachableError, TemporalOverloadedError or
 * TemporalRefusedError (see classifyTemporalFailure); a refused or failed update
 * RequestRejectedError (or ValidationError when the workflow rejected the input itself). The
 * client's own errors pass through unchanged.
 */
export function translateTemporalError(err: unknown, context: ErrorContext): unknown {
  if (err instanceof PaymentsClientError || err instanceof ValidationError) return err;
  if (err instanceof WorkflowNotFoundError) {
    return new PaymentNotFoundError(context.reference ?? err.workflowId, context.what);
  }
  const transport = temporalTransportError(err, context.address, context.connected);
  if (transport) return transport;
  if (err instanceof WorkflowUpdateFailedError) {
    const cause = err.cause;
    const problems = invalidInputProblems(cause);
    if (problems) return new ValidationError(problems);
    if (cause instanceof ApplicationFailure && cause.type === REFERENCE_IN_USE) {
      const fields = (cause.details?.[0] as { fields?: string[] } | undefined)?.fields ?? [];
      return new PaymentAlreadyExistsError(
        context.reference ?? '',
        context.what ?? 'payment',
        `${fields.join(', ')} differ`,
      );
    }
    const reason =
      cause instanceof ApplicationFailure && cause.type && cause.type !== 'Error'
        ? `${cause.type}: ${cause.message}`
        : (cause?.message ?? err.message);
    return new RequestRejectedError(context.reference ?? '', reason);
  }
  return err;
}

/**
 * Which kind of transport failure `err` is, or null when it is not one (a business answer such as
 * "workflow not found", or not a Temporal error at all):
 * - unreachable: UNAVAILABLE (connection refused or dropped, after the SDK's own retries), or no
 *   answer in time while the connection was down;
 * - overloaded: no answer in time while the connection was up (DEADLINE_EXCEEDED, CANCELLED),
 *   RESOURCE_EXHAUSTED, ABORTED, or no worker polling the task queue (a query or update nobody
 *   took: the worker is stopped or too busy);
 * - refused: any other status the server answered with (PERMISSION_DENIED, INVALID_ARGUMENT,
 *   unknown namespace, ...).
 * A deadline whose connection state is unknown counts as overloaded: only a connection seen down
 * proves the server unreachable.
 */
export function classifyTemporalFailure(
  err: unknown,
  connected: boolean | undefined,
): TemporalFailureKind | null {
  if (err instanceof NamespaceNotFoundError) return 'refused';
  const grpc = grpcFailureOf(err);
  if (!grpc)
    return err instanceof WorkflowUpdateRPCTimeoutOrCancelledError ? noAnswerInTime(connected) : null;
  switch (grpc.code) {
    case GRPC.UNAVAILABLE:
      return 'unreachable';
    case GRPC.DEADLINE_EXCEEDED:
    case GRPC.CANCELLED:
      return noAnswerInTime(connected);
    case GRPC.RESOURCE_EXHAUSTED:
    case GRPC.ABORTED:
      return 'overloaded';
    case GRPC.FAILED_PRECONDITION:
      return NO_WORKER.test(grpc.details) ? 'overloaded' : 'refused';
    default:
      return 'refused';
  }
}

/** The typed error of a transport failure (classifyTemporalFailure), or null when `err` is not one. */
export function temporalTransportError(
  err: unknown,
  address: string,
  connected: boolean | undefined,
): PaymentsClientError | null {
  const kind = classifyTemporalFailure(err, connected);
  if (!kind) return null;
  const grpc = grpcFailureOf(err);
  const status = grpc ? (GRPC_STATUS_NAMES[grpc.code] ?? `status ${grpc.code}`) : 'DEADLINE_EXCEEDED';
  const detail = grpc?.details || (err as Error).message;
  const options = { cause: err };
  if (kind === 'unreachable') return new TemporalUnreachableError(address, `${status}: ${detail}`, options);
  if (kind === 'overloaded') {
    const hint = grpc && NO_WORKER.test(grpc.details) ? ' (is the worker running?)' : '';
    return new TemporalOverloadedError(address, `${status}: ${detail}${hint}`, options);
  }
  if (err instanceof NamespaceNotFoundError)
    return new TemporalRefusedError(address, 'NOT_FOUND', err.message, options);
  return new TemporalRefusedError(address, status, detail, options);
}

/**
 * Whether the client's channel to Temporal is connected right now (gRPC connectivity READY), or
 * undefined when the SDK does not let us see it. Read after a deadline to tell "slow" from
 * "unreachable": a call that timed out on a live connection was sent and not answered in time.
 */
export function temporalConnected(temporal: Client): boolean | undefined {
  const grpcClient = (temporal.connection as unknown as { client?: GrpcClientLike }).client;
  const state = grpcClient?.getChannel?.().getConnectivityState(false);
  return state === undefined ? undefined : state === CONNECTIVITY_READY;
}

interface GrpcClientLike {
  getChannel?(): { getConnectivityState(tryToConnect: boolean): number };
}

/** grpc-js ConnectivityState.READY (@grpc/grpc-js is not a direct dependency). */
const CONNECTIVITY_READY = 2;

const GRPC_STATUS_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

const GRPC = {
  CANCELLED: 1,
  DEADLINE_EXCEEDED: 4,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  UNAVAILABLE: 14,
} as const;

/** The server's answer to a query or update no worker picked up. */
const NO_WORKER = /no poller seen/i;

function noAnswerInTime(connected: boolean | undefined): TemporalFailureKind {
  return connected === false ? 'unreachable' : 'overloaded';
}

/** The gRPC status in `err` or its causes (the SDK wraps it in ServiceError and update errors). */
function grpcFailureOf(err: unknown): { code: number; details: string } | null {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current; depth++) {
    if (isGrpcServiceError(current)) return { code: current.code, details: current.details ?? '' };
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

/** The problems of a workflow's INVALID_INPUT failure (details[0] is the PaymentFailure). */
function invalidInputProblems(cause: Error | undefined): ValidationProblem[] | null {
  if (!(cause instanceof ApplicationFailure) || cause.type !== 'INVALID_INPUT') return null;
  const detail = cause.details?.[0] as { problems?: ValidationProblem[] } | undefined;
  return Array.isArray(detail?.problems) && detail.problems.length > 0 ? detail.problems : null;
}
