import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  signatureHeaders,
  verifyWalletSignature,
  walletSignature,
} from '../../domain/platform-wallet/signature';

const SECRET = 'a-shared-secret-of-the-platform';
const parts = { timestamp: '1767225600', method: 'POST', path: '/v1/holds', body: '{"transferId":"t1"}' };

describe('wallet request signatures', () => {
  it('is the plain openssl HMAC of docs/platform-wallet.md, so a platform can verify it in any language', () => {
    // The same command the documentation shows.
    const openssl = spawnSync(
      'bash',
      [
        '-c',
        'printf \'%s\\n%s\\n%s\\n%s\' "$TS" "$METHOD" "$REQ_PATH" "$BODY" | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d" " -f1',
      ],
      {
        encoding: 'utf8',
        env: {
          ...process.env,
          TS: parts.timestamp,
          METHOD: parts.method,
          REQ_PATH: parts.path,
          BODY: parts.body,
          SECRET,
        },
      },
    );
    expect(openssl.status, openssl.stderr).toBe(0);
    expect(openssl.stdout.trim()).toBe(walletSignature(parts, SECRET));
  });

  it('verifies within the window and refuses a stale, future, altered or malformed one', () => {
    const nowMs = Number(parts.timestamp) * 1000;
    const signature = walletSignature(parts, SECRET);
    const verify = (overrides: Record<string, string | undefined>, atMs = nowMs) =>
      verifyWalletSignature({ ...parts, signature, ...overrides }, SECRET, {
        nowMs: atMs,
        toleranceSeconds: 300,
      });
    expect(verify({})).toEqual({ ok: true });
    expect(verify({}, nowMs + 300_000)).toEqual({ ok: true });
    expect(verify({}, nowMs + 301_000)).toEqual({ ok: false, reason: 'stale' });
    expect(verify({}, nowMs - 301_000)).toEqual({ ok: false, reason: 'stale' });
    expect(verify({ body: '{"transferId":"t2"}' })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verify({ path: '/v1/credits' })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verify({ method: 'GET' })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verify({ signature: undefined })).toEqual({ ok: false, reason: 'missing' });
    expect(verify({ signature: signature.toUpperCase() })).toEqual({ ok: false, reason: 'malformed' });
    expect(verify({ timestamp: '1.5e9' })).toEqual({ ok: false, reason: 'malformed' });
  });

  it('stamps headers with the time of sending in Unix seconds', () => {
    const headers = signatureHeaders(
      { method: 'GET', path: '/v1/exposure', body: '' },
      SECRET,
      1_767_225_600_999,
    );
    expect(headers['x-wallet-timestamp']).toBe('1767225600');
    expect(headers['x-wallet-signature']).toBe(
      walletSignature({ timestamp: '1767225600', method: 'GET', path: '/v1/exposure', body: '' }, SECRET),
    );
  });
});
