import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { Cents } from '../domain/money';
import {
  ID_CHARACTERS,
  MAX_USER_ID_LENGTH,
  ValidationError,
  type ValidationProblem,
} from '../domain/validation';
import type { PaymentKind } from '../workflows/start-options';

export const PAYMENT_KINDS: readonly PaymentKind[] = ['CASH_IN', 'CASH_OUT'];
export const MAX_LIST_LIMIT = 1000;

export interface ListPaymentsFilter {
  kind?: PaymentKind;
  /** A lifecycle state as in the status query (AWAITING_PAYMENT, SETTLED, FAILED, ...). */
  status?: string;
  userId?: string;
  /** Started at or after. */
  since?: Date;
  /** Page size, 1..1000; default 50. */
  limit?: number;
  /** The `nextPageToken` of the previous page. */
  pageToken?: string;
}

/** One payment as the visibility store sees it (eventually consistent with the workflow's own status). */
export interface PaymentSummary {
  kind: PaymentKind;
  reference: string;
  userId: string | null;
  amountCents: Cents | null;
  /** The PaymentStatus search attribute: the lifecycle state at the last upsert. */
  status: string | null;
  pspTransactionId: string | null;
  workflowId: string;
  /** Temporal's own execution status: RUNNING, COMPLETED, FAILED, ... */
  executionStatus: string;
  startedAt: string;
  closedAt: string | null;
}

export interface PaymentPage {
  payments: PaymentSummary[];
  /** Absent on the last page. */
  nextPageToken?: string;
}

/** The visibility query of a filter; values are validated first, so none can break out of its quotes. */
export function paymentListQuery(filter: ListPaymentsFilter): string {
  const problems = listFilterProblems(filter);
  if (problems.length > 0) throw new ValidationError(problems);
  const clauses = [
    filter.kind
      ? `PaymentKind = '${filter.kind}'`
      : `PaymentKind IN (${PAYMENT_KINDS.map((k) => `'${k}'`).join(', ')})`,
  ];
  if (filter.status) clauses.push(`PaymentStatus = '${filter.status}'`);
  if (filter.userId) clauses.push(`UserId = '${filter.userId}'`);
  if (filter.since) clauses.push(`StartTime >= '${filter.since.toISOString()}'`);
  return clauses.join(' AND ');
}

export function listFilterProblems(filter: ListPaymentsFilter): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  if (filter.kind !== undefined && !PAYMENT_KINDS.includes(filter.kind)) {
    problems.push({ field: 'kind', rule: `must be one of ${PAYMENT_KINDS.join(', ')}` });
  }
  if (filter.status !== undefined && !/^[A-Z_]{1,40}$/.test(filter.status)) {
    problems.push({ field: 'status', rule: 'must be a state name such as SETTLED or AWAITING_PAYMENT' });
  }
  if (
    filter.userId !== undefined &&
    !(
      filter.userId.length >= 1 &&
      filter.userId.length <= MAX_USER_ID_LENGTH &&
      ID_CHARACTERS.test(filter.userId)
    )
  ) {
    problems.push({ field: 'userId', rule: `must be 1-${MAX_USER_ID_LENGTH} letters, digits and . _ : -` });
  }
  if (filter.since !== undefined && Number.isNaN(filter.since.getTime())) {
    problems.push({ field: 'since', rule: 'must be a valid date' });
  }
  const limit = filter.limit;
  if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 1 && limit <= MAX_LIST_LIMIT)) {
    problems.push({ field: 'limit', rule: `must be an integer 1..${MAX_LIST_LIMIT}` });
  }
  if (filter.pageToken !== undefined && !/^[A-Za-z0-9_-]+$/.test(filter.pageToken)) {
    problems.push({ field: 'pageToken', rule: 'must be a nextPageToken returned by a previous page' });
  }
  return problems;
}

/** One page of payments in the visibility store's order: running ones first, newest first, then closed ones. */
export async function listPaymentPage(client: Client, filter: ListPaymentsFilter): Promise<PaymentPage> {
  const query = paymentListQuery(filter);
  const response = await client.workflowService.listWorkflowExecutions({
    namespace: client.options.namespace,
    query,
    pageSize: filter.limit ?? 50,
    nextPageToken: filter.pageToken ? Buffer.from(filter.pageToken, 'base64url') : undefined,
  });
  const payments = response.executions.map(summaryFromRaw).filter((p): p is PaymentSummary => p !== null);
  const token = response.nextPageToken;
  return token && token.length > 0
    ? { payments, nextPageToken: Buffer.from(token).toString('base64url') }
    : { payments };
}

type RawExecution = Awaited<
  ReturnType<Client['workflowService']['listWorkflowExecutions']>
>['executions'][number];

// Temporal's WorkflowExecutionStatus enum (api/enums/v1/workflow.proto), by number.
const EXECUTION_STATUS_NAMES = [
  'UNSPECIFIED',
  'RUNNING',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TERMINATED',
  'CONTINUED_AS_NEW',
  'TIMED_OUT',
  'PAUSED',
];

function summaryFromRaw(raw: RawExecution): PaymentSummary | null {
  const fields = raw.searchAttributes?.indexedFields ?? {};
  const attribute = (name: string): unknown => {
    const payload = fields[name];
    if (!payload) return null;
    const value: unknown = defaultPayloadConverter.fromPayload(payload);
    // Keyword attributes may come back as one-element lists.
    return Array.isArray(value) ? (value[0] ?? null) : value;
  };
  const kind = attribute('PaymentKind');
  if (kind !== 'CASH_IN' && kind !== 'CASH_OUT') return null;
  const text = (name: string) => {
    const value = attribute(name);
    return typeof value === 'string' ? value : null;
  };
  const amount = attribute('AmountCents');
  return {
    kind,
    reference: text('PaymentReference') ?? '',
    userId: text('UserId'),
    amountCents: typeof amount === 'number' ? amount : null,
    status: text('PaymentStatus'),
    pspTransactionId: text('PspTransactionId'),
    workflowId: raw.execution?.workflowId ?? '',
    executionStatus: EXECUTION_STATUS_NAMES[raw.status ?? 0] ?? 'UNSPECIFIED',
    startedAt: timestampIso(raw.startTime) ?? '',
    closedAt: timestampIso(raw.closeTime),
  };
}

function timestampIso(
  ts: { seconds?: { toString(): string } | null; nanos?: number | null } | null | undefined,
) {
  if (!ts?.seconds) return null;
  return new Date(Number(ts.seconds.toString()) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)).toISOString();
}
