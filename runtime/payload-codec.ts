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
 * `iv (12) ‖ ciphertext ‖ tag (16)`; the key id is bound as additional data, so a payload moved
 * under another key id, or any flipped bit, fails to decode instead of yielding garbage.
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  readonly keyId: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new ValueError('the payload encryption key must be 32 bytes');
    this.keyId = encryptionKeyId(key);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decrypt(payload));
  }

  private encrypt(payload: Payload): Payload {
    const plaintext = temporal.api.common.v1.Payload.encode(payload).finish();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(CIPHER, this.key, iv, { authTagLength: TAG_BYTES });
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
    if (keyId !== this.keyId) {
      throw new ValueError(
        `payload was encrypted with key id ${keyId ?? '(none)'}, configured is ${this.keyId}`,
      );
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) throw new ValueError('encrypted payload is truncated');
    const decipher = createDecipheriv(CIPHER, this.key, data.subarray(0, IV_BYTES), {
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

/** Leaves payloads untouched: the codec when no PAYLOAD_ENCRYPTION_KEY is configured. */
export class PassThroughPayloadCodec implements PayloadCodec {
  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads;
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads;
  }
}

/** A short public name for a key (first 16 hex digits of its SHA-256), stored with each payload. */
export function encryptionKeyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** The codec of this deployment: AES-256-GCM with PAYLOAD_ENCRYPTION_KEY, or a pass-through without one. */
export function payloadCodecFor(config: Pick<Config, 'PAYLOAD_ENCRYPTION_KEY'>): PayloadCodec {
  return config.PAYLOAD_ENCRYPTION_KEY
    ? new AesGcmPayloadCodec(Buffer.from(config.PAYLOAD_ENCRYPTION_KEY, 'base64'))
    : new PassThroughPayloadCodec();
}

function metadataText(payload: Payload, name: string): string | undefined {
  const value = payload.metadata?.[name];
  return value ? textDecoder.decode(value) : undefined;
}
