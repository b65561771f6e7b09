/**
 * Start options of a payment workflow, pure so the client library, the CLI and the tests build
 * them the same way: business-keyed id, never a second lifecycle for one reference, search
 * attributes set from the first event, and a summary readable in the Web UI list.
 */
import type { SearchAttributePair } from '@temporalio/common';
import { formatBrl } from '../domain/money';
import { SEARCH_ATTRIBUTE_KEYS } from '../domain/search-attributes';
import { cashInWorkflowId, cashOutWorkflowId, lateEventWorkflowId } from './workflow-ids';

export type PaymentKind = 'CASH_IN' | 'CASH_OUT';

export interface PaymentStartRequest {
  kind: PaymentKind;
  reference: string;
  userId: string;
  amountCents: number;
  /** Payer (cash-in) or payee (cash-out) name; only its masked form leaves this function. */
  counterpartyName: string;
  taskQueue: string;
}

export interface PaymentStartOptions {
  workflowId: string;
  taskQueue: string;
  /** A second start of a running reference attaches to it (update-with-start needs a conflict policy). */
  workflowIdConflictPolicy: 'USE_EXISTING';
  /** A finished reference is never started again. */
  workflowIdReusePolicy: 'REJECT_DUPLICATE';
  staticSummary: string;
  typedSearchAttributes: SearchAttributePair[];
}

export function paymentStartOptions(request: PaymentStartRequest): PaymentStartOptions {
  const workflowId =
    request.kind === 'CASH_IN' ? cashInWorkflowId(request.reference) : cashOutWorkflowId(request.reference);
  const label = request.kind === 'CASH_IN' ? 'Cash-in' : 'Cash-out';
  return {
    workflowId,
    taskQueue: request.taskQueue,
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    staticSummary: `${label} ${formatBrl(request.amountCents)} · ${maskName(request.counterpartyName)}`,
    typedSearchAttributes: [
      { key: SEARCH_ATTRIBUTE_KEYS.PaymentKind, value: request.kind },
      { key: SEARCH_ATTRIBUTE_KEYS.PaymentReference, value: request.reference },
      { key: SEARCH_ATTRIBUTE_KEYS.UserId, value: request.userId },
      { key: SEARCH_ATTRIBUTE_KEYS.AmountCents, value: request.amountCents },
    ],
  };
}

/** "Ana Maria Souza" → "Ana S***": enough to recognise a payment in a list, not to identify a person. */
export function maskName(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const first = words[0];
  if (!first) return '***';
  const last = words.length > 1 ? words[words.length - 1] : undefined;
  return last ? `${first} ${last.charAt(0).toUpperCase()}***` : first;
}

/**
 * Start options of a payment's late-event run (signal-with-start from the relay and the sweep,
 * update-with-start from the client): a running one takes the message, a closed one makes room
 * for a new run (each later occurrence gets its own short run).
 */
export function lateEventStartOptions(kind: PaymentKind, reference: string, taskQueue: string) {
  return {
    workflowId: lateEventWorkflowId(kind, reference),
    taskQueue,
    workflowIdConflictPolicy: 'USE_EXISTING' as const,
    workflowIdReusePolicy: 'ALLOW_DUPLICATE' as const,
    staticSummary: `${kind === 'CASH_IN' ? 'Cash-in' : 'Cash-out'} ${reference}: after settlement`,
    typedSearchAttributes: [
      { key: SEARCH_ATTRIBUTE_KEYS.PaymentKind, value: kind },
      { key: SEARCH_ATTRIBUTE_KEYS.PaymentReference, value: reference },
    ] satisfies SearchAttributePair[],
  };
}
