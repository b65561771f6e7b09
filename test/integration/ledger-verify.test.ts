/**
 * `pix ledger verify`: the integrity check runs on the worker and the CLI prints what differs,
 * exiting 7 when anything does. Checked on sound books, then on deliberately broken ones: an
 * account counter tampered with, a hold older than its lifecycle allows, exposure and PSP apart.
 */
import { describe, expect, it } from 'vitest';
import type { LedgerCheckReport } from '../../domain/ledger-check';
import type { CashOutStatus } from '../../workflows/messages';
import { useCliStack } from '../helpers/cli-stack';
import type { RunResult } from '../helpers/processes';

describe('pix ledger verify', () => {
  const stack = useCliStack();
  const exitCode = (result: RunResult, code: number) => {
    expect(result.code, `stdout: ${result.stdout}\nstderr: ${result.stderr}`).toBe(code);
    return result;
  };
  const statuses = (report: LedgerCheckReport) =>
    Object.fromEntries(report.checks.map((c) => [c.name, c.status]));

  it('passes on sound books whose exposure matches the PSP, and says so', async () => {
    await stack.env.setPspWallet({ transactional: 0, proprietary: 100_000 });
    const human = exitCode(await stack.cli(['ledger', 'verify']), 0).stdout;
    expect(human).toMatch(/^Ledger check at .*: OK\n/);
    expect(human).toContain('OK      BALANCE: debits equal credits, and every account matches its journal');
    expect(human).toContain('OK      EXPOSURE: exposure R$ 0,00, PSP transactional R$ 0,00, gap R$ 0,00');
  });

  it('finds a tampered account counter: prints by how much the books are off, exits 7', async () => {
    const userId = stack.env.unique('user');
    await stack.env.fundUser(userId, 10_00);
    await stack.env.setPspWallet({ transactional: 10, proprietary: 100_000 });
    const { pool } = stack.env.wallet.db;
    await pool.query('UPDATE ledger_accounts SET credits_posted = credits_posted + 7 WHERE id = $1', [
      `user:${userId}`,
    ]);
    try {
      const result = exitCode(await stack.cli(['ledger', 'verify']), 9);
      expect(result.stdout).toMatch(/^Ledger check at .*: DIFFERENCES FOUND\n/);
      expect(result.stdout).toContain('FAILED  BALANCE: the books are off by R$ 0,14');
      const json = exitCode(await stack.cli(['--json', 'ledger', 'verify']), 9);
      const report = JSON.parse(json.stdout) as LedgerCheckReport;
      expect(report).toMatchObject({ ok: false, imbalanceCents: 14 });
    } finally {
      await pool.query('UPDATE ledger_accounts SET credits_posted = credits_posted - 7 WHERE id = $1', [
        `user:${userId}`,
      ]);
    }
    expect(exitCode(await stack.cli(['ledger', 'verify']), 0).stdout).toContain(': OK');
  });

  it('finds a hold older than its lifecycle allows, and an exposure the PSP does not match', async () => {
    const input = stack.env.cashOutInput({ amountCents: 5_00, reconcileIntervalSeconds: 3_600 });
    await stack.env.fundUser(input.userId, 20_00);
    const handle = await stack.env.startCashOut(input);
    await stack.env.waitForState<CashOutStatus>(handle, 'PROCESSING', 30_000);
    // A lifecycle allowed to hold for 2 s (retry window + verdict deadline): this hold is past it.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const shortLimits = {
      PSP_RETRY_WINDOW_SECONDS: '1',
      PSP_OUTCOME_DEADLINE_SECONDS: '1',
      REBALANCE_THRESHOLD_CENTS: '100',
    };
    const result = exitCode(await stack.cli(['--json', 'ledger', 'verify'], shortLimits), 9);
    const report = JSON.parse(result.stdout) as LedgerCheckReport;
    expect(statuses(report)).toMatchObject({ BALANCE: 'OK', HOLD_AGE: 'FAILED', ORPHANED_HOLDS: 'OK' });
    expect(report.checks.find((c) => c.name === 'HOLD_AGE')?.differences).toEqual([
      expect.stringMatching(
        new RegExp(`^hold cash-out:${input.reference}:hold \\(R\\$ 5,00 of ${input.userId}\\) held since `),
      ),
    ]);
    // The wins that funded the users are not at the PSP: the exposure is R$ 20,00 above its balance.
    expect(statuses(report).EXPOSURE).toBe('FAILED');
    expect(report.exposureGapCents).toBeLessThan(0);
    expect(exitCode(await stack.cli(['ledger', 'verify'], shortLimits), 9).stdout).toContain(
      "FAILED  EXPOSURE: the PSP's transactional balance is",
    );

    await stack.env.psp.control('POST', `/cash-out/${input.reference}/complete`);
    await stack.env.waitForState<CashOutStatus>(handle, 'SETTLED', 30_000);
  });

  it('rejects a bad --timeout before anything runs', async () => {
    expect(exitCode(await stack.cli(['ledger', 'verify', '--timeout', '0']), 2).stderr).toContain(
      '--timeout',
    );
  });
});
