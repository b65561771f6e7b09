/**
 * Settles with `work`, or rejects with `timeoutError()` after `timeoutMs`, whichever comes first.
 * Work still running then is left to finish or fail on its own (a workflow keeps running, a probe
 * answers nobody).
 */
export function withinTime<T>(work: Promise<T>, timeoutMs: number, timeoutError: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeoutError()), timeoutMs);
  });
  work.catch(() => {});
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
