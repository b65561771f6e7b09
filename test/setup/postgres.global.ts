import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { embeddedPostgresUrl } from '../../runtime/ledger-url';
import { PROJECT_ROOT } from '../../runtime/project-root';
import { postgresAccepts } from '../../scripts/embedded-postgres';
import { spawnManaged } from '../../scripts/managed-process';
import { freePort } from '../../scripts/ports';
import { GiveUp, waitFor } from '../../scripts/wait-for';
import type { TestProject } from './test-project';

declare module 'vitest' {
  export interface ProvidedContext {
    ledgerDatabaseUrl: string;
  }
}

const LEDGER_DB_ENTRY = path.join(PROJECT_ROOT, 'dist', 'scripts', 'ledger-db.js');

/**
 * One throw-away PostgreSQL for the whole run; each test file creates its own database on it.
 * It runs as a child process, through the same entry `npm start` uses.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!existsSync(LEDGER_DB_ENTRY)) {
    throw new Error(`${LEDGER_DB_ENTRY} is missing: run 'npm run build' (npm test does) before vitest`);
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pix-ledger-test-'));
  // As root, PostgreSQL runs as the `postgres` user: a folder it can enter keeps the cluster here
  // rather than in /var/lib/pix-payments (scripts/embedded-postgres-layout.ts).
  chmodSync(dataDir, 0o755);
  const port = await freePort();
  const url = embeddedPostgresUrl(port);
  const server = spawnManaged('ledger-db', process.execPath, [LEDGER_DB_ENTRY], {
    env: { ...process.env, DATA_DIR: dataDir, LEDGER_PG_PORT: String(port), LOG_LEVEL: 'warn' },
    logFile: path.join(dataDir, 'ledger-db.log'),
  });
  await waitFor(
    'the test ledger PostgreSQL',
    () => {
      if (server.hasExited()) throw new GiveUp(`it exited; see ${path.join(dataDir, 'ledger-db.log')}`);
      return postgresAccepts(url);
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );
  project.provide('ledgerDatabaseUrl', url);
  return async () => {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
