import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type DefaultFailureConverter, defaultPayloadConverter, type Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { dataConverterFor, FAILURE_CONVERTER_PATH } from '../../runtime/data-converter';
import {
  AesGcmPayloadCodec,
  ENCRYPTED_ENCODING,
  encryptionKeyId,
  KEY_ID_METADATA,
  payloadCodecFor,
} from '../../runtime/payload-codec';

const key = randomBytes(32);
const payer = { name: 'Maria Souza', document: '11144477735', pixKey: 'maria@example.com' };
const plain = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const text = (bytes: Uint8Array | null | undefined) =>
  Buffer.from(bytes ?? new Uint8Array()).toString('utf8');

describe('AES-256-GCM payload codec', () => {
  it('round-trips payloads, metadata included, and hides their content', async () => {
    const codec = new AesGcmPayloadCodec(key);
    const payloads = [plain(payer), plain(null), plain(undefined), plain('')];
    const encoded = await codec.encode(payloads);
    expect(encoded).toHaveLength(4);
    for (const payload of encoded) {
      expect(text(payload.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
      expect(text(payload.metadata?.[KEY_ID_METADATA])).toBe(encryptionKeyId(key));
      expect(Object.keys(payload.metadata ?? {}).sort()).toEqual(['encoding', KEY_ID_METADATA].sort());
    }
    const wire = text(encoded[0]?.data);
    for (const secret of [payer.name, payer.document, payer.pixKey, 'json/plain'])
      expect(wire).not.toContain(secret);

    const decoded = await codec.decode(encoded);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([payer, null, undefined, '']);
    expect(text(decoded[0]?.metadata?.encoding)).toBe('json/plain');
  });

  it('uses a fresh IV per payload: equal inputs give different ciphertexts', async () => {
    const codec = new AesGcmPayloadCodec(key);
    const [a, b] = await codec.encode([plain(payer), plain(payer)]);
    expect(Buffer.from(a?.data ?? []).equals(Buffer.from(b?.data ?? []))).toBe(false);
  });

  it('detects tampering: any flipped bit, a truncated payload or a changed key id', async () => {
    const codec = new AesGcmPayloadCodec(key);
    const [encoded] = await codec.encode([plain(payer)]);
    if (!encoded?.data) throw new Error('no data');
    for (const index of [0, 12, encoded.data.length - 1]) {
      const data = Buffer.from(encoded.data);
      data[index] = (data[index] ?? 0) ^ 0x01;
      await expect(codec.decode([{ ...encoded, data }])).rejects.toThrow(/failed authentication/);
    }
    await expect(codec.decode([{ ...encoded, data: encoded.data.subarray(0, 20) }])).rejects.toThrow(
      /truncated/,
    );
    const otherKeyId = { ...encoded.metadata, [KEY_ID_METADATA]: Buffer.from('0000000000000000') };
    await expect(codec.decode([{ ...encoded, metadata: otherKeyId }])).rejects.toThrow(/key id/);
    // Moved under another key id of the same ring: the id is authenticated data, so it fails too.
    const other = randomBytes(32);
    const ring = new AesGcmPayloadCodec(key, [other]);
    const movedId = { ...encoded.metadata, [KEY_ID_METADATA]: Buffer.from(encryptionKeyId(other)) };
    await expect(ring.decode([{ ...encoded, metadata: movedId }])).rejects.toThrow(/failed authentication/);
  });

  it('refuses to decode with a wrong key', async () => {
    const [encoded] = await new AesGcmPayloadCodec(key).encode([plain(payer)]);
    await expect(new AesGcmPayloadCodec(randomBytes(32)).decode([encoded as Payload])).rejects.toThrow(
      /not in the keyring/,
    );
  });

  it('passes unencrypted payloads through on decode (histories written before the key existed)', async () => {
    const payload = plain(payer);
    expect(await new AesGcmPayloadCodec(key).decode([payload])).toEqual([payload]);
  });

  it('rejects keys that are not 32 bytes, and an empty keyring', () => {
    expect(() => new AesGcmPayloadCodec(randomBytes(16))).toThrow(/32 bytes/);
    expect(() => new AesGcmPayloadCodec(key, [randomBytes(31)])).toThrow(/32 bytes/);
    expect(() => new AesGcmPayloadCodec(undefined, [])).toThrow(/at least one key/);
  });
});

describe('keyring: the current key encrypts, every listed key decrypts', () => {
  const [keyA, keyB, keyC] = [randomBytes(32), randomBytes(32), randomBytes(32)];

  it('encrypts with the current key id only', async () => {
    const ring = new AesGcmPayloadCodec(keyB, [keyA]);
    expect(ring.keyId).toBe(encryptionKeyId(keyB));
    expect(ring.keyIds).toEqual([encryptionKeyId(keyB), encryptionKeyId(keyA)]);
    const [encoded] = await ring.encode([plain(payer)]);
    expect(text(encoded?.metadata?.[KEY_ID_METADATA])).toBe(encryptionKeyId(keyB));
    await expect(new AesGcmPayloadCodec(keyA).decode([encoded as Payload])).rejects.toThrow(
      /not in the keyring/,
    );
  });

  it('decrypts what any key of the ring wrote, and names the variable when a key is missing', async () => {
    const [byA] = await new AesGcmPayloadCodec(keyA).encode([plain('written under A')]);
    const [byB] = await new AesGcmPayloadCodec(keyB).encode([plain('written under B')]);
    const [byC] = await new AesGcmPayloadCodec(keyC).encode([plain('written under C')]);
    const ring = new AesGcmPayloadCodec(keyB, [keyA]);
    const decoded = await ring.decode([byA, byB] as Payload[]);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([
      'written under A',
      'written under B',
    ]);
    await expect(ring.decode([byC as Payload])).rejects.toThrow(
      `payload was encrypted with key id ${encryptionKeyId(keyC)}, which is not in the keyring (${encryptionKeyId(keyB)}, ${encryptionKeyId(keyA)}): add that key to PAYLOAD_ENCRYPTION_PREVIOUS_KEYS`,
    );
  });

  it('with previous keys only: writes in clear, still reads what was encrypted (turning encryption off)', async () => {
    const [byA] = await new AesGcmPayloadCodec(keyA).encode([plain(payer)]);
    const readOnly = new AesGcmPayloadCodec(undefined, [keyA]);
    expect(await readOnly.encode([plain(payer)])).toEqual([plain(payer)]);
    expect(
      defaultPayloadConverter.fromPayload((await readOnly.decode([byA as Payload]))[0] as Payload),
    ).toEqual(payer);
  });

  it('decrypts a payload written by the single-key codec before keyrings existed (fixture)', async () => {
    const fixture = JSON.parse(
      readFileSync(path.join(__dirname, '../fixtures/payloads/single-key-format.json'), 'utf8'),
    ) as { key: string; value: unknown; payload: { metadata: Record<string, string>; data: string } };
    const written: Payload = {
      metadata: Object.fromEntries(
        Object.entries(fixture.payload.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
      ),
      data: Buffer.from(fixture.payload.data, 'base64'),
    };
    const oldKey = Buffer.from(fixture.key, 'base64');
    for (const codec of [new AesGcmPayloadCodec(oldKey), new AesGcmPayloadCodec(keyB, [oldKey])]) {
      const [decoded] = await codec.decode([written]);
      expect(defaultPayloadConverter.fromPayload(decoded as Payload)).toEqual(fixture.value);
    }
  });
});

describe('codec and data converter from the configuration', () => {
  it('without a key: no codec, but failures are still moved out of clear text fields', () => {
    expect(payloadCodecFor({})).toBeUndefined();
    expect(dataConverterFor({})).toEqual({ failureConverterPath: FAILURE_CONVERTER_PATH });
  });

  it('the failure converter module encodes messages and stack traces (what workers, bundles and clients load)', () => {
    expect(existsSync(FAILURE_CONVERTER_PATH)).toBe(true); // npm run check builds dist/ before the tests
    // The SDK loads it with require(), so the test does too.
    const { failureConverter } = require(FAILURE_CONVERTER_PATH) as {
      failureConverter: DefaultFailureConverter;
    };
    const failure = failureConverter.errorToFailure(
      new Error('account user:ana has 1 cents'),
      defaultPayloadConverter,
    );
    expect(failure.message).toBe('Encoded failure');
    expect(failure.stackTrace).toBe('');
    expect(text(failure.encodedAttributes?.data)).toContain('account user:ana has 1 cents');
    expect(failureConverter.failureToError(failure, defaultPayloadConverter).message).toBe(
      'account user:ana has 1 cents',
    );
  });

  it('with PAYLOAD_ENCRYPTION_KEY and previous keys: the keyring, in the data converter too', async () => {
    const previous = randomBytes(32);
    const config = {
      PAYLOAD_ENCRYPTION_KEY: key.toString('base64'),
      PAYLOAD_ENCRYPTION_PREVIOUS_KEYS: ` ${previous.toString('base64')} `,
    };
    const codec = payloadCodecFor(config) as AesGcmPayloadCodec;
    expect(codec.keyIds).toEqual([encryptionKeyId(key), encryptionKeyId(previous)]);
    const converter = dataConverterFor(config);
    expect(converter.failureConverterPath).toBe(FAILURE_CONVERTER_PATH);
    const [converterCodec] = converter.payloadCodecs ?? [];
    expect(converterCodec).toBeInstanceOf(AesGcmPayloadCodec);
    // Same keys: what the worker's converter encrypts, the relay's codec endpoint decrypts.
    const [encoded] = await (converterCodec as AesGcmPayloadCodec).encode([plain(payer)]);
    const [decoded] = await codec.decode([encoded as Payload]);
    expect(defaultPayloadConverter.fromPayload(decoded as Payload)).toEqual(payer);
  });
});
