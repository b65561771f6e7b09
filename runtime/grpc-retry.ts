import {
  type ConnectionOptions,
  defaultGrpcRetryOptions,
  makeGrpcRetryInterceptor,
} from '@temporalio/client';

type GrpcInterceptor = NonNullable<ConnectionOptions['interceptors']>[number];

/**
 * The SDK's gRPC retries (UNAVAILABLE, RESOURCE_EXHAUSTED, ... with its backoff), minus any retry
 * that would start after the call's deadline. The SDK's own interceptor sleeps past a deadline and
 * only then notices: a caller that answers by its deadline (the relay's 503, the client library's
 * typed error) left a timer behind, which throws "Channel has been shut down" out of nowhere if
 * the connection is closed meanwhile.
 */
export function deadlineBoundRetryInterceptor(): GrpcInterceptor {
  const defaults = defaultGrpcRetryOptions();
  return (options, nextCall) => {
    const deadline = deadlineMs(options.deadline);
    let nextDelayMs = 0;
    return makeGrpcRetryInterceptor({
      retryableDecider(attempt, status) {
        if (!defaults.retryableDecider(attempt, status)) return false;
        nextDelayMs = defaults.delayFunction(attempt, status);
        return Date.now() + nextDelayMs < deadline;
      },
      delayFunction: () => nextDelayMs,
    })(options, nextCall);
  };
}

function deadlineMs(deadline: Date | number | undefined): number {
  if (deadline instanceof Date) return deadline.getTime();
  return deadline ?? Number.POSITIVE_INFINITY;
}
