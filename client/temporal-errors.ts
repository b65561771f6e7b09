import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { ValidationError, type ValidationProblem } from '../domain/validation';
import { REFERENCE_IN_USE } from '../workflows/messages';
import {
  isTemporalUnreachable,
  PaymentAlreadyExistsError,
  PaymentNotFoundError,
  RequestRejectedError,
  TemporalUnreachableError,
} from './errors';

export interface ErrorContext {
  /** host:port of Temporal, for the unreachable message. */
  address: string;
  reference?: string;
  /** `cash-in`, `cash-out`, `rebalance coordinator`, ... */
  what?: string;
}

/**
 * Turns what the Temporal SDK throws into the client's typed errors: an unknown workflow is
 * PaymentNotFoundError, an unreachable server TemporalUnreachableError, a refused or failed update
 * RequestRejectedError (or ValidationError when the workflow rejected the input itself).
 */
export function translateTemporalError(err: unknown, context: ErrorContext): unknown {
  if (err instanceof WorkflowNotFoundError) {
    return new PaymentNotFoundError(context.reference ?? err.workflowId, context.what);
  }
  if (isTemporalUnreachable(err)) {
    return new TemporalUnreachableError(context.address, (err as Error).message, { cause: err });
  }
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

/** The problems of a workflow's INVALID_INPUT failure (details[0] is the PaymentFailure). */
function invalidInputProblems(cause: Error | undefined): ValidationProblem[] | null {
  if (!(cause instanceof ApplicationFailure) || cause.type !== 'INVALID_INPUT') return null;
  const detail = cause.details?.[0] as { problems?: ValidationProblem[] } | undefined;
  return Array.isArray(detail?.problems) && detail.problems.length > 0 ? detail.problems : null;
}
