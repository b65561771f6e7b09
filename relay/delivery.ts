import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { deliverToLateRun } from '../runtime/late-event-door';
import { type PspEventEnvelope, pspEventSignal } from '../workflows/messages';
import { type ParkReason, parkedEventWorkflow } from '../workflows/parked-event';
import { settledBy } from './deadline';
import { type EventRoute, parkedEventInput, parkedSearchAttributes } from './routing';

export type Delivery =
  | { outcome: 'delivered'; workflowId: string }
  | { outcome: 'parked'; workflowId: string; reason: ParkReason };

/**
 * Hands one event to Temporal: the `pspEvent` signal to its lifecycle workflow, or, when that
 * workflow does not exist or has closed (or the event type has no lifecycle), signal-with-start of
 * its parked-event workflow. Resolves only once the server has durably recorded the signal; every
 * call inside runs under one deadline, so the caller can still answer the PSP in time.
 */
export async function deliverEvent(
  client: Client,
  taskQueue: string,
  envelope: PspEventEnvelope,
  route: EventRoute,
  deadline: number,
  /** Why it is parked when no lifecycle takes it; default from the route. */
  parkReason?: ParkReason,
): Promise<Delivery> {
  const delivery = client.withDeadline(deadline, async (): Promise<Delivery> => {
    if (route.lifecycleWorkflowId) {
      try {
        await client.workflow.getHandle(route.lifecycleWorkflowId).signal(pspEventSignal, envelope);
        return { outcome: 'delivered', workflowId: route.lifecycleWorkflowId };
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
      if (route.lateWorkflowId && route.reference && route.kind !== 'UNKNOWN') {
        const late = await deliverToLateRun(client, taskQueue, route.kind, route.reference, envelope);
        if (late === 'delivered') return { outcome: 'delivered', workflowId: route.lateWorkflowId };
        // A late duplicate of what the closed payment already recorded: acknowledged, nothing to do.
        if (late === 'already-known') return { outcome: 'delivered', workflowId: route.lifecycleWorkflowId };
      }
    }
    const reason: ParkReason =
      parkReason ?? (route.lifecycleWorkflowId ? 'NO_WORKFLOW' : 'UNKNOWN_EVENT_TYPE');
    await client.workflow.signalWithStart(parkedEventWorkflow, {
      workflowId: route.parkedWorkflowId,
      taskQueue,
      args: [parkedEventInput(envelope, route, reason)],
      signal: pspEventSignal,
      signalArgs: [envelope],
      typedSearchAttributes: parkedSearchAttributes(envelope, route),
      staticSummary: `Parked ${envelope.eventType} · ${route.reference ?? envelope.data.transactionId}`,
    });
    return { outcome: 'parked', workflowId: route.parkedWorkflowId, reason };
  });
  return settledBy(delivery, deadline);
}
