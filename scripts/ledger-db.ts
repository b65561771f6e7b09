import path from 'node:path';
import { loadConfigOrExit } from '../runtime/config';
import { PROJECT_ROOT } from '../runtime/project-root';
import { type RunningEmbeddedPostgres, startEmbeddedPostgres } from './embedded-postgres';

/**
 * The local ledger database as a process of its own, which the launcher (and the tests' global
 * setup) start and stop like any other: SIGTERM or SIGINT stops PostgreSQL, then this process;
 * PostgreSQL ending on its own ends this process with code 1, so the launcher notices.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const dataDir = path.resolve(PROJECT_ROOT, config.DATA_DIR);
  // Listening before PostgreSQL starts: a stop asked for while it starts (it accepts connections
  // before its databases exist) must stop it too, never leave it running without this process.
  let stopping = false;
  let server: RunningEmbeddedPostgres | undefined;
  const stop = () => {
    stopping = true;
    server?.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  server = await startEmbeddedPostgres({ dataDir, port: config.LEDGER_PG_PORT, persistent: true });
  if (stopping) {
    stop();
    return;
  }
  server.exited.then(() => {
    if (stopping) return;
    process.stderr.write('ledger PostgreSQL exited on its own\n');
    process.exit(1);
  });
  process.stdout.write(`ledger PostgreSQL listening on 127.0.0.1:${config.LEDGER_PG_PORT}\n`);
}

main().catch((err) => {
  process.stderr.write(`ledger database failed: ${(err as Error).message}\n`);
  process.exit(1);
});
