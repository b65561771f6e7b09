/**
 * A PSP event no lifecycle can take — its workflow does not exist or has closed, or its event type
 * is unknown — kept visible until an operator resolves it. The relay signal-with-starts it under
 * `parked:<transactionId>:<eventType>`, so every redelivery of the same event lands here, counted,
 * instead of being dropped.
 */
import {
  condition,
  continueAsNew,
  defineQuery,
  defineUpdate,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { SEARCH_ATTRIBUTE_KEYS } from '../domain/search-attributes';
import { type PspEventEnvelope, pspEventSignal } from './messages';

export const PARKED_STATUS = 'PARKED';
export const RESOLVED_STATUS = 'RESOLVED';

/**
 * NO_WORKFLOW: `cash-in:<ref>` / `cash-out:<ref>` does not exist or has closed; UNKNOWN_EVENT_TYPE:
 * no lifecycle handles it; UNREADABLE_EVENT: a signed body the relay cannot read (kept as received).
 */
export type ParkReason = 'NO_WORKFLOW' | 'UNKNOWN_EVENT_TYPE' | 'UNREADABLE_EVENT';

export type ParkedPaymentKind = 'CASH_IN' | 'CASH_OUT' | 'UNKNOWN';

export interface ParkedEventInput {
  transactionId: string;
  eventType: string;
  reason: ParkReason;
  kind: ParkedPaymentKind;
  /** The workflow the event was meant for, when its type names one. */
  intendedWorkflowId: string | null;
  /** Set only by the workflow itself when it continues as new. */
  resume?: ParkedEventState;
}

export interface ParkedEventResolution {
  /** Why the operator considers it handled (free text, required). */
  note: string;
  resolvedBy?: string;
}

export interface ParkedEventState {
  transactionId: string;
  eventType: string;
  reason: ParkReason;
  kind: ParkedPaymentKind;
  intendedWorkflowId: string | null;
  /** The first delivery's envelope, as received (later ones are the same event). */
  envelope: PspEventEnvelope | null;
  deliveries: number;
  /** ISO-8601, workflow time. */
  firstDeliveredAt: string | null;
  lastDeliveredAt: string | null;
  resolution: (ParkedEventResolution & { at: string }) | null;
}

export const parkedEventQuery = defineQuery<ParkedEventState>('parkedEvent');

/** Marks the event handled; the workflow then completes with its final state. */
export const resolveParkedEventUpdate = defineUpdate<ParkedEventState, [ParkedEventResolution]>(
  'resolveParkedEvent',
);

/** `parked:<transactionId>:<eventType>`: one workflow per PSP event, whatever the number of deliveries. */
export function parkedEventWorkflowId(transactionId: string, eventType: string): string {
  return `parked:${transactionId}:${eventType}`;
}

export async function parkedEventWorkflow(input: ParkedEventInput): Promise<ParkedEventState> {
  const state: ParkedEventState = input.resume ?? {
    transactionId: input.transactionId,
    eventType: input.eventType,
    reason: input.reason,
    kind: input.kind,
    intendedWorkflowId: input.intendedWorkflowId,
    envelope: null,
    deliveries: 0,
    firstDeliveredAt: null,
    lastDeliveredAt: null,
    resolution: null,
  };

  setHandler(pspEventSignal, (envelope) => {
    const now = new Date().toISOString();
    state.envelope ??= envelope;
    state.firstDeliveredAt ??= now;
    state.lastDeliveredAt = now;
    state.deliveries += 1;
  });
  setHandler(parkedEventQuery, () => state);
  setHandler(
    resolveParkedEventUpdate,
    (resolution) => {
      state.resolution = { ...resolution, note: resolution.note.trim(), at: new Date().toISOString() };
      return state;
    },
    {
      validator: (resolution) => {
        if (state.resolution) throw new Error('the parked event is already resolved');
        if (typeof resolution?.note !== 'string' || resolution.note.trim() === '') {
          throw new Error('a resolution needs a non-empty note');
        }
      },
    },
  );

  // A PSP that keeps redelivering grows the history; carry the state over before it gets large.
  await condition(() => state.resolution !== null || workflowInfo().continueAsNewSuggested);
  if (state.resolution === null) {
    return continueAsNew<typeof parkedEventWorkflow>({ ...input, resume: state });
  }
  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTE_KEYS.PaymentStatus, value: RESOLVED_STATUS }]);
  return state;
}
