import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signatures of requests to the platform's wallet service (docs/platform-wallet.md): lowercase hex
 * HMAC-SHA256, keyed with the shared secret (UTF-8), over four lines joined by `\n`:
 *
 *     <timestamp>\n<METHOD>\n<path and query, as sent>\n<raw body, empty for a GET>
 *
 * The timestamp (Unix seconds) is in `X-Wallet-Timestamp`, the signature in `X-Wallet-Signature`.
 * Method and path are covered too: a signature over the body alone would let a captured GET be
 * replayed for another user's balance, or a captured body be sent to another endpoint.
 */
export const WALLET_TIMESTAMP_HEADER = 'x-wallet-timestamp';
export const WALLET_SIGNATURE_HEADER = 'x-wallet-signature';

/** How far a request's timestamp may be from the service's clock, either way, by default. */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

export interface SignedParts {
  /** Unix seconds, as a decimal string. */
  timestamp: string;
  method: string;
  /** Path and query exactly as on the request line, e.g. `/v1/users/ana/balance`. */
  path: string;
  body: string | Uint8Array;
}

export function walletSignature(parts: SignedParts, secret: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(`${parts.timestamp}\n${parts.method.toUpperCase()}\n${parts.path}\n`, 'utf8')
    .update(parts.body)
    .digest('hex');
}

/** The two headers of a request sent at `nowMs`. */
export function signatureHeaders(
  request: Omit<SignedParts, 'timestamp'>,
  secret: string,
  nowMs: number,
): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  return {
    [WALLET_TIMESTAMP_HEADER]: timestamp,
    [WALLET_SIGNATURE_HEADER]: walletSignature({ ...request, timestamp }, secret),
  };
}

export type SignatureVerdict =
  | { ok: true }
  | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch' };

/** Checks a request's signature and timestamp; the comparison takes the same time whatever matches. */
export function verifyWalletSignature(
  request: Omit<SignedParts, 'timestamp'> & { timestamp: string | undefined; signature: string | undefined },
  secret: string,
  options: { nowMs: number; toleranceSeconds: number },
): SignatureVerdict {
  const { timestamp, signature } = request;
  if (!timestamp || !signature) return { ok: false, reason: 'missing' };
  if (!/^\d{1,12}$/.test(timestamp) || !/^[0-9a-f]{64}$/.test(signature)) {
    return { ok: false, reason: 'malformed' };
  }
  if (Math.abs(options.nowMs / 1000 - Number(timestamp)) > options.toleranceSeconds) {
    return { ok: false, reason: 'stale' };
  }
  const expected = Buffer.from(walletSignature({ ...request, timestamp }, secret), 'hex');
  return timingSafeEqual(expected, Buffer.from(signature, 'hex'))
    ? { ok: true }
    : { ok: false, reason: 'mismatch' };
}
