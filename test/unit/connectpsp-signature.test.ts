import { describe, expect, it } from 'vitest';
import { digitalSignature } from '../../domain/connectpsp/signatures';

// Expected values computed independently with `printf '%s' "$JWT" | openssl dgst -sha256 -hmac "$KEY"`.
const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMDAwMDAxIiwiaWF0IjoxNzcyMzIwMDAwLCJleHAiOjE3NzIzMjM2MDB9.c2lnbmF0dXJlLW5vdC1jaGVja2Vk';

describe('digitalSignature', () => {
  it('is the lowercase hex HMAC-SHA256 of the raw JWT keyed with the CryptoToken', () => {
    expect(digitalSignature(JWT, 'sandbox-crypto-token-not-a-secret')).toBe(
      '65d68dfd3bf10cd1c5ca87a792462ff25af927f96fd9a58ddce7e7956745d356',
    );
  });

  it('uses the UTF-8 bytes of a non-ASCII CryptoToken', () => {
    expect(digitalSignature(JWT, 'chave-çã')).toBe(
      '00354a0d602fb2123732a48e82c9c78c1e119981f29645b156ce146cdcf931c8',
    );
  });

  it('signs the token without the Bearer prefix', () => {
    expect(digitalSignature(`Bearer ${JWT}`, 'sandbox-crypto-token-not-a-secret')).not.toBe(
      '65d68dfd3bf10cd1c5ca87a792462ff25af927f96fd9a58ddce7e7956745d356',
    );
  });
});
