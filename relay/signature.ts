import { timingSafeEqual } from 'node:crypto';
import { webhookSignature } from '../domain/connectpsp/signatures';

/** The contract's one form: 64 lowercase hex digits (docs/connectpsp.md, webhooks). */
const HEX_SHA256 = /^[0-9a-f]{64}$/;

/**
 * True only when `signature` is the body's HMAC, in the contract's form. The comparison runs in
 * constant time over the 32 digest bytes; a header that is not 64 lowercase hex digits (an
 * uppercase rendering, two headers joined by a comma, a truncated one) is rejected before
 * comparing (its shape is not a secret), so timingSafeEqual always sees equal-length buffers.
 */
export function isValidWebhookSignature(
  rawBody: Uint8Array,
  signature: string | undefined,
  cryptoToken: string,
): boolean {
  if (signature === undefined || !HEX_SHA256.test(signature)) return false;
  const expected = Buffer.from(webhookSignature(rawBody, cryptoToken), 'hex');
  return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
}
