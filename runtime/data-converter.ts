import type { DataConverter } from '@temporalio/common';
import type { Config } from './config';
import { AesGcmPayloadCodec } from './payload-codec';

/**
 * The data converter every worker and client of this deployment must share: payloads (workflow
 * inputs, results, signals, queries, updates — where all PII lives) encrypted with
 * PAYLOAD_ENCRYPTION_KEY; `undefined` (the SDK default, plain JSON) when no key is configured.
 */
export function dataConverterFor(config: Pick<Config, 'PAYLOAD_ENCRYPTION_KEY'>): DataConverter | undefined {
  if (!config.PAYLOAD_ENCRYPTION_KEY) return undefined;
  return { payloadCodecs: [new AesGcmPayloadCodec(Buffer.from(config.PAYLOAD_ENCRYPTION_KEY, 'base64'))] };
}
