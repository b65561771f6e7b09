import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readStackFile, resolveEndpoints, type StackFile, StackFileError } from '../../client/stack-file';
import { parseConfig, REFERENCE_WALLET_SECRET } from '../../runtime/config';

const STACK: StackFile = {
  namespace: 'payments-dev',
  taskQueue: 'payments-local',
  processes: [
    { name: 'temporal', where: '127.0.0.1:7999', address: '127.0.0.1:7999' },
    { name: 'web-ui', where: 'http://localhost:8999', url: 'http://localhost:8999' },
    { name: 'ledger-db', where: 'postgres://postgres:***@127.0.0.1:5999/ledger', address: '127.0.0.1:5999' },
    { name: 'sandbox', where: 'http://127.0.0.1:8999', url: 'http://127.0.0.1:8999' },
    { name: 'relay', where: 'http://127.0.0.1:8998/webhooks/connectpsp', url: 'http://127.0.0.1:8998' },
  ],
};
const REAL_PSP = {
  CONNECTPSP_BASE_URL: 'https://api.homologacao.connectpsp.com',
  CONNECTPSP_CLIENT_ID: '1',
  CONNECTPSP_CLIENT_SECRET: 's',
  CONNECTPSP_APPLICATION_TOKEN: 't',
  CONNECTPSP_CRYPTO_TOKEN: 'c',
};
const resolve = (env: NodeJS.ProcessEnv, stack: StackFile | null) =>
  resolveEndpoints(parseConfig(env), env, stack);

