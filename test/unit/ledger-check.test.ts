import { describe, expect, it } from 'vitest';
import { holdLifecycle, type OpenHold, type OrphanedHold, openHoldOf } from '../../domain/holds';
import { evaluateLedgerCheck, type LedgerFacts } from '../../domain/ledger-check';

const NOW = '2026-01-10T12:00:00.000Z';
const settings = { thresholdCents: 100_00, holdLimitSeconds: 3600 };

function hold(transferId: string, createdAt: string, amountCents = 10_00): OpenHold {
  return openHoldOf({
    id: transferId,
    debitAccount: 'user:ana',
    creditAccount: 'system:psp-settlement',
    amountCents,
    kind: 'pending',
    code: 'CASH_OUT_HOLD',
    createdAt,
  });
}

const healthy: LedgerFacts = {
  checkedAt: NOW,
  imbalanceCents: 0,
  openHolds: [hold('cash-out:r1:hold', '2026-01-10T11:30:00.000Z')],
  orphanedHolds: [],
  exposureCents: 500_00,
  pspTransactionalCents: 550_00,
};

describe('evaluateLedgerCheck', () => {
  it('passes every check on healthy books', () => {
    const report = evaluateLedgerCheck(healthy, settings);
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => [c.name, c.status])).toEqual([
      ['BALANCE', 'OK'],
      ['HOLD_AGE', 'OK'],
      ['ORPHANED_HOLDS', 'OK'],
      ['EXPOSURE', 'OK'],
    ]);
    expect(report.exposureGapCents).toBe(50_00);
  });

  it('fails BALANCE when the books are off, saying by how much', () => {
    const report = evaluateLedgerCheck({ ...healthy, imbalanceCents: 14 }, settings);
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => c.name === 'BALANCE')).toMatchObject({
      status: 'FAILED',
      summary: 'the books are off by R$ 0,14',
    });
  });

  it('fails HOLD_AGE for a hold older than its lifecycle allows, naming it', () => {
    const old = hold('cash-out:late:hold', '2026-01-10T10:00:00.000Z');
    const report = evaluateLedgerCheck(
      { ...healthy, openHolds: [...(healthy.openHolds ?? []), old] },
      settings,
    );
    const check = report.checks.find((c) => c.name === 'HOLD_AGE');
    expect(check?.status).toBe('FAILED');
    expect(check?.differences).toEqual([
      'hold cash-out:late:hold (R$ 10,00 of ana) held since 2026-01-10T10:00:00.000Z (7200 s)',
    ]);
  });

  it('fails ORPHANED_HOLDS, naming the lifecycle and its status', () => {
    const orphan: OrphanedHold = { ...hold('cash-out:gone:hold', NOW), lifecycleStatus: 'TERMINATED' };
    const report = evaluateLedgerCheck({ ...healthy, orphanedHolds: [orphan] }, settings);
    expect(report.checks.find((c) => c.name === 'ORPHANED_HOLDS')?.differences).toEqual([
      'hold cash-out:gone:hold (R$ 10,00 of ana): lifecycle cash-out:gone is TERMINATED',
    ]);
  });

  it('fails EXPOSURE beyond the rebalance threshold either way, not at it', () => {
    const at = evaluateLedgerCheck({ ...healthy, pspTransactionalCents: 600_00 }, settings);
    expect(at.checks.find((c) => c.name === 'EXPOSURE')?.status).toBe('OK');
    const above = evaluateLedgerCheck({ ...healthy, pspTransactionalCents: 600_01 }, settings);
    expect(above.checks.find((c) => c.name === 'EXPOSURE')).toMatchObject({
      status: 'FAILED',
      summary: "the PSP's transactional balance is R$ 100,01 above the exposure (threshold R$ 100,00)",
    });
    const below = evaluateLedgerCheck({ ...healthy, pspTransactionalCents: 399_99 }, settings);
    expect(below.checks.find((c) => c.name === 'EXPOSURE')?.summary).toContain('below the exposure');
  });

  it("skips what the platform's wallet service keeps in its own books, and still checks the exposure", () => {
    const report = evaluateLedgerCheck(
      { ...healthy, imbalanceCents: null, openHolds: null, orphanedHolds: null },
      settings,
    );
    expect(report.checks.map((c) => c.status)).toEqual(['SKIPPED', 'SKIPPED', 'SKIPPED', 'OK']);
    expect(report.ok).toBe(true);
  });
});

describe('holdLifecycle', () => {
  it('reads the lifecycle from the transfer id of each kind of hold', () => {
    expect(holdLifecycle('cash-out:order:7:hold')).toEqual({
      kind: 'CASH_OUT',
      reference: 'order:7',
      workflowId: 'cash-out:order:7',
    });
    expect(holdLifecycle('cash-in:r-1:refund-hold')).toEqual({
      kind: 'CASH_IN_REFUND',
      reference: 'r-1',
      workflowId: 'cash-in:r-1',
    });
  });

  it('names no lifecycle for any other id', () => {
    for (const id of ['cash-out::hold', 'cash-out:r:post', 'cash-in:r:credit', 'bet:1', 'hold']) {
      expect(holdLifecycle(id), id).toBeNull();
    }
  });
});
