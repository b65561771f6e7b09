import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The local stack's own payload key: `npm start` writes one into its data folder on first run and
 * keeps it, so payloads are encrypted from the first payment without anyone choosing a key; the
 * CLI and the library find it through stack.json. A deployment sets PAYLOAD_ENCRYPTION_KEY instead.
 */
export const LOCAL_PAYLOAD_KEY_FILE = 'payload-encryption.key';

/** The key of `dataDir`, made (32 random bytes, base64, readable by its owner only) when there is none. */
export function ensureLocalPayloadKey(dataDir: string): { key: string; file: string; created: boolean } {
  const file = path.join(dataDir, LOCAL_PAYLOAD_KEY_FILE);
  try {
    writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
    return { key: readLocalPayloadKey(file), file, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { key: readLocalPayloadKey(file), file, created: false };
  }
}

/** Reads a key file; a file that is not base64 of 32 bytes is an error naming it, never replaced. */
export function readLocalPayloadKey(file: string): string {
  const key = readFileSync(file, 'utf8').trim();
  if (Buffer.from(key, 'base64').length !== 32) {
    throw new Error(
      `${file} is not a payload key (base64 of 32 bytes); restore it from a backup, or delete it only if nothing was encrypted with it`,
    );
  }
  return key;
}
