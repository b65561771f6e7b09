/**
 * Temporal's side of what happens after a lifecycle closed: the relay and the sweep wake a
 * payment's late-event run (signal-with-start), and the sweep pages through settled lifecycles
 * (visibility) and asks whether a late-event run already shows a refund.
 */
import {
  type Client,
  ScheduleOverlapPolicy,
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import type { LateEventDoor, PaymentKind, SettledPayment, SweepWindow } from '../activities/late-event-sweep';
import { SEARCH_ATTRIBUTE_KEYS } from '../domain/search-attributes';
import type { LateEventSweepInput } from '../workflows/late-event-sweep';
import {
  type CashInRefundAccepted,
  type CashInRefundRequest,
  type PspEventEnvelope,
  pspEventSignal,
  refundCashInUpdate,
} from '../workflows/messages';
import {
  CASH_IN_PSP,
  CASH_OUT_PSP,
  type CashInPspStatus,
  type CashOutPspStatus,
  observationFromEvent,
} from '../workflows/psp-observations';
import { cashInWorkflowId, lateEventSweepScheduleId, lateEventWorkflowId } from '../workflows/workflow-ids';
import { type LifecycleRecord, lateRunStart, latestLifecycleRecord } from './lifecycle-records';
import { ensureSchedule } from './schedules';

export type LateDelivery =
  | 'delivered'
  /** The payment's final record already says what the event says (a late duplicate): nothing to do. */
  | 'already-known'
  /** The payment did not end SETTLED and the event says something new: an operator must look (the caller parks it). */
  | 'not-settled'
  | 'no-lifecycle';

/**
 * Hands an event of a closed lifecycle to its payment's late-event run: the running one, or a new
 * one resuming from the payment as it was left (signal-with-start).
 */
export async function deliverToLateRun(
  client: Client,
  taskQueue: string,
  kind: PaymentKind,
  reference: string,
  envelope: PspEventEnvelope,
): Promise<LateDelivery> {
  try {
    await client.workflow.getHandle(lateEventWorkflowId(kind, reference)).signal(pspEventSignal, envelope);
    return 'delivered';
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  const record = await latestLifecycleRecord(client, kind, reference);
  if (!record) return 'no-lifecycle';
  if (record.status.state !== 'SETTLED')
    return saysNothingNew(record, envelope) ? 'already-known' : 'not-settled';
  const { workflowType, options } = lateRunStart(record, taskQueue);
  await client.workflow.signalWithStart(workflowType, {
    ...options,
    signal: pspEventSignal,
    signalArgs: [envelope],
  });
  return 'delivered';
}

/** Whether the event announces no PSP status beyond the one the closed payment already recorded. */
function saysNothingNew(record: LifecycleRecord, envelope: PspEventEnvelope): boolean {
  const known = record.status.psp.status;
  if (!known) return false;
  if (record.kind === 'CASH_IN') {
    const claim = observationFromEvent(CASH_IN_PSP, envelope, record.input.reference);
    return claim !== null && CASH_IN_PSP.rank[claim.status] <= CASH_IN_PSP.rank[known as CashInPspStatus];
  }
  const claim = observationFromEvent(CASH_OUT_PSP, envelope, record.input.reference);
  return claim !== null && CASH_OUT_PSP.rank[claim.status] <= CASH_OUT_PSP.rank[known as CashOutPspStatus];
}

/**
 * A platform refund of a cash-in whose lifecycle closed: asked of its running late-event run, or
 * of a new one (update-with-start). Refused, like the lifecycle would, unless the cash-in is SETTLED.
 */
export async function refundAfterClose(
  client: Client,
  taskQueue: string,
  reference: string,
  request: CashInRefundRequest,
): Promise<CashInRefundAccepted> {
  const lateRun = client.workflow.getHandle(lateEventWorkflowId('CASH_IN', reference));
  const running = await lateRun.describe().then(
    (d) => d.status.name === 'RUNNING',
    (err: unknown) => {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    },
  );
  if (running) return lateRun.executeUpdate(refundCashInUpdate, { args: [request] });
  const record = await latestLifecycleRecord(client, 'CASH_IN', reference);
  if (!record)
    throw new WorkflowNotFoundError(
      `no cash-in has reference ${reference}`,
      cashInWorkflowId(reference),
      undefined,
    );
  if (record.status.state !== 'SETTLED') {
    // Refused as the lifecycle's own validator refuses it, so callers see one kind of refusal.
    throw new WorkflowUpdateFailedError(
      'Workflow Update failed',
      ApplicationFailure.create({
        message: `cash-in is ${record.status.state}; only a SETTLED cash-in can be refunded`,
        nonRetryable: true,
      }),
    );
  }
  const { workflowType, options } = lateRunStart(record, taskQueue);
  return client.workflow.executeUpdateWithStart(refundCashInUpdate, {
    args: [request],
    startWorkflowOperation: new WithStartWorkflowOperation(workflowType, options),
  });
}

const LIFECYCLE_KIND: Record<string, PaymentKind> = {
  cashInWorkflow: 'CASH_IN',
  cashOutWorkflow: 'CASH_OUT',
};

export function lateEventDoor(client: Client, taskQueue: string): LateEventDoor {
  return {
    async settledPage(window: SweepWindow, pageToken: string | null, pageSize: number) {
      const query = [
        `(WorkflowType = 'cashInWorkflow' OR WorkflowType = 'cashOutWorkflow')`,
        `ExecutionStatus = 'Completed'`,
        `PaymentStatus = 'SETTLED'`,
        `TaskQueue = '${taskQueue}'`,
        `CloseTime >= '${window.from}'`,
        `CloseTime < '${window.to}'`,
      ].join(' AND ');
      const response = await client.workflowService.listWorkflowExecutions({
        namespace: client.options.namespace,
        query,
        pageSize,
        ...(pageToken ? { nextPageToken: Buffer.from(pageToken, 'base64') } : {}),
      });
      const payments: SettledPayment[] = [];
      for (const execution of response.executions ?? []) {
        const kind = LIFECYCLE_KIND[execution.type?.name ?? ''];
        const attributes = decodeTypedSearchAttributes(execution.searchAttributes?.indexedFields);
        const reference = attributes.get(SEARCH_ATTRIBUTE_KEYS.PaymentReference);
        if (!kind || !reference) continue;
        payments.push({
          kind,
          reference,
          transactionId: attributes.get(SEARCH_ATTRIBUTE_KEYS.PspTransactionId) ?? null,
        });
      }
      const next = response.nextPageToken;
      return {
        payments,
        nextPageToken: next && next.length > 0 ? Buffer.from(next).toString('base64') : null,
      };
    },

    async alreadyRefunded(kind: PaymentKind, reference: string) {
      try {
        const described = await client.workflow.getHandle(lateEventWorkflowId(kind, reference)).describe();
        return described.typedSearchAttributes.get(SEARCH_ATTRIBUTE_KEYS.PaymentStatus) === 'REFUNDED';
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return false;
        throw err;
      }
    },

    async wake(kind, reference, envelope) {
      await deliverToLateRun(client, taskQueue, kind, reference, envelope);
    },
  };
}

export interface LateEventSweepSchedule {
  taskQueue: string;
  /** LATE_EVENT_SWEEP_INTERVAL_HOURS, LATE_EVENT_WATCH_DAYS, LATE_EVENT_SWEEP_REQUESTS_PER_SECOND. */
  intervalHours: number;
  watchDays: number;
  requestsPerSecond: number;
  paused?: boolean;
}

/** Creates the late-event sweep's Schedule, or brings it to these settings: safe on every worker start. */
export function ensureLateEventSweepSchedule(client: Client, options: LateEventSweepSchedule) {
  const args: [LateEventSweepInput] = [
    {
      intervalHours: options.intervalHours,
      watchDays: options.watchDays,
      requestsPerSecond: options.requestsPerSecond,
    },
  ];
  return ensureSchedule(client, {
    scheduleId: lateEventSweepScheduleId(options.taskQueue),
    spec: { intervals: [{ every: `${options.intervalHours} hours` }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'lateEventSweepWorkflow',
      workflowId: lateEventSweepScheduleId(options.taskQueue),
      taskQueue: options.taskQueue,
      args,
      staticSummary: 'Late-event sweep: refunds and returns whose webhook was lost',
    },
    // A sweep still paging when the next is due is not doubled; one missed while down runs once.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
    note: 'pix-payments late-event sweep',
    ...(options.paused === undefined ? {} : { paused: options.paused }),
  });
}
