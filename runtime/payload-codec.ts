import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { type Payload, type PayloadCodec, ValueError } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { Config } from './config';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/**
 * AES-256-GCM over each whole payload (metadata included, serialised as the Payload protobuf the
 * way Temporal's encryption samples do, so codec servers in other SDKs can read it). Wire form:
 * `iv (12) ‖ ciphertext ‖ tag (16)`, with metadata `encoding: binary/encrypted` and
 * `encryption-key-id`; the key id is bound as additional data, so a payload moved under another key
 * id, or any flipped bit, fails to decode instead of yielding garbage.
 *
 * A keyring: `current` encrypts (none: payloads are written in clear), and every key of the ring
 * decrypts, chosen by the payload's key id. Key ids are derived from the keys (encryptionKeyId), so
 * an id can never name the wrong key, and payloads written before keyrings existed (same format,
 * same derived id) decrypt unchanged.
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  /** Id of the key that encrypts; undefined when new payloads are written in clear. */
  readonly keyId: string | undefined;
  private readonly keysById: ReadonlyMap<string, Buffer>;

  constructor(current: Buffer | undefined, previous: readonly Buffer[] = []) {
    const ring = [...(current ? [current] : []), ...previous];
    if (ring.length === 0) throw new ValueError('a payload codec needs at least one key');
    for (const key of ring) {
      if (key.length !== 32) throw new ValueError('every payload encryption key must be 32 bytes');
    }
    this.keyId = current ? encryptionKeyId(current) : undefined;
    this.keysById = new Map(ring.map((key) => [encryptionKeyId(key), key]));
  }

  /** Ids of every key that decrypts, the current one first. */
  get keyIds(): string[] {
    return [...this.keysById.keys()];
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decrypt(payload));
  }

  private encrypt(payload: Payload): Payload {
    if (this.keyId === undefined) return payload;
    const key = this.keysById.get(this.keyId) as Buffer;
    const plaintext = temporal.api.common.v1.Payload.encode(payload).finish();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(textEncoder.encode(this.keyId));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      metadata: {
        encoding: textEncoder.encode(ENCRYPTED_ENCODING),
        [KEY_ID_METADATA]: textEncoder.encode(this.keyId),
      },
      data: Buffer.concat([iv, ciphertext, cipher.getAuthTag()]),
    };
  }

  private decrypt(payload: Payload): Payload {
    if (metadataText(payload, 'encoding') !== ENCRYPTED_ENCODING) return payload;
    const keyId = metadataText(payload, KEY_ID_METADATA);
    const key = keyId === undefined ? undefined : this.keysById.get(keyId);
    if (key === undefined || keyId === undefined) {
      throw new ValueError(
        `payload was encrypted with key id ${keyId ?? '(none)'}, which is not in the keyring (${this.keyIds.join(', ')}): add that key to PAYLOAD_ENCRYPTION_PREVIOUS_KEYS`,
      );
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) throw new ValueError('encrypted payload is truncated');
    const decipher = createDecipheriv(CIPHER, key, data.subarray(0, IV_BYTES), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(textEncoder.encode(keyId));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plaintext: Buffer;
    try {
      plaintext = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      throw new ValueError(
        'encrypted payload failed authentication (tampered, or encrypted with another key)',
      );
    }
    return temporal.api.common.v1.Payload.decode(plaintext);
  }
}

/** A short public name for a key (first 16 hex digits of its SHA-256), stored with each payload. */
export function encryptionKeyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/**
 * The codec of this deployment: the keyring of PAYLOAD_ENCRYPTION_KEY (current) and
 * PAYLOAD_ENCRYPTION_PREVIOUS_KEYS; undefined when neither is set (payloads stay plain JSON).
 */
export function payloadCodecFor(
  config: Pick<Config, 'PAYLOAD_ENCRYPTION_KEY' | 'PAYLOAD_ENCRYPTION_PREVIOUS_KEYS'>,
): AesGcmPayloadCodec | undefined {
  const current = config.PAYLOAD_ENCRYPTION_KEY
    ? Buffer.from(config.PAYLOAD_ENCRYPTION_KEY, 'base64')
    : undefined;
  const previous = (config.PAYLOAD_ENCRYPTION_PREVIOUS_KEYS ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter(Boolean)
    .map((key) => Buffer.from(key, 'base64'));
  if (!current && previous.length === 0) return undefined;
  return new AesGcmPayloadCodec(current, previous);
}

function metadataText(payload: Payload, name: string): string | undefined {
  const value = payload.metadata?.[name];
  return value ? textDecoder.decode(value) : undefined;
}
