import { createHash } from 'node:crypto';

/** Fixed namespace of this project's deterministic ids; changing it changes every idempotency key. */
export const PROJECT_ID_NAMESPACE = '537b0d74-f0ed-4fe0-bfa5-28a617dbfd73';

/**
 * The idempotency key of one business operation step, e.g. `idempotencyKey('cash-out:ref-1:create')`:
 * the UUIDv5 (RFC 9562 §5.5) of the name in PROJECT_ID_NAMESPACE, so every retry sends the same key.
 */
export function idempotencyKey(name: string): string {
  return uuidV5(name, PROJECT_ID_NAMESPACE);
}

// Own UUIDv5 instead of the `uuid` package's v5: uuid 14 is ESM-only and this CommonJS/node16 project
// cannot import it (TS1479); the unit test checks this one against uuid's v5.
function uuidV5(name: string, namespace: string): string {
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
