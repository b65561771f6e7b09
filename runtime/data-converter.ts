import { existsSync } from 'node:fs';
import path from 'node:path';
import type { DataConverter } from '@temporalio/common';
import type { Config } from './config';
import { payloadCodecFor } from './payload-codec';
import { PROJECT_ROOT } from './project-root';

/**
 * The compiled failure-converter module: what Node's `require` (worker, clients) and the workflow
 * bundler both load. Beside this module when it runs compiled (dist/, or the client package);
 * from sources (the tests), the copy the build put in dist/ (tests build dist/ first).
 */
export const FAILURE_CONVERTER_PATH = existsSync(path.join(__dirname, 'failure-converter.js'))
  ? path.join(__dirname, 'failure-converter.js')
  : path.join(PROJECT_ROOT, 'dist', 'runtime', 'failure-converter.js');

/**
 * The data converter every worker, client and relay of this deployment must share: failure
 * messages and stack traces moved into payloads (failure-converter.ts), and every payload
 * (workflow inputs, results, signals, queries, updates, failures — where all PII lives) encrypted
 * with the keyring of payload-codec.ts when a key is configured.
 */
export function dataConverterFor(
  config: Pick<Config, 'PAYLOAD_ENCRYPTION_KEY' | 'PAYLOAD_ENCRYPTION_PREVIOUS_KEYS'>,
): DataConverter {
  const codec = payloadCodecFor(config);
  return {
    failureConverterPath: FAILURE_CONVERTER_PATH,
    ...(codec ? { payloadCodecs: [codec] } : {}),
  };
}