describe('finding the services: explicit variables, then stack.json, then local defaults', () => {
  it('a running local stack: everything from stack.json', () => {
    const endpoints = resolve({}, STACK);
    expect(endpoints.temporalEnv).toMatchObject({
      TEMPORAL_ADDRESS: '127.0.0.1:7999',
      TEMPORAL_NAMESPACE: 'payments-dev',
    });
    expect(endpoints).toMatchObject({
      taskQueue: 'payments-local',
      webUiUrl: 'http://localhost:8999',
      sandbox: { url: 'http://127.0.0.1:8999' },
      ledgerDatabaseUrl: 'postgres://postgres:ledger-local@127.0.0.1:5999/ledger',
      webhookUrl: 'http://127.0.0.1:8998/webhooks/connectpsp',
    });
    const withUrl = {
      ...STACK,
      processes: STACK.processes.map((p) =>
        p.name === 'ledger-db' ? { ...p, url: 'postgres://u:p@db/x' } : p,
      ),
    };
    expect(resolve({}, withUrl).ledgerDatabaseUrl).toBe('postgres://u:p@db/x');
  });

  it('the wallet service, when the stack runs one or WALLET_BACKEND=http says so, with the secret that signs for it', () => {
    expect(resolve({}, STACK).walletService).toBeUndefined();
    const httpStack = {
      ...STACK,
      processes: [
        ...STACK.processes.filter((p) => p.name !== 'ledger-db'),
        { name: 'wallet-service', where: 'http://127.0.0.1:8997', url: 'http://127.0.0.1:8997' },
      ],
    };
    expect(resolve({}, httpStack).walletService).toEqual({
      url: 'http://127.0.0.1:8997',
      secret: REFERENCE_WALLET_SECRET,
    });
    expect(resolve({ WALLET_BACKEND: 'http', WALLET_SERVICE_PORT: '8996' }, null).walletService).toEqual({
      url: 'http://127.0.0.1:8996',
      secret: REFERENCE_WALLET_SECRET,
    });
    const platform = {
      WALLET_BACKEND: 'http',
      PLATFORM_WALLET_URL: 'https://wallet.example.com',
      PLATFORM_WALLET_SECRET: 'the-platform-wallet-secret',
    };
    expect(resolve(platform, httpStack).walletService).toEqual({
      url: 'https://wallet.example.com',
      secret: 'the-platform-wallet-secret',
    });
  });

  it('variables the caller set win over the stack', () => {
    const env = {
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_NAMESPACE: 'prod',
      TEMPORAL_TASK_QUEUE: 'payments-eu',
      LEDGER_DATABASE_URL: 'postgres://ledger@db.internal/ledger',
      RELAY_PUBLIC_URL: 'https://payments.example.com',
    };
    const endpoints = resolve(env, STACK);
    expect(endpoints.temporalEnv).toMatchObject({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_NAMESPACE: 'prod',
    });
    expect(endpoints.taskQueue).toBe('payments-eu');
    expect(endpoints.ledgerDatabaseUrl).toBe('postgres://ledger@db.internal/ledger');
    expect(endpoints.webhookUrl).toBe('https://payments.example.com/webhooks/connectpsp');
  });

  it('no stack: the configuration defaults on 127.0.0.1', () => {
    const endpoints = resolve(
      { TEMPORAL_UI_PORT: '9233', SANDBOX_PORT: '9380', LEDGER_PG_PORT: '9433' },
      null,
    );
    expect(endpoints.temporalEnv.TEMPORAL_ADDRESS).toBeUndefined();
    expect(endpoints).toMatchObject({
      taskQueue: 'payments',
      webUiUrl: 'http://localhost:9233',
      sandbox: { url: 'http://127.0.0.1:9380' },
      ledgerDatabaseUrl: 'postgres://postgres:ledger-local@127.0.0.1:9433/ledger',
      webhookUrl: 'http://127.0.0.1:8390/webhooks/connectpsp',
    });
    expect(resolve({ TEMPORAL_ADDRESS: 'temporal.internal:7233' }, null).webUiUrl).toBeUndefined();
  });

  it('no sandbox with a real ConnectPSP, nor when the running stack has none', () => {
    expect(resolve(REAL_PSP, null).sandbox).toEqual({
      unavailable:
        'CONNECTPSP_BASE_URL is set: the PSP is a real ConnectPSP, which has no sandbox control API',
    });
    const live = { CONNECTPSP_MODE: 'live', PAYLOAD_ENCRYPTION_KEY: Buffer.alloc(32, 3).toString('base64') };
    expect(resolve(live, STACK).sandbox).toEqual({
      unavailable: 'CONNECTPSP_MODE=live: the PSP is a real ConnectPSP, which has no sandbox control API',
    });
    // Sandbox mode with a base URL (compose's sandbox service): that sandbox, whatever the stack says.
    const elsewhere = { CONNECTPSP_MODE: 'sandbox', CONNECTPSP_BASE_URL: 'http://sandbox:8380' };
    expect(resolve(elsewhere, STACK).sandbox).toEqual({ url: 'http://sandbox:8380' });
    const withoutSandbox = { ...STACK, processes: STACK.processes.filter((p) => p.name !== 'sandbox') };
    expect(resolve({}, withoutSandbox).sandbox).toEqual({
      unavailable:
        'the running stack has no sandbox: it uses a real ConnectPSP, which has no sandbox control API',
    });
  });

  it('an external ledger whose URL the caller lacks is unknown, not guessed', () => {
    const external = {
      ...STACK,
      processes: STACK.processes.map((p) =>
        p.name === 'ledger-db' ? { name: 'ledger-db', where: 'postgres://x:***@db/l' } : p,
      ),
    };
    expect(resolve({}, external).ledgerDatabaseUrl).toBeUndefined();
  });

  describe('reading the file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'stack-file-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('null when there is none, the parsed file, or StackFileError when it is not one', () => {
      expect(readStackFile(path.join(dir, 'missing.json'))).toBeNull();
      const good = path.join(dir, 'stack.json');
      writeFileSync(good, JSON.stringify(STACK));
      expect(readStackFile(good)).toEqual(STACK);
      const bad = path.join(dir, 'bad.json');
      writeFileSync(bad, '{ not json');
      expect(() => readStackFile(bad)).toThrow(StackFileError);
      writeFileSync(bad, JSON.stringify({ processes: 'none' }));
      expect(() => readStackFile(bad)).toThrow(/does not look like a stack file/);
    });
  });
});
