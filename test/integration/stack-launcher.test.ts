import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { request } from 'undici';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { signatureHeaders } from '../../domain/platform-wallet/signature';
import { WALLET_PATHS } from '../../domain/platform-wallet/wire';
import { REFERENCE_WALLET_SECRET, SANDBOX_CREDENTIALS } from '../../runtime/config';
import { LOCAL_PAYLOAD_KEY_FILE } from '../../runtime/local-payload-key';
import { namespaceRetentionSeconds } from '../../runtime/namespace-retention';
import { PROJECT_ROOT } from '../../runtime/project-root';
import { startSandbox } from '../../sandbox/server';
import { freeStackPorts } from '../../scripts/ports';
import { GiveUp, waitFor } from '../../scripts/wait-for';
import { cashInWorkflowId } from '../../workflows/workflow-ids';
import { freshLedgerDatabase } from '../helpers/ledger-db';
import { cleanEnv, collectOutput, isAlive, type RunResult, runNode } from '../helpers/processes';

const dataDirs: string[] = [];
function tempDataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'pix-stack-'));
  chmodSync(dir, 0o755); // as root, keeps the cluster in DATA_DIR (ledger-db-private-folder.test.ts covers 0700)
  dataDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

function base64Values(metadata: Record<string, Uint8Array | null | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(metadata).map(([name, value]) => [name, Buffer.from(value ?? []).toString('base64')]),
  );
}

async function freePortsEnv(dataDir: string): Promise<Record<string, string>> {
  return {
    DATA_DIR: dataDir,
    ...(await freeStackPorts()),
    LOG_LEVEL: 'warn',
  };
}

