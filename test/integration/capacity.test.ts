/**
 * The cost table of docs/capacity.md, counted from real lifecycles: each runs on the dev server
 * through the sandbox, the relay and the ledger; its histories give the events and the billable
 * actions, the sandbox's request log the PSP calls, the ledger the transfers. A row that no longer
 * matches fails with the counted row, ready to paste into the doc. Lifecycles close after their grace
 * window; what catching late events costs afterwards is the late-event sweep's rows.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../runtime/config';
import { refundAfterClose } from '../../runtime/late-event-door';
import { PROJECT_ROOT } from '../../runtime/project-root';
import {
  type LateEventSweepResult,
  type lateEventSweepWorkflow,
  sweepWindows,
} from '../../workflows/late-event-sweep';
import type { CashInStatus } from '../../workflows/messages';
import { refundCashInUpdate } from '../../workflows/messages';
import { cashInWorkflowId, cashOutWorkflowId, lateEventWorkflowId } from '../../workflows/workflow-ids';
import { type CostRow, capacityTable, formatCostRow } from '../helpers/capacity-table';
import { costOfWorkflow, type HistoryCost } from '../helpers/history-costs';
import { useLifecycleEnv } from '../helpers/lifecycle-env';
import { sweepsCovering } from '../helpers/sweep-cadence';

const DOC = path.join(PROJECT_ROOT, 'docs', 'capacity.md');

/**
 * A settled lifecycle stays open for its grace window (LIFECYCLE_CLOSE_GRACE_SECONDS, 300 s by
 * default), then completes. The window is one timer and, when it fires, one reconciliation, whatever
 * its length: a short one here counts the same as the default.
 */
const SHORT_GRACE = { closeGraceSeconds: 1 };
/** A grace window the test ends (with a refund) long before it runs out. */
const LONG_GRACE = { closeGraceSeconds: 3_600 };
/** Reconciliation far enough away that the webhook, not a timer, wakes the lifecycle (as in production: 60 s). */
const WEBHOOK_FIRST = { reconcileIntervalSeconds: 60 };
/** The sweep as the worker schedules it by default (LATE_EVENT_SWEEP_INTERVAL_HOURS, LATE_EVENT_WATCH_DAYS). */
const SWEEP = {
  intervalHours: configSchema.shape.LATE_EVENT_SWEEP_INTERVAL_HOURS.parse(undefined),
  watchDays: configSchema.shape.LATE_EVENT_WATCH_DAYS.parse(undefined),
  requestsPerSecond: 1_000,
};
/** The page size sweepSettledPage gets from the sweep when none is given. */
const SWEEP_PAGE_SIZE = 200;

interface Lifecycle {
  reference: string;
  userId: string;
  workflowId: string;
  /** Workflows it started besides its own (a late-event run). */
  alsoStarted?: string[];
}

const ZERO_COST = (): CostRow => ({
  actions: 0,
  events: 0,
  pspCalls: 0,
  ledgerTransactions: 0,
  actionsByKind: {},
});

function addHistory(row: CostRow, history: HistoryCost): void {
  row.actions += history.actions;
  row.events += history.events;
  for (const [kind, n] of Object.entries(history.actionsByKind)) {
    row.actionsByKind[kind] = (row.actionsByKind[kind] ?? 0) + n;
  }
}

/** `total` less `times` × `part`, field by field. */
function minus(total: CostRow, part: CostRow, times = 1): CostRow {
  const kinds = new Set([...Object.keys(total.actionsByKind), ...Object.keys(part.actionsByKind)]);
  return {
    actions: total.actions - times * part.actions,
    events: total.events - times * part.events,
    pspCalls: total.pspCalls - times * part.pspCalls,
    ledgerTransactions: total.ledgerTransactions - times * part.ledgerTransactions,
    actionsByKind: Object.fromEntries(
      [...kinds].map((k) => [k, (total.actionsByKind[k] ?? 0) - times * (part.actionsByKind[k] ?? 0)]),
    ),
  };
}

