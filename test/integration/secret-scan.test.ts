import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SANDBOX_CREDENTIALS } from '../../runtime/config';
import { dataConverterFor } from '../../runtime/data-converter';
import { payloadCodecFor } from '../../runtime/payload-codec';
import { PROJECT_ROOT } from '../../runtime/project-root';
import { demoUsers } from '../../scripts/demo';
import { freeStackPorts } from '../../scripts/ports';
import { GiveUp, waitFor } from '../../scripts/wait-for';
import { type FreshLedgerDatabase, freshLedgerDatabase } from '../helpers/ledger-db';
import { cleanEnv, collectOutput, type RunResult, runNode } from '../helpers/processes';
import {
  formatHits,
  logFileSources,
  outputSources,
  personNeedles,
  type ScanSource,
  scanForLeaks,
  secretNeedles,
  temporalSources,
} from '../helpers/secret-scan';
import { connectTestClient } from '../helpers/temporal';

// (The launcher's start-up hint uses an example person of its own, not one of the demo's, so a hit
// here is always data that went through the system.)
// After a full demo on the real processes (npm start's launcher: sandbox, worker and relay, each
// logging at debug to DATA_DIR/logs) with payload encryption on, nothing secret or personal may be
// in clear anywhere the system wrote. The same helper runs after any other run (docs/security.md).
describe('secret and PII scan after the demo, encryption on', () => {
  const key = randomBytes(32).toString('base64');
  const codecToken = `codec-${randomBytes(24).toString('hex')}`;
  const taskQueue = `scan-${randomBytes(4).toString('hex')}`;
  let dataDir: string;
  let ledgerDb: FreshLedgerDatabase;
  let client: Client;
  let launcher: { stop(): void; output: Promise<RunResult> };
  let demo: RunResult;
  let run: string;
  const outputs: Record<string, string> = {};

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'pix-scan-'));
    chmodSync(dataDir, 0o755);
    ledgerDb = await freshLedgerDatabase();
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'scripts', 'stack.js')], {
      cwd: PROJECT_ROOT,
      env: cleanEnv({
        DATA_DIR: dataDir,
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TEMPORAL_NAMESPACE: inject('temporalNamespace'),
        TEMPORAL_TASK_QUEUE: taskQueue,
        LEDGER_DATABASE_URL: ledgerDb.url,
        ...(await freeStackPorts()),
        REBALANCE_INTERVAL_SECONDS: '3600',
        PAYLOAD_ENCRYPTION_KEY: key,
        CODEC_AUTH_TOKEN: codecToken,
        LOG_LEVEL: 'debug',
      }),
    });
    let exited: RunResult | undefined;
    const output = collectOutput(child, 280_000).then((result) => {
      exited = result;
      return result;
    });
    launcher = { stop: () => child.kill('SIGTERM'), output };
    await waitFor(
      'stack.json',
      () => {
        if (exited)
          throw new GiveUp(`the launcher exited early (${exited.code}):\n${exited.stdout}\n${exited.stderr}`);
        return existsSync(path.join(dataDir, 'stack.json'));
      },
      { timeoutMs: 150_000, intervalMs: 250 },
    );

    // The client side: the demo, then the CLI, with the same key (the stack is found via DATA_DIR).
    const clientEnv = cleanEnv({
      DATA_DIR: dataDir,
      LEDGER_DATABASE_URL: ledgerDb.url,
      PAYLOAD_ENCRYPTION_KEY: key,
      CASHIN_RECONCILE_INTERVAL_SECONDS: '1',
      CASHOUT_RECONCILE_INTERVAL_SECONDS: '1',
    });
    demo = await runNode('scripts/demo.js', [], clientEnv, 150_000);
    expect(demo.code, `demo stdout:\n${demo.stdout}\nstderr:\n${demo.stderr}`).toBe(0);
    run = /^PIX payments demo, run (\w+):/.exec(demo.stdout)?.[1] as string;
    outputs['npm run demo'] = demo.stdout + demo.stderr;

    const users = demoUsers(run);
    const cli = async (args: string[]) => {
      const result = await runNode('client/cli/main.js', args, clientEnv);
      outputs[`pix ${args.join(' ')}`] = result.stdout + result.stderr;
      return result;
    };
    await cli(['list', '--limit', '50']);
    await cli(['--json', 'list', '--limit', '50']);
    for (const user of users) {
      for (const ref of [`demo-${run}-${user.key}-in`, `demo-${run}-${user.key}-out`]) {
        await cli(['status', ref]);
        await cli(['--json', 'status', ref]);
      }
      await cli(['balance', user.userId]);
      await cli(['--json', 'balance', user.userId]);
    }
    await cli(['rebalance', 'status']);
    // Refused input must not echo what it refused either.
    const [ana, bruno] = users;
    const refused = await cli([
      'cash-in',
      '--user',
      'scan-user',
      '--amount',
      '25,001',
      '--payer-name',
      ana?.name as string,
      '--payer-document',
      `${ana?.document.slice(0, -1)}0`,
    ]);
    expect(refused.code).toBe(2);
    await cli([
      '--json',
      'cash-out',
      '--user',
      'scan-user',
      '--amount',
      '10',
      '--payee-name',
      bruno?.name as string,
      '--payee-document',
      bruno?.document as string,
      '--pix-key',
      'not a key',
    ]);

    client = await connectTestClient({ dataConverter: dataConverterFor({ PAYLOAD_ENCRYPTION_KEY: key }) });
  }, 400_000);

  afterAll(async () => {
    launcher?.stop();
    await launcher?.output;
    await client?.connection.close();
    await ledgerDb?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('finds no secret and no personal data in clear: logs, histories (raw and decoded), search attributes, memos, outputs', async () => {
    launcher.stop(); // flushes and closes every log file
    const launcherRun = await launcher.output;
    expect(launcherRun.code).toBe(0);
    outputs['npm start'] = launcherRun.stdout + launcherRun.stderr;

    const logDir = path.join(dataDir, 'logs');
    const logFiles = readdirSync(logDir).map((file) => path.join(logDir, file));
    expect(logFiles.map((file) => path.basename(file)).sort()).toEqual([
      'relay.log',
      'sandbox.log',
      'worker.log',
    ]);
    const query = `TaskQueue = '${taskQueue}'`;
    // Visibility is eventually consistent: wait until it lists every lifecycle of the demo.
    await waitFor('visibility lists the demo', async () => (await client.workflow.count(query)).count >= 7, {
      timeoutMs: 15_000,
      intervalMs: 200,
    });
    const workflows = await temporalSources(client, query, payloadCodecFor({ PAYLOAD_ENCRYPTION_KEY: key }));
    const sources: ScanSource[] = [...logFileSources(logFiles), ...workflows, ...outputSources(outputs)];

    const users = demoUsers(run);
    const needles = [
      ...secretNeedles({
        'the client secret': SANDBOX_CREDENTIALS.clientSecret,
        'the ApplicationToken': SANDBOX_CREDENTIALS.applicationToken,
        'the CryptoToken': SANDBOX_CREDENTIALS.cryptoToken,
        'the payload encryption key': key,
        'the codec token': codecToken,
        'the ledger database password': new URL(ledgerDb.url).password || undefined,
      }),
      ...personNeedles(
        users.map((user) => ({
          name: user.name,
          document: user.document,
          pixKeys: 'pixKey' in user.cashOut.destination ? [user.cashOut.destination.pixKey] : [],
        })),
      ),
    ];

    // The scan saw what it had to: every lifecycle of the demo, and the data it looks for, once decoded.
    const histories = workflows.filter((s) => s.name.startsWith('history of') && s.name.endsWith(', raw'));
    expect(histories.length).toBeGreaterThanOrEqual(7); // 3 cash-ins, 3 cash-outs, the rebalance
    const decoded = workflows.filter((s) => s.name.endsWith(', decoded'));
    const decodedPeople = scanForLeaks(
      decoded.map((s) => ({ ...s, forbid: ['identity'] as const })),
      needles,
    );
    expect(new Set(decodedPeople.map((hit) => hit.needle)).size).toBeGreaterThanOrEqual(users.length * 2);
    expect(
      logFiles.every((file) =>
        sources.some((s) => s.name === `log ${path.basename(file)}` && s.text.length > 0),
      ),
    ).toBe(true);

    expect(formatHits(scanForLeaks(sources, needles))).toEqual([]);
  });
});
