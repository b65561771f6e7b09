import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { embeddedPostgresUrl } from '../../runtime/ledger-url';
import { PROJECT_ROOT } from '../../runtime/project-root';
import { postgresAccepts } from '../../scripts/embedded-postgres';
import { freePort } from '../../scripts/ports';
import { GiveUp, waitFor } from '../../scripts/wait-for';
import { cleanEnv, collectOutput } from '../helpers/processes';

/**
 * The checkout as a user has it in a private folder: root's home (/root, mode 0700) or a
 * `mktemp -d` folder. As root, PostgreSQL runs as the `postgres` user, who cannot enter it.
 */
function checkoutInPrivateFolder(): string {
  const privateFolder = mkdtempSync(path.join(tmpdir(), 'pix-private-home-'));
  expect(statSync(privateFolder).mode & 0o777).toBe(0o700);
  const checkout = path.join(privateFolder, 'pix-payments');
  cpSync(path.join(PROJECT_ROOT, 'dist'), path.join(checkout, 'dist'), { recursive: true });
  copyFileSync(path.join(PROJECT_ROOT, 'package.json'), path.join(checkout, 'package.json'));
  // Hard links: a real node_modules inside the private folder in a second, not a 500 MB copy.
  const linked = spawnSync('cp', ['-al', path.join(PROJECT_ROOT, 'node_modules'), checkout]);
  if (linked.status !== 0)
    cpSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(checkout, 'node_modules'), { recursive: true });
  return privateFolder;
}

const privateFolder = checkoutInPrivateFolder();
let relocatedCluster: string | undefined;
afterAll(() => {
  if (relocatedCluster) rmSync(relocatedCluster, { recursive: true, force: true });
  rmSync(privateFolder, { recursive: true, force: true });
});

it('starts the ledger database (the launcher’s ledger-db step) from a checkout in a 0700 folder, and stops it on SIGTERM', async () => {
  const checkout = path.join(privateFolder, 'pix-payments');
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(checkout, 'dist', 'scripts', 'ledger-db.js')], {
    cwd: checkout,
    env: cleanEnv({ LEDGER_PG_PORT: String(port), LOG_LEVEL: 'warn' }),
  });
  let exited = false;
  const output = collectOutput(child, 90_000).finally(() => {
    exited = true;
  });
  try {
    await waitFor(
      'the ledger database of the private checkout',
      async () => {
        if (exited) {
          const { code, stderr } = await output;
          throw new GiveUp(`ledger-db exited (${code}): ${stderr}`);
        }
        return postgresAccepts(embeddedPostgresUrl(port));
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    // DATA_DIR's default, .data inside the checkout, holds the cluster (or, as root, a link to it).
    const clusterPath = path.join(checkout, '.data', 'postgres');
    expect(existsSync(path.join(clusterPath, 'PG_VERSION'))).toBe(true);
    if (lstatSync(clusterPath).isSymbolicLink()) relocatedCluster = realpathSync(clusterPath);
    if (process.getuid?.() === 0) expect(relocatedCluster).toBeDefined();
  } finally {
    child.kill('SIGTERM');
  }
  const { code, stderr } = await output;
  expect(stderr).toBe('');
  expect(code).toBe(0);
}, 120_000);
