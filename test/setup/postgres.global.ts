import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../scripts/embedded-postgres';
import { freePort } from '../../scripts/ports';
import type { TestProject } from './test-project';

declare module 'vitest' {
  export interface ProvidedContext {
    ledgerDatabaseUrl: string;
  }
}

/** One throw-away PostgreSQL for the whole run; each test file creates its own database on it. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pix-ledger-test-'));
  // When run as root, PostgreSQL runs as the `postgres` user, which must be able to enter the directory.
  chmodSync(dataDir, 0o755);
  const postgres = await startEmbeddedPostgres({ dataDir, port: await freePort(), persistent: false });
  project.provide('ledgerDatabaseUrl', postgres.url);
  return async () => {
    await postgres.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
