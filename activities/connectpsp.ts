import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ConnectPspClient } from '../connectpsp/client';
import { ConnectPspError } from '../connectpsp/errors';
import type {
  CashInRecord,
  CashOutRecord,
  CreateCashInInput,
  CreateCashOutInput,
  CreatedCashIn,
  CreatedCashOut,
  RefundCashInInput,
  RefundedCashIn,
} from '../connectpsp/types';

/** The client calls the activities need; a fake can stand in for the real client in tests. */
export type ConnectPspApi = Pick<
  ConnectPspClient,
  'createCashIn' | 'getCashIn' | 'refundCashIn' | 'createCashOut' | 'getCashOut' | 'getBalance' | 'rebalance'
>;

/** `idempotencyKey` is the UUID the workflow derived with `idempotencyKey(name)` (domain/ids.ts). */
export interface Idempotent {
  idempotencyKey: string;
}
export type CreateCashInActivityInput = CreateCashInInput & Idempotent;
export type CreateCashOutActivityInput = CreateCashOutInput & Idempotent;
export type RefundCashInActivityInput = RefundCashInInput & Idempotent & { id: string };
export interface TransactionRef {
  /** transactionId, internalCode or endToEndId. */
  id: string;
}

/**
 * ConnectPSP activities. Inputs and results are plain JSON (centavos, no secrets); the activity's
 * cancellation aborts the HTTP request; failures reach Temporal as typed ApplicationFailures.
 */
export function createConnectPspActivities({ client }: { client: ConnectPspApi }) {
  return {
    createCashIn: ({ idempotencyKey, ...input }: CreateCashInActivityInput): Promise<CreatedCashIn> =>
      run((signal) => client.createCashIn(input, { idempotencyKey, signal })),
    getCashIn: ({ id }: TransactionRef): Promise<CashInRecord> =>
      run((signal) => client.getCashIn(id, { signal })),
    refundCashIn: ({ id, idempotencyKey, ...input }: RefundCashInActivityInput): Promise<RefundedCashIn> =>
      run((signal) => client.refundCashIn(id, input, { idempotencyKey, signal })),
    createCashOut: ({ idempotencyKey, ...input }: CreateCashOutActivityInput): Promise<CreatedCashOut> =>
      run((signal) => client.createCashOut(input, { idempotencyKey, signal })),
    getCashOut: ({ id }: TransactionRef): Promise<CashOutRecord> =>
      run((signal) => client.getCashOut(id, { signal })),
  };
}

export type ConnectPspActivities = ReturnType<typeof createConnectPspActivities>;

/** Time kept back from the activity's start-to-close timeout to report a call that ran out of it. */
const DEADLINE_MARGIN_MS = 1_000;

function callDeadlineMs(startToCloseTimeoutMs: number): number {
  return startToCloseTimeoutMs - Math.min(DEADLINE_MARGIN_MS, startToCloseTimeoutMs / 10);
}

/**
 * Runs one client call under the activity's cancellation and its own deadline: the call is aborted
 * just before the start-to-close timeout, so the attempt reports a TIMEOUT (the PSP may have acted)
 * itself, and never overlaps the retry the server would otherwise start.
 */
async function run<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const { cancellationSignal, info } = Context.current();
  const deadline = AbortSignal.timeout(callDeadlineMs(info.startToCloseTimeoutMs));
  try {
    return await call(AbortSignal.any([cancellationSignal, deadline]));
  } catch (err) {
    if (deadline.aborted && !cancellationSignal.aborted) {
      throw toActivityFailure(
        new ConnectPspError('ConnectPSP call ran out of its activity time; the PSP may have acted on it', {
          code: 'TIMEOUT',
          retryable: true,
          cause: err,
        }),
      );
    }
    throw toActivityFailure(err);
  }
}

/**
 * Converts any error of an activity into what Temporal should see: a ConnectPspError becomes an
 * ApplicationFailure typed with its code (non-retryable for business errors, retryable with the
 * PSP's Retry-After as `nextRetryDelay` otherwise). Anything else (cancellation included) is
 * returned unchanged.
 */
export function toActivityFailure(err: unknown): unknown {
  if (!(err instanceof ConnectPspError)) return err;
  return ApplicationFailure.create({
    message: err.message,
    type: err.code,
    nonRetryable: !err.retryable,
    details: [
      {
        status: err.status ?? null,
        code: err.code,
        detail: err.detail ?? null,
        fieldProblems: err.fieldProblems,
      },
    ],
    nextRetryDelay: err.retryable && err.retryAfterMs !== undefined ? err.retryAfterMs : undefined,
  });
}
