import {
  Client,
  Connection,
  ServiceError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { NamespaceNotFoundError, WorkflowNotFoundError } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import {
  TemporalOverloadedError,
  TemporalRefusedError,
  TemporalUnreachableError,
  ValidationError,
} from '../../client/errors';
import {
  classifyTemporalFailure,
  temporalConnected,
  translateTemporalError,
} from '../../client/temporal-errors';

/** What @grpc/grpc-js rejects a call with, wrapped as the SDK wraps it. */
function grpcFailure(code: number, details: string): ServiceError {
  const status = Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
  return new ServiceError('Failed to query Workflow', { cause: status });
}

const DEADLINE = grpcFailure(4, 'Deadline exceeded after 2.998s,LB pick: 0.001s,remote_addr=127.0.0.1:7233');

describe('Temporal failures: unreachable vs overloaded vs refused', () => {
  it.each([
    ['UNAVAILABLE', grpcFailure(14, 'No connection established'), true, 'unreachable'],
    ['DEADLINE_EXCEEDED on a live connection', DEADLINE, true, 'overloaded'],
    ['DEADLINE_EXCEEDED, connection state unknown', DEADLINE, undefined, 'overloaded'],
    ['DEADLINE_EXCEEDED with the connection down', DEADLINE, false, 'unreachable'],
    ['CANCELLED on a live connection', grpcFailure(1, 'Call cancelled'), true, 'overloaded'],
    ['RESOURCE_EXHAUSTED', grpcFailure(8, 'namespace rate limit exceeded'), true, 'overloaded'],
    [
      'no worker polling (FAILED_PRECONDITION)',
      grpcFailure(9, 'no poller seen for task queue recently, worker may be down'),
      true,
      'overloaded',
    ],
    ['another FAILED_PRECONDITION', grpcFailure(9, 'update-with-start is not enabled'), true, 'refused'],
    ['PERMISSION_DENIED', grpcFailure(7, 'Request unauthorized'), true, 'refused'],
    ['INVALID_ARGUMENT', grpcFailure(3, 'bad request'), true, 'refused'],
    ['an unknown namespace', new NamespaceNotFoundError('nope'), true, 'refused'],
    [
      'an update call that ran out of time',
      new WorkflowUpdateRPCTimeoutOrCancelledError('timeout', { cause: grpcFailure(4, 'Deadline exceeded') }),
      true,
      'overloaded',
    ],
  ])('%s → %s', (_name, error, connected, kind) => {
    expect(classifyTemporalFailure(error, connected)).toBe(kind);
  });

  it('a business answer or another error is no transport failure', () => {
    expect(
      classifyTemporalFailure(new WorkflowNotFoundError('not found', 'cash-in:x', undefined), true),
    ).toBeNull();
    expect(classifyTemporalFailure(new TypeError('boom'), true)).toBeNull();
  });

  it('translates each kind into its typed error, naming the server and the status', () => {
    const where = '127.0.0.1:7233';
    const slow = translateTemporalError(DEADLINE, { address: where, connected: true });
    expect(slow).toBeInstanceOf(TemporalOverloadedError);
    expect((slow as Error).message).toMatch(
      /^Temporal at 127\.0\.0\.1:7233 is reachable but too slow or busy to answer: DEADLINE_EXCEEDED/,
    );
    const noWorker = translateTemporalError(grpcFailure(9, 'no poller seen for task queue recently'), {
      address: where,
    });
    expect((noWorker as Error).message).toMatch(/is the worker running\?/);
    const down = translateTemporalError(DEADLINE, { address: where, connected: false });
    expect(down).toBeInstanceOf(TemporalUnreachableError);
    expect((down as Error).message).toMatch(
      /^Temporal is unreachable at 127\.0\.0\.1:7233: DEADLINE_EXCEEDED/,
    );
    const refused = translateTemporalError(grpcFailure(7, 'Request unauthorized'), { address: where });
    expect(refused).toBeInstanceOf(TemporalRefusedError);
    expect(refused).toMatchObject({ status: 'PERMISSION_DENIED', retryable: false });
    const invalid = new ValidationError([{ field: 'reference', rule: 'must not be empty' }]);
    expect(translateTemporalError(invalid, { address: where })).toBe(invalid);
  });

  it("reads the connection's state from the SDK's gRPC channel", async () => {
    const connection = Connection.lazy({ address: '127.0.0.1:1' });
    try {
      // Never connected: a boolean (false), not "unknown", or every deadline would pass for overload.
      expect(temporalConnected(new Client({ connection }))).toBe(false);
    } finally {
      await connection.close();
    }
  });
});
