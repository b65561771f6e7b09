import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { dataConverterFor } from '../../runtime/data-converter';
import {
  AesGcmPayloadCodec,
  ENCRYPTED_ENCODING,
  encryptionKeyId,
  KEY_ID_METADATA,
  PassThroughPayloadCodec,
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
  });

  it('refuses to decode with a wrong key', async () => {
    const [encoded] = await new AesGcmPayloadCodec(key).encode([plain(payer)]);
    await expect(new AesGcmPayloadCodec(randomBytes(32)).decode([encoded as Payload])).rejects.toThrow(
      /encrypted with key id/,
    );
  });

  it('passes unencrypted payloads through on decode (histories written before the key existed)', async () => {
    const payload = plain(payer);
    expect(await new AesGcmPayloadCodec(key).decode([payload])).toEqual([payload]);
  });

  it('rejects keys that are not 32 bytes', () => {
    expect(() => new AesGcmPayloadCodec(randomBytes(16))).toThrow(/32 bytes/);
  });
});

describe('codec and data converter from the configuration', () => {
  it('without PAYLOAD_ENCRYPTION_KEY: a pass-through codec and the SDK default converter', async () => {
    const codec = payloadCodecFor({});
    expect(codec).toBeInstanceOf(PassThroughPayloadCodec);
    const payload = plain(payer);
    expect(await codec.encode([payload])).toEqual([payload]);
    expect(await codec.decode([payload])).toEqual([payload]);
    expect(dataConverterFor({})).toBeUndefined();
  });

  it('with PAYLOAD_ENCRYPTION_KEY: the AES codec, in the data converter too', async () => {
    const config = { PAYLOAD_ENCRYPTION_KEY: key.toString('base64') };
    const codec = payloadCodecFor(config);
    expect(codec).toBeInstanceOf(AesGcmPayloadCodec);
    const converter = dataConverterFor(config);
    const [converterCodec] = converter?.payloadCodecs ?? [];
    expect(converterCodec).toBeInstanceOf(AesGcmPayloadCodec);
    // Same key: what the worker's converter encrypts, the relay's /codec endpoint decrypts.
    const [encoded] = await (converterCodec as AesGcmPayloadCodec).encode([plain(payer)]);
    const [decoded] = await codec.decode([encoded as Payload]);
    expect(defaultPayloadConverter.fromPayload(decoded as Payload)).toEqual(payer);
  });
});
