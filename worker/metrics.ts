import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { PspCallObserver } from '../connectpsp/call-observer';
import type { OrphanedHold } from '../domain/holds';
import { LEDGER_CHECKS, type LedgerCheckReport } from '../domain/ledger-check';
import { isTerminalState, NEEDS_REVIEW } from '../workflows/messages';
import type { PaymentKind } from '../workflows/start-options';

/** Seconds: a fast local call up to a PSP call that used its whole timeout. */
const CALL_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The product's own metrics, `pix_*`, on the worker's registry; the Temporal SDK's `temporal_*`
 * join it (sdk-metrics.ts). Each help text names the metric's source. docs/operations.md says what
 * to watch and what each alert means.
 */
export function createWorkerMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    new Counter({ name, help, labelNames, registers });
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name, help, labelNames, registers });
  const histogram = (name: string, help: string, labelNames: string[]) =>
    new Histogram({ name, help, labelNames, buckets: CALL_BUCKETS, registers });

  // Reported by each lifecycle through the workflow interceptor (operations/lifecycle-metrics.ts).
  const started = counter('pix_lifecycles_started_total', 'Payment lifecycles started, by kind', ['kind']);
  const finished = counter(
    'pix_lifecycles_finished_total',
    'Payment lifecycles entering a terminal state, by kind and outcome (a returned cash-out counts SETTLED, then REFUNDED)',
    ['kind', 'outcome'],
  );
  const reviews = counter(
    'pix_lifecycles_needs_review_total',
    'Payment lifecycles entering NEEDS_REVIEW, by kind',
    ['kind'],
  );
  // From the workflows' own warning, seen by the worker's runtime logger (worker/main.ts).
  const unconfirmed = counter(
    'pix_psp_unconfirmed_events_total',
    "Webhooks whose claim the PSP's own record (GET) did not bear out: logged and counted, never applied",
    ['kind'],
  );
  // From the ConnectPSP client (connectpsp/call-observer.ts).
  const pspRequests = histogram(
    'pix_psp_request_duration_seconds',
    'ConnectPSP HTTP exchanges by endpoint and outcome (OK or the error code); _count is the number of calls',
    ['endpoint', 'outcome'],
  );
  const tokenRenewals = counter(
    'pix_psp_token_renewals_total',
    'ConnectPSP access tokens fetched, by reason (first, expiring, rejected by the PSP) and outcome',
    ['reason', 'outcome'],
  );
  // From the wallet the activities use (worker/observed-wallet.ts).
  const walletTransfers = histogram(
    'pix_ledger_transfer_duration_seconds',
    'Wallet movements of the lifecycles (built-in ledger or platform wallet service), by operation and outcome',
    ['operation', 'outcome'],
  );
  // From Temporal's visibility store and the ledger, polled (worker/lifecycle-gauges.ts).
  const inState = gauge(
    'pix_lifecycles',
    'Running payment lifecycles of this task queue in each non-terminal state (NEEDS_REVIEW included)',
    ['kind', 'state'],
  );
  const oldest = gauge(
    'pix_lifecycles_oldest_age_seconds',
    'Age since start of the oldest running lifecycle in each non-terminal state (0 when none)',
    ['kind', 'state'],
  );
  const deadline = gauge(
    'pix_lifecycle_deadline_seconds',
    'The longest a lifecycle may be in this state, counted from its start (alert: oldest age above it)',
    ['kind', 'state'],
  );
  const orphans = gauge('pix_orphaned_holds', 'Holds whose lifecycle is no longer running (pix review list)');
  const orphanCents = gauge('pix_orphaned_holds_cents', 'Amount held by orphaned holds, in centavos');
  const refreshedAt = gauge(
    'pix_lifecycle_gauges_refreshed_timestamp_seconds',
    'When the lifecycle and orphaned-hold gauges were last read',
  );
  const pollFailures = counter('pix_lifecycle_gauges_failures_total', 'Failed reads of the lifecycle gauges');
  // From the ledger integrity check (activities/ledger-check.ts).
  const checkOk = gauge(
    'pix_ledger_check_ok',
    '1 when the last ledger integrity check found nothing, 0 otherwise',
  );
  const checkFailed = gauge(
    'pix_ledger_check_failed',
    '1 when this check failed in the last ledger integrity check',
    ['check'],
  );
  const checkedAt = gauge('pix_ledger_check_timestamp_seconds', 'When the last ledger integrity check ran');
  const imbalance = gauge(
    'pix_ledger_imbalance_cents',
    'How far the books are off (debits vs credits, counters vs journal) at the last check; 0 when balanced',
  );
  const exposureGap = gauge(
    'pix_ledger_exposure_gap_cents',
    'PSP transactional balance minus exposure at the last ledger check',
  );

  const pspObserver: PspCallObserver = {
    onCall: ({ endpoint, outcome, seconds }) =>
      pspRequests.observe({ endpoint, outcome: boundedCode(outcome) }, seconds),
    onTokenRenewal: ({ reason, ok }) => tokenRenewals.inc({ reason, outcome: ok ? 'ok' : 'failed' }),
  };

  return {
    registry,
    pspObserver,
    lifecycleStarted(kind: PaymentKind): void {
      started.inc({ kind });
    },
    lifecycleEntered(kind: PaymentKind, state: string): void {
      if (isTerminalState(state)) finished.inc({ kind, outcome: state });
      if (state === NEEDS_REVIEW) reviews.inc({ kind });
    },
    unconfirmedEvent(kind: PaymentKind): void {
      unconfirmed.inc({ kind });
    },
    walletTransfer(operation: string, outcome: string, seconds: number): void {
      walletTransfers.observe({ operation, outcome: boundedCode(outcome) }, seconds);
    },
    stateDeadline(kind: PaymentKind, state: string, seconds: number): void {
      deadline.set({ kind, state }, seconds);
    },
    lifecyclesIn(kind: PaymentKind, state: string, count: number, oldestAgeSeconds: number): void {
      inState.set({ kind, state }, count);
      oldest.set({ kind, state }, oldestAgeSeconds);
    },
    orphanedHolds(holds: readonly OrphanedHold[]): void {
      orphans.set(holds.length);
      orphanCents.set(holds.reduce((sum, hold) => sum + hold.amountCents, 0));
    },
    gaugesRefreshed(): void {
      refreshedAt.setToCurrentTime();
    },
    gaugePollFailed(): void {
      pollFailures.inc();
    },
    ledgerChecked(report: LedgerCheckReport): void {
      checkOk.set(report.ok ? 1 : 0);
      for (const name of LEDGER_CHECKS) {
        const check = report.checks.find((c) => c.name === name);
        checkFailed.set({ check: name }, check?.status === 'FAILED' ? 1 : 0);
      }
      checkedAt.set(Date.parse(report.checkedAt) / 1000);
      imbalance.set(report.imbalanceCents ?? 0);
      exposureGap.set(report.exposureGapCents);
    },
  };
}

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;

/** A label value from a code the outside world chose: upper-case words, or OTHER (bounded cardinality). */
function boundedCode(code: string): string {
  return /^[A-Z][A-Z0-9_]{0,47}$/.test(code) ? code : 'OTHER';
}
