import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { balanceResponseSchema, createCashOutResponseSchema } from '../../domain/connectpsp';
import { parseConfig } from '../../runtime/config';
import { PROJECT_ROOT } from '../../runtime/project-root';
import { startSandbox } from '../../sandbox/server';
import { freePort } from '../../scripts/ports';
import { waitFor } from '../../scripts/wait-for';
import { cleanEnv } from '../helpers/processes';
import { SandboxCaller, useSandbox } from '../helpers/sandbox-kit';

const balanceOf = async (psp: SandboxCaller) =>
  balanceResponseSchema.parse((await psp.call('GET', '/account/balance')).body);

describe('a fresh sandbox wallet', () => {
  const env = useSandbox();

  it("holds ConnectPSP's documented balance example: R$ 500,000.00 transactional, R$ 1,000,000.00 proprietary over the three banks", async () => {
    const view = await balanceOf(env.psp);
    expect(view.consolidated).toEqual({
      totalBalance: 1_500_000,
      transactionalBalance: 500_000,
      proprietaryBalance: 1_000_000,
    });
    expect(
      view.banks.map((b) => [b.ispb, b.accounts.transactional.balance, b.accounts.proprietary.balance]),
    ).toEqual([
      ['38224857', 200_000, 400_000],
      ['13935893', 150_000, 300_000],
      ['20018183', 150_000, 300_000],
    ]);
  });

  it("runs ConnectPSP's first-cash-out tutorial: token, then a signed PIX cash-out, 202 PROCESSING", async () => {
    const result = await env.psp.call('POST', '/cash-out', {
      body: {
        amount: 150.75,
        externalReference: `first-payout-${randomUUID()}`,
        description: 'first cash-out',
        payee: {
          name: 'João Souza',
          document: '11144477735',
          destination: { type: 'PIX', pixKeyType: 'EMAIL', pixKey: 'joao@example.com' },
        },
      },
      signed: true,
      idempotencyKey: true,
    });
    expect(result.body.code).toBeUndefined(); // not INSUFFICIENT_FUNDS
    expect(result.status).toBe(202);
    expect(createCashOutResponseSchema.parse(result.body).status).toBe('PROCESSING');
    expect((await balanceOf(env.psp)).consolidated.transactionalBalance).toBe(499_849.25);
  });

  it('is back to the example after POST /_sandbox/reset', async () => {
    await env.psp.control('PUT', '/wallet', {
      banks: [{ ispb: '13935893', transactional: 1, proprietary: 2 }],
    });
    await env.psp.control('POST', '/reset');
    expect((await balanceOf(env.psp)).consolidated.transactionalBalance).toBe(500_000);
  });
});

describe('the initial wallet is configurable', () => {
  it('startSandbox({ initialWallet }) spreads the totals 40/30/30 over the banks, the odd centavo to the first', async () => {
    const sandbox = await startSandbox({
      port: 0,
      initialWallet: { transactionalCents: 0, proprietaryCents: 1_01 },
    });
    try {
      const view = await balanceOf(new SandboxCaller(sandbox.url));
      expect(view.consolidated.transactionalBalance).toBe(0);
      expect(view.banks.map((b) => b.accounts.proprietary.balance)).toEqual([0.41, 0.3, 0.3]);
    } finally {
      await sandbox.close();
    }
  });

  it('SANDBOX_INITIAL_TRANSACTIONAL_CENTS and SANDBOX_INITIAL_PROPRIETARY_CENTS set it for the sandbox process', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'sandbox', 'main.js')], {
      env: cleanEnv({
        SANDBOX_PORT: String(port),
        SANDBOX_INITIAL_TRANSACTIONAL_CENTS: '12345',
        SANDBOX_INITIAL_PROPRIETARY_CENTS: '0',
        LOG_LEVEL: 'silent',
      }),
      stdio: 'ignore',
    });
    try {
      const psp = new SandboxCaller(`http://127.0.0.1:${port}`);
      const view = await waitFor('the sandbox process', () => balanceOf(psp), { timeoutMs: 20_000 });
      expect(view.consolidated).toEqual({
        totalBalance: 123.45,
        transactionalBalance: 123.45,
        proprietaryBalance: 0,
      });
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('refuses a negative or fractional amount, naming the variable', () => {
    expect(() => parseConfig({ SANDBOX_INITIAL_TRANSACTIONAL_CENTS: '-1' })).toThrow(
      'SANDBOX_INITIAL_TRANSACTIONAL_CENTS: must be >= 0',
    );
    expect(() => parseConfig({ SANDBOX_INITIAL_PROPRIETARY_CENTS: '1.5' })).toThrow(
      'SANDBOX_INITIAL_PROPRIETARY_CENTS: must be an integer',
    );
  });
});
