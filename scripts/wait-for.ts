import { setTimeout as delay } from 'node:timers/promises';

/** Thrown by a probe to stop waiting at once (the thing waited for can no longer happen). */
export class GiveUp extends Error {}

/**
 * Polls `probe` until it returns a value other than undefined/false, or fails after `timeoutMs`
 * with an error naming `what`. The probe's own exceptions count as "not yet", except GiveUp.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 30_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const result = await probe();
      if (result !== undefined && result !== false) return result;
    } catch (err) {
      if (err instanceof GiveUp) throw err;
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
    }
    await delay(intervalMs);
  }
}
