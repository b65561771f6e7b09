import type { SearchAttributePair } from '@temporalio/common';
import { SEARCH_ATTRIBUTE_KEYS } from '../domain/search-attributes';
import type { PspEventEnvelope } from '../workflows/messages';
import {
  PARKED_STATUS,
  type ParkedEventInput,
  type ParkedPaymentKind,
  type ParkReason,
  parkedEventWorkflowId,
} from '../workflows/parked-event';
import { lateEventWorkflowId, workflowIdForPspEvent } from '../workflows/workflow-ids';

/** Where an event goes: its lifecycle workflow (null for unknown event types) and, failing that, its parking spot. */
export interface EventRoute {
  lifecycleWorkflowId: string | null;
  /** Where the event goes once its lifecycle has closed (the payment's late-event run). */
  lateWorkflowId: string | null;
  parkedWorkflowId: string;
  kind: ParkedPaymentKind;
  reference: string | null;
}

/** `knownEventType` false: the event goes straight to its parking spot (unknown type, or unreadable). */
export function routeEvent(envelope: PspEventEnvelope, knownEventType: boolean): EventRoute {
  const given = envelope.data.externalReference ?? null;
  const reference = given && given.length > 0 ? given : null;
  const kind = paymentKindOf(envelope.eventType);
  const lifecycleWorkflowId = knownEventType ? workflowIdForPspEvent(envelope) : null;
  return {
    lifecycleWorkflowId,
    lateWorkflowId:
      lifecycleWorkflowId && reference && kind !== 'UNKNOWN' ? lateEventWorkflowId(kind, reference) : null,
    parkedWorkflowId: parkedEventWorkflowId(envelope.data.transactionId, envelope.eventType),
    kind,
    reference,
  };
}

/** What the parked workflow starts with: identifiers only; the envelope (with PII) travels in the signal. */
export function parkedEventInput(
  envelope: PspEventEnvelope,
  route: EventRoute,
  reason: ParkReason,
): ParkedEventInput {
  return {
    transactionId: envelope.data.transactionId,
    eventType: envelope.eventType,
    reason,
    kind: route.kind,
    intendedWorkflowId: workflowIdForPspEvent(envelope),
  };
}

/** Lets the Web UI list parked events: `PaymentStatus = 'PARKED'`, by reference or PSP transaction id. */
export function parkedSearchAttributes(envelope: PspEventEnvelope, route: EventRoute): SearchAttributePair[] {
  return [
    { key: SEARCH_ATTRIBUTE_KEYS.PaymentKind, value: route.kind },
    { key: SEARCH_ATTRIBUTE_KEYS.PaymentStatus, value: PARKED_STATUS },
    { key: SEARCH_ATTRIBUTE_KEYS.PspTransactionId, value: envelope.data.transactionId },
    ...(route.reference ? [{ key: SEARCH_ATTRIBUTE_KEYS.PaymentReference, value: route.reference }] : []),
  ];
}

function paymentKindOf(eventType: string): ParkedPaymentKind {
  if (eventType.startsWith('CASHIN_')) return 'CASH_IN';
  if (eventType.startsWith('CASHOUT_')) return 'CASH_OUT';
  return 'UNKNOWN';
}
