import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../scripts/embedded-postgres';
import { freePort } from '../../scripts/ports';

// One cluster for the file: initdb is the slow part (about a second), a restart is not.
let dataDir: string;
beforeAll(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'pix-embedded-pg-'));
  chmodSync(dataDir, 0o755);
});
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('startEmbeddedPostgres', () => {
  it('keeps a persistent cluster and its ledger database across restarts', async () => {
    const port = await freePort();
    const first = await startEmbeddedPostgres({ dataDir, port, persistent: true });
    try {
      expect(new URL(first.url).pathname).toBe('/ledger');
      await query(first.url, 'CREATE TABLE survives (n int); INSERT INTO survives VALUES (42)');
    } finally {
      await first.stop();
    }
    expect(existsSync(path.join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true);

    const second = await startEmbeddedPostgres({ dataDir, port, persistent: true });
    try {
      expect(await query(second.url, 'SELECT n FROM survives')).toEqual([{ n: 42 }]);
    } finally {
      await second.stop();
    }
  });

  it('explains a failed start instead of rejecting with nothing', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await expect(startEmbeddedPostgres({ dataDir, port, persistent: true })).rejects.toThrow(
        new RegExp(`could not start \\(port ${port}[\\s\\S]*already in use`),
      );
    } finally {
      blocker.close();
    }
  });
});
