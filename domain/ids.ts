import { sha1 } from '@noble/hashes/legacy';

/** Fixed namespace of this project's deterministic ids; changing it changes every idempotency key. */
export const PROJECT_ID_NAMESPACE = '537b0d74-f0ed-4fe0-bfa5-28a617dbfd73';

const NAMESPACE_BYTES = hexToBytes(PROJECT_ID_NAMESPACE.replace(/-/g, ''));

/**
 * The idempotency key of one business operation step, e.g. `idempotencyKey('cash-out:ref-1:create')`:
 * the UUIDv5 (RFC 9562 §5.5) of the name in PROJECT_ID_NAMESPACE, so every retry sends the same key.
 * Pure (SHA-1 from @noble/hashes, no node:crypto), so workflow code can compute it too. Not the
 * `uuid` package's v5: uuid 14 is ESM-only, which this CommonJS project cannot import (TS1479);
 * a unit test checks this one against it.
 */
export function idempotencyKey(name: string): string {
  const name8 = new TextEncoder().encode(name);
  const message = new Uint8Array(NAMESPACE_BYTES.length + name8.length);
  message.set(NAMESPACE_BYTES, 0);
  message.set(name8, NAMESPACE_BYTES.length);
  const bytes = sha1(message).slice(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function hexToBytes(hex: string): Uint8Array {
  return Uint8Array.from({ length: hex.length / 2 }, (_, i) =>
    Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16),
  );
}
