export class DeadlineExceededError extends Error {
  override name = 'DeadlineExceededError';
}

/**
 * Settles with `work`, or rejects at `deadline` (epoch ms), whichever comes first. Temporal calls
 * carry the same deadline as a gRPC deadline, but a client handed in by a caller may run the SDK's
 * own retry interceptor, which overshoots it by a backoff (the relay's own connection does not:
 * runtime/grpc-retry.ts), so the answer is also bounded by a timer.
 * Work still running when the timer fires is left to finish or fail on its own.
 */
export function settledBy<T>(work: Promise<T>, deadline: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new DeadlineExceededError('Temporal did not answer before the deadline')),
      Math.max(0, deadline - Date.now()),
    );
  });
  work.catch(() => {});
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
