/**
 * Records one history per workflow type (and per main path) from real runs against the sandbox,
 * for the replay test: a history recorded from the code as it was must still replay on the code
 * as it is, or a change broke determinism for workflows in flight.
 *
 * Re-record (after an intentional, versioned change, or to cover a new path):
 *   RECORD_HISTORIES=1 npx vitest run test/integration/replay.test.ts
 * then commit test/fixtures/histories/*.json.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { executeRebalance } from '../../runtime/rebalance-door';
import {
  type CashInStatus,
  type CashOutStatus,
  type PspEventEnvelope,
  pspEventSignal,
} from '../../workflows/messages';
import {
  type ParkedEventInput,
  parkedEventWorkflow,
  parkedEventWorkflowId,
  resolveParkedEventUpdate,
} from '../../workflows/parked-event';
import { rebalanceWorkflowId, scheduledRebalanceWorkflowId } from '../../workflows/workflow-ids';
import type { LifecycleEnv } from '../helpers/lifecycle-env';

export const HISTORIES_DIR = path.resolve(__dirname, '..', 'fixtures', 'histories');

/**
 * Fixture name → the workflow type it must replay as. Histories recorded before a `patched()`
 * change stay here, frozen (the recorder no longer produces them), to prove old executions replay.
 */
export const RECORDED_HISTORIES = {
  'cash-in-platform-refund-before-refund-hold': 'cashInWorkflow',
  'cash-in-settled-then-med-reversal': 'cashInWorkflow',
  'cash-in-wrong-amount-refunded': 'cashInWorkflow',
  'cash-in-platform-refund': 'cashInWorkflow',
  'cash-out-top-up-settled-then-returned': 'cashOutWorkflow',
  'cash-out-psp-failed-refunded': 'cashOutWorkflow',
  'cash-out-user-insufficient-funds': 'cashOutWorkflow',
  'rebalance-coordinator': 'rebalanceWorkflow',
  'rebalance-scheduled-run': 'scheduledRebalanceWorkflow',
  'parked-event-resolved': 'parkedEventWorkflow',
} as const;
export type RecordedHistoryName = keyof typeof RECORDED_HISTORIES;

/** Runs every recorded path to its end on `env` and writes the fixtures. */
export async function recordHistories(env: LifecycleEnv): Promise<void> {
  await env.setPspWallet({ transactional: 0, proprietary: 100_000 });
  // RECORD_ONLY=name,name re-records just those fixtures.
  const only = process.env.RECORD_ONLY?.split(',');
  const save = async (name: RecordedHistoryName, handle: WorkflowHandle) => {
    if (only && !only.includes(name)) return;
    const history = await handle.fetchHistory();
    writeFileSync(path.join(HISTORIES_DIR, `${name}.json`), `${historyToJSON(history)}\n`);
  };

  // Cash-in: paid, credited, then taken back by a MED reversal.
  {
    const input = env.cashInInput();
    const { handle, charge } = await env.startCashIn(input);
    await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`);
    await env.waitForState<CashInStatus>(handle, 'SETTLED');
    await env.psp.control('POST', `/cash-in/${charge.transactionId}/med-reversal`);
    await handle.result();
    await save('cash-in-settled-then-med-reversal', handle);
  }
  {
    const input = env.cashInInput();
    const { handle, charge } = await env.startCashIn(input);
    await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`, { amount: 1 });
    await handle.result();
    await save('cash-in-wrong-amount-refunded', handle);
  }
  {
    const input = env.cashInInput();
    const { handle, charge } = await env.startCashIn(input);
    await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`);
    await env.waitForState<CashInStatus>(handle, 'SETTLED');
    await handle.executeUpdate('refundCashIn', { args: [{ reason: 'CUSTOMER_REQUEST' }] });
    await handle.result();
    await save('cash-in-platform-refund', handle);
  }

  // Cash-out: INSUFFICIENT_FUNDS → top-up → sent → completed → returned by the payee's bank.
  {
    const input = env.cashOutInput();
    await env.fundUser(input.userId, input.amountCents);
    const handle = await env.startCashOut(input);
    const processing = await env.waitForState<CashOutStatus>(handle, 'PROCESSING');
    await env.psp.control('POST', `/cash-out/${processing.psp.transactionId}/complete`);
    await env.waitForState<CashOutStatus>(handle, 'SETTLED');
    await env.psp.control('POST', `/cash-out/${processing.psp.transactionId}/return`);
    await handle.result();
    await save('cash-out-top-up-settled-then-returned', handle);
  }
  {
    const input = env.cashOutInput();
    await env.fundUser(input.userId, input.amountCents);
    const handle = await env.startCashOut(input);
    const processing = await env.waitForState<CashOutStatus>(handle, 'PROCESSING');
    await env.psp.control('POST', `/cash-out/${processing.psp.transactionId}/fail`, {
      code: 'PIX_KEY_NOT_FOUND',
    });
    await handle.result();
    await save('cash-out-psp-failed-refunded', handle);
  }
  {
    const input = env.cashOutInput();
    const handle = await env.startCashOut(input);
    await handle.result().catch(() => undefined);
    await save('cash-out-user-insufficient-funds', handle);
  }

  // Rebalance: the coordinator (still running; a partial history replays too) and a scheduled run.
  await executeRebalance(env.client, {
    taskQueue: env.taskQueue,
    trigger: { source: 'MANUAL', thresholdCents: 0, requestedBy: 'record-histories' },
  });
  const scheduled = await env.client.workflow.start('scheduledRebalanceWorkflow', {
    taskQueue: env.taskQueue,
    workflowId: `${scheduledRebalanceWorkflowId(env.taskQueue)}-recorded`,
    args: [{ thresholdCents: 0 }],
  });
  await scheduled.result();
  await save('rebalance-scheduled-run', scheduled);
  await save('rebalance-coordinator', env.client.workflow.getHandle(rebalanceWorkflowId(env.taskQueue)));

  // A PSP event for a reference no lifecycle has: parked (delivered twice), then resolved by an operator.
  const orphan: PspEventEnvelope = {
    eventType: 'CASHOUT_REFUNDED',
    eventAt: new Date().toISOString(),
    data: { transactionId: 'recorded-orphan', externalReference: 'no-such-reference' },
  };
  const parkedInput: ParkedEventInput = {
    transactionId: orphan.data.transactionId,
    eventType: orphan.eventType,
    reason: 'NO_WORKFLOW',
    kind: 'CASH_OUT',
    intendedWorkflowId: 'cash-out:no-such-reference',
  };
  const parkedOptions = {
    taskQueue: env.taskQueue,
    workflowId: `${parkedEventWorkflowId(orphan.data.transactionId, orphan.eventType)}:${env.taskQueue}`,
    args: [parkedInput] as [ParkedEventInput],
    signal: pspEventSignal,
    signalArgs: [orphan] as [PspEventEnvelope],
  };
  const parked = await env.client.workflow.signalWithStart(parkedEventWorkflow, parkedOptions);
  await env.client.workflow.signalWithStart(parkedEventWorkflow, parkedOptions);
  await parked.executeUpdate(resolveParkedEventUpdate, {
    args: [{ note: 'recorded for replay', resolvedBy: 'test' }],
  });
  await parked.result();
  await save('parked-event-resolved', parked);
}
