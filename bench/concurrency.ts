/** Runs `count` calls with at most `concurrency` in flight; returns the wall-clock seconds. */
export async function runConcurrently(
  count: number,
  concurrency: number,
  call: (index: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  let failure: { error: unknown; index: number } | undefined;
  const lane = async () => {
    // After a failure no lane takes new work, and every call in flight ends before this returns:
    // the caller may then close the connections those calls use.
    while (next < count && !failure) {
      const index = next++;
      try {
        await call(index);
      } catch (error) {
        failure ??= { error, index };
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  if (failure) {
    const { error, index } = failure;
    throw new Error(`call ${index + 1} of ${count} failed: ${(error as Error).message ?? String(error)}`, {
      cause: error,
    });
  }
  return (performance.now() - t0) / 1000;
}

/** The q-quantile (0..1) of `values` in ms, rounded to 0.1 ms; 0 when there are none. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const value = sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
  return Math.round(value * 10) / 10;
}

export const ratio = (a: number, b: number): number => (b === 0 ? 0 : Math.round((a / b) * 100) / 100);
