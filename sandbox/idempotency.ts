import { createHash } from 'node:crypto';
import { ProblemError } from './problem';
import type { IdempotencyRecord } from './records';
import type { SandboxState } from './state';

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export interface StoredResponse {
  status: number;
  body: unknown;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Same endpoint + same JSON body (key order and whitespace do not matter) → same fingerprint. */
export function requestFingerprint(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${path}\n${canonicalJson(body ?? null)}`)
    .digest('hex');
}

/**
 * X-Idempotency-Key bookkeeping. Only successful (2xx) answers are remembered: a rejected request
 * (400, 409, 422) changed nothing, so its key stays free for a corrected or later retry.
 */
export class IdempotencyStore {
  private readonly inFlight = new Map<string, string>();

  constructor(private readonly state: SandboxState) {}

  /** The stored answer to replay, or null when the caller should run the operation (then finish/abandon). */
  begin(key: string, fingerprint: string, now: number): StoredResponse | null {
    const stored = this.stored(key, now);
    const fingerprintInUse = stored?.fingerprint ?? this.inFlight.get(key);
    if (fingerprintInUse !== undefined && fingerprintInUse !== fingerprint) {
      throw new ProblemError(
        422,
        'IDEMPOTENCY_KEY_REUSED',
        'This idempotency key was already used with a different request body or endpoint',
      );
    }
    if (stored) return { status: stored.status, body: stored.body };
    if (this.inFlight.has(key)) {
      throw new ProblemError(
        409,
        'IDEMPOTENCY_KEY_IN_USE',
        'A request with this idempotency key is still being processed',
      );
    }
    this.inFlight.set(key, fingerprint);
    return null;
  }

  finish(key: string, fingerprint: string, response: StoredResponse, now: number): void {
    this.inFlight.delete(key);
    if (response.status < 200 || response.status > 299) return;
    this.forgetExpired(now);
    const record: IdempotencyRecord = { key, fingerprint, ...response, storedAt: now };
    this.state.idempotency.set(key, record);
    this.state.persist({ idempotency: record });
  }

  abandon(key: string): void {
    this.inFlight.delete(key);
  }

  reset(): void {
    this.inFlight.clear();
  }

  /**
   * Records are kept in the order they were stored (a key is only stored again once forgotten),
   * so the expired ones are at the front: forgetting them costs what expired, not what is kept.
   */
  private forgetExpired(now: number): void {
    for (const [oldKey, old] of this.state.idempotency) {
      if (now - old.storedAt <= IDEMPOTENCY_TTL_MS) return;
      this.state.idempotency.delete(oldKey);
    }
  }

  private stored(key: string, now: number): IdempotencyRecord | undefined {
    const record = this.state.idempotency.get(key);
    if (record && now - record.storedAt > IDEMPOTENCY_TTL_MS) {
      this.state.idempotency.delete(key);
      return undefined;
    }
    return record;
  }
}
