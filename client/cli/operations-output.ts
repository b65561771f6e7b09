/** How the operators' commands print: the review list with orphaned holds, a hold's resolution, the ledger check. */
import type { OrphanedHold } from '../../domain/holds';
import type { LedgerCheckReport } from '../../domain/ledger-check';
import { formatBrl } from '../../domain/money';
import type { OrphanedHoldOutcome } from '../../operations/messages';
import type { ReviewPage } from '../payments-client';
import { formatTable, formatTime, renderPaymentPage } from './output';

export function renderReviewPage(page: ReviewPage): string {
  const payments =
    page.payments.length === 0 && !page.nextPageToken
      ? 'No payment is in NEEDS_REVIEW.'
      : `Payments in NEEDS_REVIEW:\n${renderPaymentPage(page)}`;
  return `${payments}\n\n${renderOrphanedHolds(page.orphanedHolds)}`;
}

export function renderOrphanedHolds(holds: OrphanedHold[] | null): string {
  if (holds === null) {
    return "Orphaned holds: not listed here (the platform's wallet service keeps the holds in its own books).";
  }
  if (holds.length === 0) return 'No orphaned hold: every open hold belongs to a running lifecycle.';
  const table = formatTable(
    ['HELD SINCE', 'HOLD', 'USER', 'AMOUNT', 'LIFECYCLE'],
    holds.map((hold) => [
      formatTime(hold.createdAt),
      hold.transferId,
      hold.userId ?? '-',
      formatBrl(hold.amountCents),
      `${hold.workflowId ?? '(none)'} ${hold.lifecycleStatus}`,
    ]),
  );
  return `Orphaned holds (their lifecycle is no longer running; pix review resolve-hold <hold>):\n${table}`;
}

const DECISIONS: Record<OrphanedHoldOutcome['decision'], string> = {
  POSTED: 'posted: the money left the wallet',
  POSTED_AND_RETURNED: "posted, and the return credited: the money is the user's again",
  VOIDED: "voided: the money is the user's again",
  REFUSED: 'left held',
};

export function renderHoldResolution(outcome: OrphanedHoldOutcome): string {
  const psp = outcome.pspTransactionId
    ? `PSP transaction ${outcome.pspTransactionId}${outcome.pspStatus ? ` (${outcome.pspStatus})` : ''}`
    : 'no PSP transaction';
  return [
    `Hold ${outcome.holdTransferId}${outcome.hold ? ` of ${formatBrl(outcome.hold.amountCents)}` : ''}: ${DECISIONS[outcome.decision]}`,
    `  why: ${outcome.why}`,
    `  ${psp}`,
    `  by ${outcome.resolvedBy}: ${outcome.reason}`,
  ].join('\n');
}

export function renderLedgerCheck(report: LedgerCheckReport): string {
  const lines = [
    `Ledger check at ${formatTime(report.checkedAt)}: ${report.ok ? 'OK' : 'DIFFERENCES FOUND'}`,
    ...report.checks.flatMap((check) => [
      `  ${check.status.padEnd(7)} ${check.name}: ${check.summary}`,
      ...check.differences.map((difference) => `            - ${difference}`),
    ]),
  ];
  return lines.join('\n');
}
