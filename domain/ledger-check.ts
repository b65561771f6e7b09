/**
 * The ledger integrity check (`pix ledger verify`, the daily Schedule): from facts read off the
 * books, the lifecycles and the PSP, which checks pass and what differs. Pure, so the rules are
 * tested without a database and the activity only gathers facts.
 */
import type { OpenHold, OrphanedHold } from './holds';
import { type Cents, formatBrl } from './money';

export interface LedgerCheckSettings {
  /** REBALANCE_THRESHOLD_CENTS: how far exposure and the PSP's transactional balance may drift apart. */
  thresholdCents: Cents;
  /**
   * The longest a lifecycle keeps a hold before its outcome is settled or escalated:
   * PSP_RETRY_WINDOW_SECONDS + PSP_OUTCOME_DEADLINE_SECONDS.
   */
  holdLimitSeconds: number;
}

/** What the check read. `null`: not available with this wallet (the platform's wallet service keeps its own books). */
export interface LedgerFacts {
  /** ISO-8601. */
  checkedAt: string;
  /** Ledger.checkBalanced(): 0 when the books balance. */
  imbalanceCents: Cents | null;
  openHolds: OpenHold[] | null;
  orphanedHolds: OrphanedHold[] | null;
  exposureCents: Cents;
  pspTransactionalCents: Cents;
}

export const LEDGER_CHECKS = ['BALANCE', 'HOLD_AGE', 'ORPHANED_HOLDS', 'EXPOSURE'] as const;
export type LedgerCheckName = (typeof LEDGER_CHECKS)[number];

export interface LedgerCheckResult {
  name: LedgerCheckName;
  status: 'OK' | 'FAILED' | 'SKIPPED';
  summary: string;
  /** One line per difference found (empty when OK). */
  differences: string[];
}

export interface LedgerCheckReport {
  checkedAt: string;
  ok: boolean;
  settings: LedgerCheckSettings;
  imbalanceCents: Cents | null;
  exposureCents: Cents;
  pspTransactionalCents: Cents;
  /** PSP transactional balance − exposure. */
  exposureGapCents: Cents;
  checks: LedgerCheckResult[];
}

const SKIPPED_WITH_WALLET_SERVICE = "not available: the platform's wallet service keeps these books";

export function evaluateLedgerCheck(facts: LedgerFacts, settings: LedgerCheckSettings): LedgerCheckReport {
  const checks = [
    balanceCheck(facts.imbalanceCents),
    holdAgeCheck(facts.openHolds, facts.checkedAt, settings.holdLimitSeconds),
    orphanedHoldsCheck(facts.orphanedHolds),
    exposureCheck(facts.exposureCents, facts.pspTransactionalCents, settings.thresholdCents),
  ];
  return {
    checkedAt: facts.checkedAt,
    ok: checks.every((check) => check.status !== 'FAILED'),
    settings,
    imbalanceCents: facts.imbalanceCents,
    exposureCents: facts.exposureCents,
    pspTransactionalCents: facts.pspTransactionalCents,
    exposureGapCents: facts.pspTransactionalCents - facts.exposureCents,
    checks,
  };
}

function balanceCheck(imbalanceCents: Cents | null): LedgerCheckResult {
  if (imbalanceCents === null) return skipped('BALANCE');
  return imbalanceCents === 0
    ? ok('BALANCE', 'debits equal credits, and every account matches its journal')
    : {
        name: 'BALANCE',
        status: 'FAILED',
        summary: `the books are off by ${formatBrl(imbalanceCents)}`,
        differences: [
          `debits and credits, or account counters and their journal entries, differ by ${formatBrl(imbalanceCents)} in total`,
        ],
      };
}

function holdAgeCheck(holds: OpenHold[] | null, checkedAt: string, limitSeconds: number): LedgerCheckResult {
  if (holds === null) return skipped('HOLD_AGE');
  const now = Date.parse(checkedAt);
  const tooOld = holds.filter((hold) => (now - Date.parse(hold.createdAt)) / 1000 > limitSeconds);
  if (tooOld.length === 0) {
    return ok('HOLD_AGE', `${holds.length} open hold(s), none older than ${limitSeconds} s`);
  }
  return {
    name: 'HOLD_AGE',
    status: 'FAILED',
    summary: `${tooOld.length} hold(s) older than their lifecycle allows (${limitSeconds} s)`,
    differences: tooOld.map(
      (hold) =>
        `${describeHold(hold)} held since ${hold.createdAt} (${Math.round((now - Date.parse(hold.createdAt)) / 1000)} s)`,
    ),
  };
}

function orphanedHoldsCheck(orphans: OrphanedHold[] | null): LedgerCheckResult {
  if (orphans === null) return skipped('ORPHANED_HOLDS');
  if (orphans.length === 0) return ok('ORPHANED_HOLDS', 'every open hold belongs to a running lifecycle');
  return {
    name: 'ORPHANED_HOLDS',
    status: 'FAILED',
    summary: `${orphans.length} hold(s) whose lifecycle is no longer running (pix review list)`,
    differences: orphans.map(
      (hold) => `${describeHold(hold)}: lifecycle ${hold.workflowId ?? '(none)'} is ${hold.lifecycleStatus}`,
    ),
  };
}

function exposureCheck(exposureCents: Cents, pspCents: Cents, thresholdCents: Cents): LedgerCheckResult {
  const gap = pspCents - exposureCents;
  const line = `exposure ${formatBrl(exposureCents)}, PSP transactional ${formatBrl(pspCents)}, gap ${formatBrl(gap)}`;
  if (Math.abs(gap) <= thresholdCents) {
    return ok('EXPOSURE', `${line}, within ${formatBrl(thresholdCents)}`);
  }
  return {
    name: 'EXPOSURE',
    status: 'FAILED',
    summary: `the PSP's transactional balance is ${formatBrl(Math.abs(gap))} ${gap > 0 ? 'above' : 'below'} the exposure (threshold ${formatBrl(thresholdCents)})`,
    differences: [line],
  };
}

function describeHold(hold: OpenHold): string {
  const owner = hold.userId ? ` of ${hold.userId}` : '';
  return `hold ${hold.transferId} (${formatBrl(hold.amountCents)}${owner})`;
}

function ok(name: LedgerCheckName, summary: string): LedgerCheckResult {
  return { name, status: 'OK', summary, differences: [] };
}

function skipped(name: LedgerCheckName): LedgerCheckResult {
  return { name, status: 'SKIPPED', summary: SKIPPED_WITH_WALLET_SERVICE, differences: [] };
}
