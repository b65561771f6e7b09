import { Context } from '@temporalio/activity';
import type { ConnectPspClient } from './client';
import { toActivityFailure } from './errors';
import type {
  AccountBalance,
  CashInDetails,
  CashOutDetails,
  CreateCashInInput,
  CreateCashOutInput,
  CreatedCashIn,
  CreatedCashOut,
  RebalanceResult,
  RefundCashInInput,
  RefundedCashIn,
} from './types';

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
export type RebalanceActivityInput = Idempotent & { targetCents: number };
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
    getCashIn: ({ id }: TransactionRef): Promise<CashInDetails> =>
      run((signal) => client.getCashIn(id, { signal })),
    refundCashIn: ({ id, idempotencyKey, ...input }: RefundCashInActivityInput): Promise<RefundedCashIn> =>
      run((signal) => client.refundCashIn(id, input, { idempotencyKey, signal })),
    createCashOut: ({ idempotencyKey, ...input }: CreateCashOutActivityInput): Promise<CreatedCashOut> =>
      run((signal) => client.createCashOut(input, { idempotencyKey, signal })),
    getCashOut: ({ id }: TransactionRef): Promise<CashOutDetails> =>
      run((signal) => client.getCashOut(id, { signal })),
    getBalance: (): Promise<AccountBalance> => run((signal) => client.getBalance({ signal })),
    rebalance: ({ targetCents, idempotencyKey }: RebalanceActivityInput): Promise<RebalanceResult> =>
      run((signal) => client.rebalance(targetCents, { idempotencyKey, signal })),
  };
}

export type ConnectPspActivities = ReturnType<typeof createConnectPspActivities>;

async function run<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  try {
    return await call(Context.current().cancellationSignal);
  } catch (err) {
    throw toActivityFailure(err);
  }
}
