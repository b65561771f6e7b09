/**
 * Human output of the CLI: pure functions from results to text, so they are unit-tested and every
 * command prints the same way. `--json` prints the results themselves instead.
 */

import type { CashIn, CashOut } from '../../domain/connectpsp';
import type { LedgerTransfer, UserBalance } from '../../domain/ledger';
import { type Cents, formatBrl } from '../../domain/money';
import type { PaymentReview, RebalanceRunResult } from '../../workflows/messages';
import type { PaymentPage } from '../payment-list';
import type { CashInStarted, CashOutStarted, Payment } from '../payments-client';
import type { RebalanceOverview, RebalanceScheduleState } from '../rebalance-client';
import type { DescribedError } from './exit-codes';

/** Left-aligned columns separated by two spaces; the header row first. */
export function formatTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** `2026-03-01T12:00:05.123Z` → `2026-03-01 12:00:05Z`; anything else unchanged. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '-';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return `${at.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

const KIND_NAMES = { CASH_IN: 'cash-in', CASH_OUT: 'cash-out' } as const;

/** `label   value` lines, labels padded to one width; rows whose value is undefined are left out. */
function fields(rows: Array<[string, string | undefined]>): string {
  const present = rows.filter((row): row is [string, string] => row[1] !== undefined);
  const width = Math.max(...present.map(([label]) => label.length));
  return present.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}

export function renderCashInStarted(started: CashInStarted, qrCode: string | undefined, now: Date): string {
  const minutesLeft = Math.round((new Date(started.expiresAt).getTime() - now.getTime()) / 60_000);
  return [
    `Cash-in ${started.reference}: ${formatBrl(started.amountCents)}, waiting for payment`,
    ...(qrCode ? ['', qrCode.trimEnd(), ''] : []),
    fields([
      ['Copy and paste', started.copyAndPaste],
      ['Expires', `${formatTime(started.expiresAt)}${minutesLeft > 0 ? ` (in ${minutesLeft} min)` : ''}`],
      ['PSP', `transactionId ${started.transactionId}, internalCode ${started.internalCode}`],
      ['Payment URL', started.paymentUrl],
      ['Workflow', started.workflowId],
      ['Web UI', started.webUiUrl],
    ]),
  ].join('\n');
}

export function renderCashOutStarted(started: CashOutStarted): string {
  return [
    `Cash-out ${started.reference} started`,
    fields([
      ['State', started.state],
      ['Workflow', started.workflowId],
      ['Web UI', started.webUiUrl],
    ]),
  ].join('\n');
}

/** The status query's answer: summary, PSP ids, ledger effects, failure, timeline. */
export function renderPayment(payment: Payment): string {
  const psp = payment.psp;
  const pspIds = [
    psp.status ? `status ${psp.status}` : undefined,
    psp.transactionId ? `transactionId ${psp.transactionId}` : undefined,
    psp.internalCode ? `internalCode ${psp.internalCode}` : undefined,
    psp.endToEndId ? `endToEndId ${psp.endToEndId}` : undefined,
  ].filter(Boolean);
  const ledger = Object.entries(payment.ledger)
    .filter(([, done]) => done)
    .map(([effect]) => effect);
  const timeline = payment.timeline.map((entry) =>
    [formatTime(entry.at), entry.state, entry.note ?? ''].join('  ').trimEnd(),
  );
  return [
    `${KIND_NAMES[payment.kind]} ${payment.reference}: ${payment.state}`,
    fields([
      ['User', payment.userId],
      ['Amount', formatBrl(payment.amountCents)],
      ['PSP', pspIds.length > 0 ? pspIds.join(', ') : 'nothing sent yet'],
      ['Ledger', ledger.length > 0 ? ledger.join(', ') : 'no effect yet'],
      ['Failure', payment.failure ? `${payment.failure.code}: ${payment.failure.message}` : undefined],
      [
        'Refund',
        payment.kind === 'CASH_IN' && payment.refund
          ? `${payment.refund.origin}${payment.refund.reason ? ` (${payment.refund.reason})` : ''}`
          : undefined,
      ],
      ['Top-ups', payment.kind === 'CASH_OUT' && payment.topUps > 0 ? String(payment.topUps) : undefined],
      ['Review', payment.review ? renderReview(payment.review) : undefined],
      [
        'Unconfirmed events',
        payment.psp.unconfirmedEvents ? String(payment.psp.unconfirmedEvents) : undefined,
      ],
      ['Watching until', payment.watchingUntil ? formatTime(payment.watchingUntil) : undefined],
      ['Web UI', payment.webUiUrl],
    ]),
    'Timeline',
    ...timeline.map((line) => `  ${line}`),
  ].join('\n');
}

/** What a payment in (or once in) NEEDS_REVIEW could not prove, and who resolved it how. */
function renderReview(review: PaymentReview): string {
  const parts = [`${review.step}: ${review.reason}, since ${formatTime(review.since)}`];
  if (review.retryingUntil) parts.push(`same request retried until ${formatTime(review.retryingUntil)}`);
  if (review.resolution) {
    const { decision, resolvedBy, reason, at } = review.resolution;
    parts.push(`resolved ${decision} by ${resolvedBy} at ${formatTime(at)}: ${reason}`);
  }
  if (review.contradiction) parts.push(`CONTRADICTED: ${review.contradiction}`);
  return parts.join('; ');
}

/** One progress line of `wait`: the newest timeline entry. */
export function renderProgress(payment: Payment): string {
  const last = payment.timeline[payment.timeline.length - 1];
  const note = last?.note ? ` (${last.note})` : '';
  return `${formatTime(last?.at)}  ${payment.reference}  ${payment.state}${note}`;
}

export function renderPaymentPage(page: PaymentPage): string {
  if (page.payments.length === 0) return 'No payments match.';
  const table = formatTable(
    ['STARTED', 'KIND', 'REFERENCE', 'USER', 'AMOUNT', 'STATUS', 'TEMPORAL'],
    page.payments.map((p) => [
      formatTime(p.startedAt),
      KIND_NAMES[p.kind],
      p.reference,
      p.userId ?? '-',
      p.amountCents === null ? '-' : formatBrl(p.amountCents),
      p.status ?? '-',
      p.executionStatus,
    ]),
  );
  return page.nextPageToken ? `${table}\n\nMore: --page-token ${page.nextPageToken}` : table;
}

export function renderBalance(balance: UserBalance, movements: readonly LedgerTransfer[]): string {
  const account = `user:${balance.userId}`;
  const lines = [
    `Wallet of ${balance.userId}`,
    fields([
      ['Available', formatBrl(balance.availableCents)],
      ['Held', `${formatBrl(balance.pendingDebitCents)} (pending cash-outs)`],
      ['Posted', formatBrl(balance.postedCents)],
    ]),
  ];
  if (movements.length > 0) {
    lines.push(
      '',
      'Recent movements',
      formatTable(
        ['AT', 'CODE', 'KIND', 'AMOUNT', 'REFERENCE'],
        movements.map((t) => [
          formatTime(t.createdAt),
          t.code,
          t.kind,
          signedAmount(t, account),
          typeof t.metadata?.reference === 'string' ? t.metadata.reference : t.id,
        ]),
      ),
    );
  }
  return lines.join('\n');
}

/**
 * The movement's effect on what the user can spend: + credits, − debits and holds; a voided hold
 * gives its amount back, and posting a hold changes nothing more (it was already taken).
 */
function signedAmount(transfer: LedgerTransfer, account: string): string {
  const amount = formatBrl(transfer.amountCents);
  if (transfer.kind === 'void_pending') return `+${amount} (hold released)`;
  if (transfer.kind === 'post_pending') return `${amount} (hold settled)`;
  return `${transfer.creditAccount === account ? '+' : '-'}${amount}`;
}

export function renderExposure(exposureCents: Cents): string {
  return `Exposure (what the platform owes its users, holds included): ${formatBrl(exposureCents)}`;
}

export function renderRebalanceRun(run: RebalanceRunResult): string {
  return [
    `Rebalance run ${run.run} (${run.sources.join(', ')}): ${run.outcome}`,
    fields([
      ['Exposure', formatBrl(run.exposureCents)],
      ['PSP balance', `${formatBrl(run.beforeCents)} → ${formatBrl(run.afterCents)}`],
      ['Moved', formatBrl(run.movedCents)],
      ['Threshold', formatBrl(run.thresholdCents)],
      ['Failure', run.failure ? `${run.failure.code}: ${run.failure.message}` : undefined],
      ['Finished', formatTime(run.finishedAt)],
    ]),
  ].join('\n');
}

export function renderSchedule(schedule: RebalanceScheduleState): string {
  return fields([
    ['Schedule', `${schedule.scheduleId}: ${schedule.paused ? 'PAUSED' : 'ACTIVE'}`],
    ['Note', schedule.note],
    ['Next run', schedule.paused ? undefined : formatTime(schedule.nextRunsAt[0])],
    ['Runs started', `${schedule.actionsTaken} (${schedule.skippedOverlap} skipped: overlap)`],
    ['Web UI', schedule.webUiUrl],
  ]);
}

export function renderRebalanceOverview(overview: RebalanceOverview): string {
  const lines = [overview.schedule ? renderSchedule(overview.schedule) : 'Schedule: not created'];
  const coordinator = overview.coordinator;
  if (!coordinator) {
    lines.push('', 'No rebalance has run yet.');
    return lines.join('\n');
  }
  lines.push(
    '',
    `Coordinator ${coordinator.workflowId}: ${coordinator.state}, ${plural(coordinator.runs, 'run')}, ${coordinator.pending} waiting`,
  );
  if (coordinator.webUiUrl) lines.push(`Web UI  ${coordinator.webUiUrl}`);
  if (coordinator.recent.length > 0) {
    lines.push(
      '',
      formatTable(
        ['RUN', 'FINISHED', 'SOURCES', 'OUTCOME', 'EXPOSURE', 'PSP BEFORE', 'PSP AFTER', 'MOVED'],
        [...coordinator.recent]
          .reverse()
          .map((run) => [
            String(run.run),
            formatTime(run.finishedAt),
            run.sources.join(','),
            run.failure ? `${run.outcome} ${run.failure.code}` : run.outcome,
            formatBrl(run.exposureCents),
            formatBrl(run.beforeCents),
            formatBrl(run.afterCents),
            formatBrl(run.movedCents),
          ]),
      ),
    );
  }
  return lines.join('\n');
}

export function renderSandboxTransaction(action: string, transaction: CashIn | CashOut): string {
  const failure = 'failure' in transaction && transaction.failure ? ` (${transaction.failure.code})` : '';
  return `sandbox ${action}: ${transaction.externalReference} is now ${transaction.status}${failure} at the PSP; the workflow follows when the webhook (or its next reconciliation) arrives`;
}

/** One line on stderr in human mode; `{"error": {...}}` in JSON mode. */
export function renderError(error: DescribedError, json: boolean): string {
  if (!json) return `error: ${error.message}`;
  const { exitCode, ...rest } = error;
  return JSON.stringify({ error: { ...rest, exitCode } });
}

export function renderJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