describe('npm start (the stack launcher)', () => {
  it('refuses invalid configuration with every bad variable, exit code 2, no secret printed, nothing started', async () => {
    const dataDir = tempDataDir();
    const secret = 'c0ffee00-1111-2222-3333-444455556666';
    const result = await runNode(
      'scripts/stack.js',
      [],
      cleanEnv({
        DATA_DIR: dataDir,
        SANDBOX_PORT: 'abc',
        TEMPORAL_UI_PORT: '99999',
        CONNECTPSP_MODE: 'live',
        CONNECTPSP_BASE_URL: 'https://api.connectpsp.com',
        CONNECTPSP_CLIENT_SECRET: secret,
      }),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('SANDBOX_PORT');
    expect(result.stderr).toContain('TEMPORAL_UI_PORT: must be 1..65535');
    expect(result.stderr).toContain('CONNECTPSP_CLIENT_ID: is required in live mode');
    expect(result.stderr).toContain('PAYLOAD_ENCRYPTION_KEY: is required in live mode');
    expect(result.stdout + result.stderr).not.toContain(secret);
    expect(existsSync(path.join(dataDir, 'logs'))).toBe(false);
  });

  it('runs the sandbox only when asked or when no ConnectPSP variable is set: a base URL alone needs the mode (exit 2)', async () => {
    const dataDir = tempDataDir();
    const result = await runNode(
      'scripts/stack.js',
      [],
      cleanEnv({ DATA_DIR: dataDir, CONNECTPSP_BASE_URL: 'https://api.connectpsp.com' }),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('CONNECTPSP_MODE: is required');
    expect(existsSync(path.join(dataDir, 'logs'))).toBe(false);
  });

  it('names the busy port and the variable that changes it, exit code 3', async () => {
    const dataDir = tempDataDir();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '0.0.0.0', resolve));
    const busyPort = (blocker.address() as net.AddressInfo).port;
    try {
      const env = { ...(await freePortsEnv(dataDir)), SANDBOX_PORT: String(busyPort) };
      const result = await runNode('scripts/stack.js', [], cleanEnv(env));
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(`port ${busyPort} (ConnectPSP sandbox) is already in use`);
      expect(result.stderr).toContain('set SANDBOX_PORT to a free port');
    } finally {
      blocker.close();
    }
  });

  it('brings every process up, reports them in stack.json, serves the Web UI, encrypts payloads by default, and leaves nothing behind on SIGTERM', async () => {
    const dataDir = tempDataDir();
    const env = await freePortsEnv(dataDir);
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'scripts', 'stack.js')], {
      env: cleanEnv(env),
      cwd: PROJECT_ROOT,
    });
    let exitedEarly: RunResult | undefined;
    const output = collectOutput(child, 170_000).then((result) => {
      exitedEarly = result;
      return result;
    });
    const stackFile = path.join(dataDir, 'stack.json');
    await waitFor(
      'stack.json',
      () => {
        if (exitedEarly) {
          const { code, stdout, stderr } = exitedEarly;
          throw new GiveUp(`the launcher exited early (${code}):\n${stdout}\n${stderr}`);
        }
        return existsSync(stackFile);
      },
      { timeoutMs: 150_000, intervalMs: 250 },
    );

    const stack = JSON.parse(readFileSync(stackFile, 'utf8')) as {
      payloadKeyFile?: string;
      processes: Array<{ name: string; where: string; pid?: number; url?: string }>;
    };
    const names = stack.processes.map((p) => p.name);
    expect(names).toEqual(['temporal', 'web-ui', 'ledger-db', 'sandbox', 'worker', 'relay', 'codec']);
    const pids = stack.processes.map((p) => p.pid).filter((pid): pid is number => pid !== undefined);
    expect(pids.length).toBeGreaterThanOrEqual(5);
    for (const pid of pids) expect(isAlive(pid)).toBe(true);

    const ui = stack.processes.find((p) => p.name === 'web-ui');
    expect(ui?.url).toBe(`http://localhost:${env.TEMPORAL_UI_PORT}`);
    const page = await request(ui?.url as string);
    expect(page.statusCode).toBe(200);
    await page.body.dump();

    // The worker's row says where /metrics is; the launcher waited for its /readyz.
    const worker = stack.processes.find((p) => p.name === 'worker');
    expect(worker).toMatchObject({
      url: `http://127.0.0.1:${env.WORKER_HTTP_PORT}`,
      where: expect.stringContaining(`http://127.0.0.1:${env.WORKER_HTTP_PORT}/metrics`),
    });
    const ready = await request(`${worker?.url}/readyz`);
    expect(ready.statusCode).toBe(200);
    await ready.body.dump();
    // Encrypted by default (issue 16): the data folder's own key, kept private, and the Web UI
    // pointed at the relay's codec, which serves this machine's browser without a token.
    const keyFile = path.join(dataDir, LOCAL_PAYLOAD_KEY_FILE);
    expect(stack.payloadKeyFile).toBe(keyFile);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const codecUrl = `http://127.0.0.1:${env.CODEC_PORT}`;
    expect(stack.processes.find((p) => p.name === 'codec')?.url).toBe(codecUrl);
    const settings = await request(`${ui?.url}/api/v1/settings`);
    expect(((await settings.body.json()) as { Codec: { Endpoint: string } }).Codec.Endpoint).toBe(codecUrl);

    // A cash-in from the CLI, which finds the key through stack.json: in clear nowhere in Temporal,
    // readable through the codec as the Web UI calls it.
    const reference = `stack-${process.pid}`;
    const cliEnv = cleanEnv({ DATA_DIR: dataDir });
    const payer = ['--payer-name', 'Ana Maria Souza', '--payer-document', '529.982.247-25'];
    const cashIn = await runNode(
      'client/cli/main.js',
      ['cash-in', '--user', 'stack-user', '--amount', '5', ...payer, '--ref', reference],
      cliEnv,
    );
    expect(cashIn.code, cashIn.stderr).toBe(0);
    const status = await runNode('client/cli/main.js', ['--json', 'status', reference], cliEnv);
    expect(JSON.parse(status.stdout)).toMatchObject({ reference, state: 'AWAITING_PAYMENT' });
    const connection = await Connection.connect({ address: `127.0.0.1:${env.TEMPORAL_PORT}` });
    try {
      // Closed lifecycles outlive the late-event window: 90 days + 3, not the dev server's one day.
      expect(await namespaceRetentionSeconds(connection, 'default')).toBe(93 * 86_400);
      const history = await new Client({ connection }).workflow
        .getHandle(cashInWorkflowId(reference))
        .fetchHistory();
      const [input] = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
      expect(Buffer.from(input?.metadata?.encoding ?? []).toString()).toBe('binary/encrypted');
      expect(Buffer.from(input?.data ?? []).toString()).not.toContain('Ana Maria Souza');
      const decoded = await request(`${codecUrl}/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: ui?.url as string },
        body: JSON.stringify({
          payloads: [
            {
              metadata: base64Values(input?.metadata ?? {}),
              data: Buffer.from(input?.data ?? []).toString('base64'),
            },
          ],
        }),
      });
      const [plain] = ((await decoded.body.json()) as { payloads: Array<{ data: string }> }).payloads;
      expect(Buffer.from(plain?.data ?? '', 'base64').toString()).toContain('Ana Maria Souza');
    } finally {
      await connection.close();
    }

    // Survives a restart: Temporal's SQLite file, the ledger's cluster and the sandbox's state are in DATA_DIR.
    expect(existsSync(path.join(dataDir, 'temporal.sqlite'))).toBe(true);
    expect(existsSync(path.join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true);
    expect(existsSync(path.join(dataDir, 'sandbox-state.json'))).toBe(true);

    child.kill('SIGTERM');
    const result = await output;
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('PIX payments stack is up');
    expect(result.stdout).toMatch(
      new RegExp(`worker +task queue payments; http://127.0.0.1:${env.WORKER_HTTP_PORT}/metrics`),
    );
    expect(result.stdout).toContain('PSP: sandbox (CONNECTPSP_MODE=sandbox');
    expect(result.stdout).toContain('Payloads: encrypted with the local key');
    expect(result.stdout).toContain('Stopped.');
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    expect(existsSync(stackFile)).toBe(false);
  }, 200_000);

  it('uses the Temporal server, ledger database and sandbox it is given, and starts none of them', async () => {
    const dataDir = tempDataDir();
    const ledgerDb = await freshLedgerDatabase();
    const otherSandbox = await startSandbox({ port: 0 });
    const env = {
      ...(await freePortsEnv(dataDir)),
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: `stack-external-${process.pid}`,
      REBALANCE_INTERVAL_SECONDS: '3600',
      LEDGER_DATABASE_URL: ledgerDb.url,
      CONNECTPSP_MODE: 'sandbox',
      CONNECTPSP_BASE_URL: otherSandbox.url,
      CONNECTPSP_CLIENT_ID: SANDBOX_CREDENTIALS.clientId,
      CONNECTPSP_CLIENT_SECRET: SANDBOX_CREDENTIALS.clientSecret,
      CONNECTPSP_APPLICATION_TOKEN: SANDBOX_CREDENTIALS.applicationToken,
      CONNECTPSP_CRYPTO_TOKEN: SANDBOX_CREDENTIALS.cryptoToken,
    };
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'scripts', 'stack.js')], {
      env: cleanEnv(env),
      cwd: PROJECT_ROOT,
    });
    const output = collectOutput(child, 120_000);
    try {
      const stackFile = path.join(dataDir, 'stack.json');
      await waitFor('stack.json', () => existsSync(stackFile), { timeoutMs: 100_000, intervalMs: 250 });
      const stack = JSON.parse(readFileSync(stackFile, 'utf8')) as {
        processes: Array<{ name: string; where: string; pid?: number }>;
      };
      expect(stack.processes.map((p) => [p.name, p.pid === undefined ? 'external' : 'started'])).toEqual([
        ['temporal', 'external'],
        ['ledger-db', 'external'],
        ['worker', 'started'],
        ['relay', 'started'],
        ['codec', 'started'],
      ]);
      expect(stack.processes[0]?.where).toBe(inject('temporalAddress'));
      expect(stack.processes[1]?.where).not.toContain('ledger-local'); // the password is masked
      expect(existsSync(path.join(dataDir, 'temporal.sqlite'))).toBe(false);
    } finally {
      child.kill('SIGTERM');
      const result = await output;
      await otherSandbox.close();
      await ledgerDb.drop();
      expect(result.code).toBe(0);
    }
  }, 150_000);

  it('WALLET_BACKEND=http: runs the reference wallet service on its own embedded database instead of the ledger, and the worker uses it', async () => {
    const dataDir = tempDataDir();
    const realPsp = await startSandbox({ port: 0 });
    const env = {
      ...(await freePortsEnv(dataDir)),
      ...(await freeStackPorts()),
      WALLET_BACKEND: 'http',
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: `stack-wallet-${process.pid}`,
      REBALANCE_INTERVAL_SECONDS: '3600',
      LOG_LEVEL: 'info',
      CONNECTPSP_MODE: 'sandbox',
      CONNECTPSP_BASE_URL: realPsp.url,
      CONNECTPSP_CLIENT_ID: SANDBOX_CREDENTIALS.clientId,
      CONNECTPSP_CLIENT_SECRET: SANDBOX_CREDENTIALS.clientSecret,
      CONNECTPSP_APPLICATION_TOKEN: SANDBOX_CREDENTIALS.applicationToken,
      CONNECTPSP_CRYPTO_TOKEN: SANDBOX_CREDENTIALS.cryptoToken,
    };
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'scripts', 'stack.js')], {
      env: cleanEnv(env),
      cwd: PROJECT_ROOT,
    });
    const output = collectOutput(child, 150_000);
    try {
      const stackFile = path.join(dataDir, 'stack.json');
      await waitFor('stack.json', () => existsSync(stackFile), { timeoutMs: 130_000, intervalMs: 250 });
      const stack = JSON.parse(readFileSync(stackFile, 'utf8')) as {
        processes: Array<{ name: string; where: string; pid?: number; url?: string }>;
      };
      expect(stack.processes.map((p) => [p.name, p.pid === undefined ? 'external' : 'started'])).toEqual([
        ['temporal', 'external'],
        ['wallet-db', 'started'],
        ['wallet-service', 'started'],
        ['worker', 'started'],
        ['relay', 'started'],
        ['codec', 'started'],
      ]);
      const walletUrl = `http://127.0.0.1:${env.WALLET_SERVICE_PORT}`;
      expect(stack.processes[2]?.url).toBe(walletUrl);
      // Signed with the local reference secret, the service answers; unsigned, it refuses.
      const exposurePath = WALLET_PATHS.exposure;
      const signed = await request(`${walletUrl}${exposurePath}`, {
        headers: signatureHeaders(
          { method: 'GET', path: exposurePath, body: '' },
          REFERENCE_WALLET_SECRET,
          Date.now(),
        ),
      });
      expect([signed.statusCode, await signed.body.json()]).toEqual([200, { exposureCents: 0 }]);
      const unsigned = await request(`${walletUrl}${exposurePath}`);
      expect(unsigned.statusCode).toBe(401);
      await unsigned.body.dump();
      const workerLog = readFileSync(path.join(dataDir, 'logs', 'worker.log'), 'utf8');
      expect(workerLog).toMatch(/"backend":"http","where":"http:\/\/127\.0\.0\.1:\d+".*"msg":"wallet ready"/);
    } finally {
      child.kill('SIGTERM');
      const result = await output;
      await realPsp.close();
      expect(result.code).toBe(0);
    }
  }, 180_000);
});
