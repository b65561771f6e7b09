import { z } from 'zod';

/**
 * Faults the reference service can play on its contract endpoints, so tests (and later the chaos
 * run) can show that nothing is lost or doubled when the platform's wallet misbehaves:
 *
 * - `error500`, `rate429`: answered before anything is applied.
 * - `commitThenTimeout`: applied and committed, then no answer: the connection is closed after
 *   `delayMs` (set it above the client's PLATFORM_WALLET_TIMEOUT_MS to make the client time out).
 * - `commitThenGarble`: applied and committed, answered 200 with a body that breaks the contract.
 * - `duplicate`: the request is applied twice, as if a proxy delivered it twice; the second
 *   application's answer (a replay) is the one sent.
 * - `unknownUser`: refused with the contract's UNKNOWN_USER before anything is applied, as a
 *   platform's wallet that does not know the user would.
 */
export const WALLET_FAULT_KINDS = [
  'error500',
  'rate429',
  'commitThenTimeout',
  'commitThenGarble',
  'duplicate',
  'unknownUser',
] as const;
export type WalletFaultKind = (typeof WALLET_FAULT_KINDS)[number];

export const walletFaultSchema = z.strictObject({
  kind: z.enum(WALLET_FAULT_KINDS),
  /** Fires on this many matching requests, then disappears. Neither count nor rate: once. */
  count: z.number().int().positive().optional(),
  /** Probability of firing on each matching request (0..1); without count it never runs out (chaos runs). */
  rate: z.number().min(0).max(1).optional(),
  method: z.enum(['GET', 'POST']).optional(),
  /** Path prefix, e.g. /v1/holds. */
  path: z.string().startsWith('/').optional(),
  /** commitThenTimeout: how long the connection stays open without an answer (default 30 s). */
  delayMs: z.number().int().min(0).max(600_000).default(30_000),
  /** rate429: the Retry-After header, in seconds. */
  retryAfterSeconds: z.number().int().min(0).default(1),
});
export type WalletFault = z.infer<typeof walletFaultSchema>;

export interface FiredFault extends WalletFault {
  /** When it fired, the request it fired on: for the test's report. */
  firedOn: string;
}

export class WalletFaults {
  private active: Array<WalletFault & { remaining: number | null }> = [];
  private readonly fired: FiredFault[] = [];

  constructor(private readonly random: () => number = Math.random) {}

  add(fault: WalletFault): void {
    this.active.push({ ...fault, remaining: fault.count ?? (fault.rate === undefined ? 1 : null) });
  }

  /** Removes every fault and forgets the ones that fired. */
  clear(): void {
    this.active = [];
    this.fired.length = 0;
  }

  /** The first active fault matching the request that fires (its dice rolled), consumed by one occasion. */
  take(method: string, path: string): WalletFault | undefined {
    const fault = this.active.find(
      (f) =>
        (!f.method || f.method === method) &&
        (!f.path || path.startsWith(f.path)) &&
        (f.rate === undefined || this.random() < f.rate),
    );
    if (!fault) return undefined;
    if (fault.remaining !== null) fault.remaining -= 1;
    if (fault.remaining === 0) this.active = this.active.filter((f) => f !== fault);
    const { remaining: _remaining, ...spec } = fault;
    this.fired.push({ ...spec, firedOn: `${method} ${path}` });
    return spec;
  }

  report(): { active: WalletFault[]; fired: FiredFault[] } {
    return { active: this.active.map(({ remaining: _r, ...f }) => f), fired: [...this.fired] };
  }
}
