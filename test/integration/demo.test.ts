import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatBrl } from '../../domain/money';
import { expectedFinalBalances } from '../../scripts/demo';
import { FAKE_WEB_UI, useCliStack } from '../helpers/cli-stack';
import { cleanEnv, runNode } from '../helpers/processes';
import { WALLET_BACKENDS } from '../helpers/test-wallet';

// `npm run demo` (dist/scripts/demo.js) against a stack it finds through stack.json alone: with the
// built-in ledger, and with the reference wallet service (what `WALLET_BACKEND=http npm start` runs).
describe.each(WALLET_BACKENDS)('npm run demo (%s wallet)', (walletBackend) => {
  const stack = useCliStack({ walletBackend });

  it('walks three users through cash-ins, bets, cash-outs, a PSP failure, a late return and a rebalance', async () => {
    const result = await runNode('scripts/demo.js', [], stack.processEnv, 120_000);
    expect(result.code, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(0);
    const run = /^PIX payments demo, run (\w+):/.exec(result.stdout)?.[1] as string;
    expect(run).toBeTruthy();

    const expected = expectedFinalBalances(run);
    expect(expected).toEqual({ [`ana-${run}`]: 30_00, [`bruno-${run}`]: 75_00, [`carla-${run}`]: 70_00 });
    for (const [userId, availableCents] of Object.entries(expected)) {
      expect(await stack.payments.ledger.balance(userId)).toEqual({
        userId,
        postedCents: availableCents,
        pendingDebitCents: 0,
        availableCents,
      });
      expect(result.stdout).toMatch(
        new RegExp(`^ +${userId} +${formatBrl(availableCents).replace('$', '\\$')} +R\\$ 0,00$`, 'm'),
      );
    }

    expect(result.stdout).toMatch(/paid → SETTLED, wallet credited/);
    expect(result.stdout).toMatch(
      new RegExp(
        `bruno-${run} +R\\$ 60,00 to PIX key \\(11\\) 98765-4321 → REFUNDED \\(PIX_KEY_NOT_FOUND\\)`,
      ),
    );
    expect(result.stdout).toMatch(new RegExp(`demo-${run}-carla-out → REFUNDED, wallet credited again`));
    expect(result.stdout).toMatch(/run \d+: (REBALANCED|BELOW_THRESHOLD); exposure R\$/);
    expect(result.stdout).toContain(
      `Every workflow of this run in the Web UI: ${FAKE_WEB_UI}/namespaces/default/workflows?query=`,
    );
    for (const phase of ['cash-in', 'cash-out']) {
      for (const user of ['ana', 'bruno', 'carla']) {
        const payment = await stack.payments.getPayment(
          `demo-${run}-${user}-${phase === 'cash-in' ? 'in' : 'out'}`,
        );
        expect(payment.kind).toBe(phase === 'cash-in' ? 'CASH_IN' : 'CASH_OUT');
      }
    }
  });
});

describe('npm run demo without a stack', () => {
  it('says how to start the stack when it is not running (exit 4)', async () => {
    const result = await runNode(
      'scripts/demo.js',
      [],
      cleanEnv({
        DATA_DIR: path.join(tmpdir(), `pix-demo-nothing-here-${process.pid}`),
        TEMPORAL_ADDRESS: '127.0.0.1:1',
        LOG_LEVEL: 'silent',
      }),
    );
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(
      /^demo failed: Temporal is unreachable at 127\.0\.0\.1:1: .*\nIs the stack running\? Start it with `npm start`/,
    );
  });
});
