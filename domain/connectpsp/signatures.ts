import { createHmac } from 'node:crypto';

/**
 * The `DigitalSignature` header (contract §0): lowercase hex HMAC-SHA256 keyed with the CryptoToken
 * (UTF-8) over the raw JWT access token, without the `Bearer ` prefix. The body is not covered.
 */
export function digitalSignature(jwt: string, cryptoToken: string): string {
  return createHmac('sha256', Buffer.from(cryptoToken, 'utf8')).update(jwt, 'utf8').digest('hex');
}

/** The `X-Connect-Signature` of a webhook: lowercase hex HMAC-SHA256 of the raw body keyed with the CryptoToken. */
export function webhookSignature(rawBody: Uint8Array | string, cryptoToken: string): string {
  return createHmac('sha256', Buffer.from(cryptoToken, 'utf8')).update(rawBody).digest('hex');
}