/** `row` ÷ `n`, each field a whole number (the test fails otherwise: the doc's figures are exact). */
function per(row: CostRow, n: number): CostRow {
  const exact = (value: number) => {
    expect(Number.isInteger(value / n), `${value} is not a whole multiple of ${n}`).toBe(true);
    return value / n;
  };
  return {
    actions: exact(row.actions),
    events: exact(row.events),
    pspCalls: exact(row.pspCalls),
    ledgerTransactions: exact(row.ledgerTransactions),
    actionsByKind: Object.fromEntries(Object.entries(row.actionsByKind).map(([k, v]) => [k, exact(v)])),
  };
}

describe('capacity: each lifecycle’s Temporal actions, history events, PSP calls and ledger transactions (docs/capacity.md)', () => {
  const env = useLifecycleEnv();
  const documented = capacityTable(readFileSync(DOC, 'utf8'));
  /** Rows a later test derives from, when it runs in the same file run. */
  const counted = new Map<string, CostRow>();

  beforeAll(async () => {
    await env.setPspWallet({ transactional: 100_000, proprietary: 100_000 });
  });

  const pspRequests = async () =>
    (
      (await env.psp.control('GET', '/requests')).body.requests as Array<{
        method: string;
        path: string;
        status: number | null;
      }>
    )
      // The access token is fetched once an hour per worker, not per payment.
      .filter((r) => r.path !== '/auth/token');

  const workflowIdsOnQueue = async (): Promise<Set<string>> => {
    const ids = new Set<string>();
    for await (const execution of env.client.workflow.list({ query: `TaskQueue = '${env.taskQueue}'` })) {
      ids.add(execution.workflowId);
    }
    return ids;
  };

  /** Runs one lifecycle to the close of every workflow it started, and counts what it cost. */
  async function cost(run: () => Promise<Lifecycle>): Promise<CostRow> {
    const before = await workflowIdsOnQueue();
    const requestsBefore = (await pspRequests()).length;
    const lifecycle = await run();
    await env.client.workflow.getHandle(lifecycle.workflowId).result();
    const ids = new Set([
      lifecycle.workflowId,
      ...(lifecycle.alsoStarted ?? []),
      ...[...(await workflowIdsOnQueue())].filter((id) => !before.has(id)),
    ]);
    for (const id of ids) {
      await env.waitUntil(`${id} closed`, async () => {
        const { status } = await env.client.workflow.getHandle(id).describe();
        return status.name !== 'RUNNING';
      });
    }
    const row = ZERO_COST();
    for (const id of ids) addHistory(row, await costOfWorkflow(env.client, id));
    row.pspCalls = (await pspRequests()).length - requestsBefore;
    row.ledgerTransactions = (await env.wallet.transferIds(lifecycle.userId)).filter((id) =>
      id.includes(lifecycle.reference),
    ).length;
    return row;
  }

  function expectDocumented(name: string, row: CostRow): void {
    expect(
      documented.get(name),
      `docs/capacity.md is out of date for "${name}"; the counted row is:\n${formatCostRow(name, row)}\n` +
        `actions by kind: ${JSON.stringify(row.actionsByKind)}`,
    ).toEqual({
      actions: row.actions,
      events: row.events,
      pspCalls: row.pspCalls,
      ledgerTransactions: row.ledgerTransactions,
    });
  }

  async function paidCashIn(overrides: Parameters<typeof env.cashInInput>[0]): Promise<Lifecycle> {
    const input = env.cashInInput({ ...WEBHOOK_FIRST, ...overrides });
    const { charge } = await env.startCashIn(input);
    await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`);
    return {
      reference: input.reference,
      userId: input.userId,
      workflowId: cashInWorkflowId(input.reference),
    };
  }

  async function sentCashOut(outcome: 'complete' | 'fail'): Promise<Lifecycle> {
    const input = env.cashOutInput({ ...WEBHOOK_FIRST, ...SHORT_GRACE });
    await env.fundUser(input.userId, 100_00);
    await env.acceptCashOut(input);
    // The outcome comes once the lifecycle waits for it, as from a real PSP.
    await env.waitForState(env.client.workflow.getHandle(cashOutWorkflowId(input.reference)), 'PROCESSING');
    await env.psp.control('POST', `/cash-out/${input.reference}/${outcome}`);
    return {
      reference: input.reference,
      userId: input.userId,
      workflowId: cashOutWorkflowId(input.reference),
    };
  }

  /**
   * The refund webhook comes after the PSP answered the refund, as from a real PSP (the sandbox
   * would otherwise race its own answer, and the count with it).
   */
  async function refundAnsweredBeforeItsWebhook(reference: string, refund: () => Promise<unknown>) {
    await env.psp.control('POST', '/faults', { kind: 'withholdWebhook', reference });
    await refund();
    await env.psp.control('DELETE', '/faults');
    await env.psp.control('POST', '/webhooks/release');
  }

  it('cash-in paid: QR, payment webhook, GET, credit, grace window', async () => {
    expectDocumented('cash-in paid', await cost(() => paidCashIn(SHORT_GRACE)));
  });

  /**
   * A charge the PSP says is EXPIRED at its reconciliation number `reconciliationsBefore + 1`: the
   * first comes 5 s after the QR, long after the test expires the charge even on a loaded machine,
   * the next 10 s after that.
   */
  async function expiredCashIn(reconciliationsBefore: number): Promise<Lifecycle> {
    const input = env.cashInInput({ reconcileIntervalSeconds: 5, ...SHORT_GRACE });
    const { charge } = await env.startCashIn(input);
    const gets = async () =>
      (await pspRequests()).filter((r) => r.method === 'GET' && r.path === `/cash-in/${charge.transactionId}`)
        .length;
    await env.waitUntil(`${reconciliationsBefore} reconciliations of an unpaid charge`, async () => {
      const done = await gets();
      expect(done).toBeLessThanOrEqual(reconciliationsBefore);
      return done === reconciliationsBefore;
    });
    await env.psp.control('POST', `/cash-in/${charge.transactionId}/expire`);
    return {
      reference: input.reference,
      userId: input.userId,
      workflowId: cashInWorkflowId(input.reference),
    };
  }

  it('cash-in expired: QR, the PSP says EXPIRED at the first reconciliation', async () => {
    const row = await cost(() => expiredCashIn(0));
    counted.set('cash-in expired', row);
    expectDocumented('cash-in expired', row);
  });

  it('cash-in waiting for payment: each further reconciliation (a timer and a GET)', async () => {
    const expiredAtFirst = counted.get('cash-in expired') ?? (await cost(() => expiredCashIn(0)));
    const expiredAtSecond = await cost(() => expiredCashIn(1));
    expectDocumented(
      'cash-in waiting for payment, each further reconciliation',
      minus(expiredAtSecond, expiredAtFirst),
    );
  });

  it('cash-out completed: hold, send, completion webhook, GET, post, grace window', async () => {
    expectDocumented('cash-out completed', await cost(() => sentCashOut('complete')));
  });

  it('cash-out failed: hold, send, failure webhook, GET, void', async () => {
    expectDocumented('cash-out failed', await cost(() => sentCashOut('fail')));
  });

  it('refund within the grace window: hold, POST refund, refund webhook, GET, post', async () => {
    const row = await cost(async () => {
      const lifecycle = await paidCashIn(LONG_GRACE);
      const handle = env.client.workflow.getHandle(lifecycle.workflowId);
      await env.waitForState<CashInStatus>(handle, 'SETTLED');
      await refundAnsweredBeforeItsWebhook(lifecycle.reference, () =>
        handle.executeUpdate(refundCashInUpdate, { args: [{ reason: 'CUSTOMER_REQUEST' }] }),
      );
      return lifecycle;
    });
    expectDocumented('cash-in paid, refunded within the grace window', row);
  });

  it('refund after the lifecycle closed: the cash-in, then its late-event run (update-with-start)', async () => {
    const row = await cost(async () => {
      const lifecycle = await paidCashIn(SHORT_GRACE);
      await env.client.workflow.getHandle(lifecycle.workflowId).result();
      await refundAnsweredBeforeItsWebhook(lifecycle.reference, () =>
        refundAfterClose(env.client, env.taskQueue, lifecycle.reference, { reason: 'CUSTOMER_REQUEST' }),
      );
      const lateRun = lateEventWorkflowId('CASH_IN', lifecycle.reference);
      await env.client.workflow.getHandle(lateRun).result();
      return { ...lifecycle, alsoStarted: [lateRun] };
    });
    expectDocumented('cash-in paid, refunded after it closed', row);
  });

  it('late-event sweep: each run, each page of settled payments, each payment over its watch', async () => {
    // A few closed settled payments for the sweep to check, besides those earlier tests left.
    const payments = await Promise.all([1, 2, 3].map(() => paidCashIn(SHORT_GRACE)));
    await Promise.all(payments.map((p) => env.client.workflow.getHandle(p.workflowId).result()));
    const ids = payments.map((p) => `'${p.workflowId}'`).join(', ');
    await env.waitUntil('the payments are visible as closed SETTLED lifecycles', async () => {
      const { count } = await env.client.workflow.count(
        `WorkflowId IN (${ids}) AND ExecutionStatus = 'Completed' AND PaymentStatus = 'SETTLED'`,
      );
      return count === payments.length;
    });

    /** One sweep run: its history's cost, the pages it asked for, the payments it checked. */
    const sweepRun = async (pageSize: number) => {
      const requestsBefore = (await pspRequests()).length;
      const handle = await env.client.workflow.start<typeof lateEventSweepWorkflow>(
        'lateEventSweepWorkflow',
        {
          workflowId: env.unique('sweep'),
          taskQueue: env.taskQueue,
          args: [{ ...SWEEP, pageSize }],
        },
      );
      const result: LateEventSweepResult = await handle.result();
      expect(result).toMatchObject({ woken: 0, unanswered: 0 });
      const requests = (await pspRequests()).slice(requestsBefore);
      expect(requests.every((r) => r.method === 'GET')).toBe(true);
      const row = ZERO_COST();
      addHistory(row, await costOfWorkflow(env.client, handle.workflowId));
      row.pspCalls = requests.length;
      return { row, pages: row.actionsByKind['activity attempt'] ?? 0, checked: result.checked };
    };
    const onePagePerWindow = await sweepRun(SWEEP_PAGE_SIZE);
    const onePagePerPayment = await sweepRun(1);
    expect(onePagePerWindow.checked).toBeGreaterThanOrEqual(payments.length);
    expect(onePagePerWindow.pages).toBe(
      sweepWindows(Date.now(), SWEEP.intervalHours, SWEEP.watchDays).length,
    );
    expect(onePagePerPayment.pages).toBeGreaterThan(onePagePerWindow.pages);

    // PSP calls are per payment checked; actions and events per page, and per run for the rest.
    const checks = (run: typeof onePagePerWindow) => ({ ...ZERO_COST(), pspCalls: run.row.pspCalls });
    const eachPage = per(
      minus(
        minus(onePagePerPayment.row, checks(onePagePerPayment)),
        minus(onePagePerWindow.row, checks(onePagePerWindow)),
      ),
      onePagePerPayment.pages - onePagePerWindow.pages,
    );
    const eachRun = minus(
      minus(onePagePerWindow.row, checks(onePagePerWindow)),
      eachPage,
      onePagePerWindow.pages,
    );
    const getsPerCheck = per(
      { ...ZERO_COST(), pspCalls: onePagePerWindow.row.pspCalls },
      onePagePerWindow.checked,
    );
    const sweepsPerPayment = sweepsCovering(Date.now(), SWEEP.intervalHours, SWEEP.watchDays);

    expectDocumented('late-event sweep, each run', eachRun);
    expectDocumented('late-event sweep, each page', eachPage);
    expectDocumented(`late-event sweep, each settled payment over ${SWEEP.watchDays} days`, {
      ...getsPerCheck,
      pspCalls: getsPerCheck.pspCalls * sweepsPerPayment,
    });
  });
});
