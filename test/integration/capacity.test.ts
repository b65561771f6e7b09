/**
 * The cost table of docs/capacity.md, counted from real lifecycles: each runs on the dev server
 * through the sandbox, the relay and the ledger; its histories give the events and the billable
 * actions, the sandbox's request log the PSP calls, the ledger the transfers. A row that no longer
 * matches fails with the counted row, ready to paste into the doc.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../runtime/project-root';
import type { CashInStatus } from '../../workflows/messages';
import { refundCashInUpdate } from '../../workflows/messages';
import { cashInWorkflowId, cashOutWorkflowId } from '../../workflows/workflow-ids';
import { type CostRow, capacityTable, formatCostRow } from '../helpers/capacity-table';
import { costOfWorkflow } from '../helpers/history-costs';
import { useLifecycleEnv } from '../helpers/lifecycle-env';

const DOC = path.join(PROJECT_ROOT, 'docs', 'capacity.md');

/**
 * A lifecycle closes as soon as it reaches its terminal state: no late-event window. What watching
 * costs is its own row. (When lifecycles close after a grace window instead, set it short here.)
 */
const CLOSES_AT_TERMINAL_STATE = { lateEventWatchDays: 0 };
/** Reconciliation far enough away that the webhook, not a timer, wakes the lifecycle (as in production: 60 s). */
const WEBHOOK_FIRST = { reconcileIntervalSeconds: 60 };

interface Lifecycle {
  reference: string;
  userId: string;
  workflowId: string;
}

describe('capacity: each lifecycle’s Temporal actions, history events, PSP calls and ledger transactions (docs/capacity.md)', () => {
  const env = useLifecycleEnv();
  const documented = capacityTable(readFileSync(DOC, 'utf8'));
  const counted = new Map<string, CostRow>();

  beforeAll(async () => {
    await env.setPspWallet({ transactional: 100_000, proprietary: 100_000 });
  });

  const pspRequests = async () =>
    (
      (await env.psp.control('GET', '/requests')).body.requests as Array<{
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
      ...[...(await workflowIdsOnQueue())].filter((id) => !before.has(id)),
    ]);
    for (const id of ids) {
      await env.waitUntil(`${id} closed`, async () => {
        const { status } = await env.client.workflow.getHandle(id).describe();
        return status.name !== 'RUNNING';
      });
    }
    const row: CostRow = { actions: 0, events: 0, pspCalls: 0, ledgerTransactions: 0, actionsByKind: {} };
    for (const id of ids) {
      const history = await costOfWorkflow(env.client, id);
      row.actions += history.actions;
      row.events += history.events;
      for (const [kind, n] of Object.entries(history.actionsByKind)) {
        row.actionsByKind[kind] = (row.actionsByKind[kind] ?? 0) + n;
      }
    }
    row.pspCalls = (await pspRequests()).length - requestsBefore;
    row.ledgerTransactions = (await env.wallet.transferIds(lifecycle.userId)).filter((id) =>
      id.includes(lifecycle.reference),
    ).length;
    return row;
  }

  function expectDocumented(name: string, row: CostRow): void {
    counted.set(name, row);
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
    const input = env.cashOutInput({ ...WEBHOOK_FIRST, ...CLOSES_AT_TERMINAL_STATE });
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

  it('cash-in paid: QR, payment webhook, GET, credit', async () => {
    expectDocumented('cash-in paid', await cost(() => paidCashIn(CLOSES_AT_TERMINAL_STATE)));
  });

  it('cash-in expired: QR, the PSP says EXPIRED at the first reconciliation', async () => {
    const row = await cost(async () => {
      // The first reconciliation comes after the charge is expired, even on a loaded machine.
      const input = env.cashInInput({ reconcileIntervalSeconds: 5, ...CLOSES_AT_TERMINAL_STATE });
      const { charge } = await env.startCashIn(input);
      await env.psp.control('POST', `/cash-in/${charge.transactionId}/expire`);
      return {
        reference: input.reference,
        userId: input.userId,
        workflowId: cashInWorkflowId(input.reference),
      };
    });
    expectDocumented('cash-in expired', row);
  });

  it('cash-out completed: hold, send, completion webhook, GET, post', async () => {
    expectDocumented('cash-out completed', await cost(() => sentCashOut('complete')));
  });

  it('cash-out failed: hold, send, failure webhook, GET, void', async () => {
    expectDocumented('cash-out failed', await cost(() => sentCashOut('fail')));
  });

  it('refund: a paid cash-in the platform refunds (hold, POST refund, refund webhook, post)', async () => {
    const row = await cost(async () => {
      const lifecycle = await paidCashIn({ lateEventWatchDays: 1 });
      const handle = env.client.workflow.getHandle(lifecycle.workflowId);
      await env.waitForState<CashInStatus>(handle, 'SETTLED');
      // The refund webhook comes after the PSP answered the refund, as from a real PSP (the sandbox
      // would otherwise race its own answer, and the count with it).
      await env.psp.control('POST', '/faults', { kind: 'withholdWebhook', reference: lifecycle.reference });
      await handle.executeUpdate(refundCashInUpdate, { args: [{ reason: 'CUSTOMER_REQUEST' }] });
      await env.psp.control('DELETE', '/faults');
      await env.psp.control('POST', '/webhooks/release');
      return lifecycle;
    });
    expectDocumented('cash-in paid, then refunded', row);
  });

  it('late-event watch: one reconciliation of a settled payment (today daily, for 90 days)', async () => {
    const paid = counted.get('cash-in paid') ?? (await cost(() => paidCashIn(CLOSES_AT_TERMINAL_STATE)));
    // A window exactly one reconciliation long: one timer, one GET, then the lifecycle closes.
    const watched = await cost(() =>
      paidCashIn({ lateEventWatchDays: 1 / 86_400, lateEventReconcileHours: 1 / 3_600 }),
    );
    const kinds = new Set([...Object.keys(watched.actionsByKind), ...Object.keys(paid.actionsByKind)]);
    expectDocumented('late-event watch, each reconciliation', {
      actions: watched.actions - paid.actions,
      events: watched.events - paid.events,
      pspCalls: watched.pspCalls - paid.pspCalls,
      ledgerTransactions: watched.ledgerTransactions - paid.ledgerTransactions,
      actionsByKind: Object.fromEntries(
        [...kinds].map((k) => [k, (watched.actionsByKind[k] ?? 0) - (paid.actionsByKind[k] ?? 0)]),
      ),
    });
  });
});
