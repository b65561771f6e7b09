import * as crypto from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { webhookSignature } from '../../domain/connectpsp/signatures';
import { isValidWebhookSignature } from '../../relay/signature';

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const TOKEN = 'crypto-token-for-tests';
const body = Buffer.from('{"eventType":"CASHIN_PAID","eventAt":"2026-03-10T12:00:05Z","data":{}}');

describe('webhook signature (X-Connect-Signature)', () => {
  it('is the lowercase hex HMAC-SHA256 of the raw body keyed with the CryptoToken', () => {
    // Reference value from: printf '%s' hello | openssl dgst -sha256 -hmac key
    expect(webhookSignature('hello', 'key')).toBe(
      '9307b3b915efb5171ff14d8cb55fbcc798c6c0ef1456d66ded1a6aa723a58b7b',
    );
    expect(webhookSignature(body, TOKEN)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('accepts the right signature only in the contract form, lowercase hex', () => {
    const signature = webhookSignature(body, TOKEN);
    expect(isValidWebhookSignature(body, signature, TOKEN)).toBe(true);
    // One canonical form: an uppercase (or mixed-case) rendering is not what ConnectPSP sends.
    expect(isValidWebhookSignature(body, signature.toUpperCase(), TOKEN)).toBe(false);
    expect(
      isValidWebhookSignature(
        body,
        signature.replace(/[a-f]/, (c) => c.toUpperCase()),
        TOKEN,
      ),
    ).toBe(false);
  });

  it('rejects a missing signature, another key, another body and a one-digit change', () => {
    const signature = webhookSignature(body, TOKEN);
    expect(isValidWebhookSignature(body, undefined, TOKEN)).toBe(false);
    expect(isValidWebhookSignature(body, webhookSignature(body, 'other-token'), TOKEN)).toBe(false);
    expect(isValidWebhookSignature(Buffer.from(`${body} `), signature, TOKEN)).toBe(false);
    const lastDigit = signature.at(-1) === '0' ? '1' : '0';
    expect(isValidWebhookSignature(body, signature.slice(0, -1) + lastDigit, TOKEN)).toBe(false);
  });

  it('rejects wrong lengths and non-hex headers without throwing', () => {
    const signature = webhookSignature(body, TOKEN);
    for (const wrong of [
      '',
      signature.slice(0, 63),
      signature.slice(0, 32),
      `${signature}00`,
      'z'.repeat(64),
    ]) {
      expect(isValidWebhookSignature(body, wrong, TOKEN)).toBe(false);
    }
    // Buffer.from(hex) stops at the first bad digit; such a header must not compare as a prefix.
    expect(isValidWebhookSignature(body, `${signature.slice(0, 62)}zz`, TOKEN)).toBe(false);
  });

  it('compares digests with crypto.timingSafeEqual on equal-length buffers', () => {
    const timingSafeEqual = vi.mocked(crypto.timingSafeEqual);
    timingSafeEqual.mockClear();
    const signature = webhookSignature(body, TOKEN);
    isValidWebhookSignature(body, signature, TOKEN);
    isValidWebhookSignature(body, signature.replace(/^./, signature[0] === 'a' ? 'b' : 'a'), TOKEN);
    expect(timingSafeEqual).toHaveBeenCalledTimes(2);
    for (const [a, b] of timingSafeEqual.mock.calls) {
      expect((a as Buffer).length).toBe(32);
      expect((b as Buffer).length).toBe(32);
    }
  });
});
