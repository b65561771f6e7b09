/**
 * What a workflow execution cost Temporal, read from its real history: the events it wrote and the
 * billable actions they stand for (Temporal Cloud's action model, docs/capacity.md). Counts every
 * run of a continue-as-new chain.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const EventType = temporal.api.enums.v1.EventType;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The SDK's marker name for a local activity's result. */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';
/** Versioning's own search attribute: exempt from actions. */
const CHANGE_VERSION_ATTRIBUTE = 'TemporalChangeVersion';

export interface HistoryCost {
  events: number;
  actions: number;
  /** Actions by kind, for the failure message and the doc's notes. */
  actionsByKind: Record<string, number>;
}

/**
 * Billable actions in one history: a workflow start (each run), a timer started, a search-attribute
 * upsert (not versioning's), a signal received or sent, an update accepted, every attempt of an
 * activity, and the local activities of one workflow task together. Rejected updates and queries
 * are actions too but leave no event, so they are not in a history's count.
 */
export function costOfHistory(events: HistoryEvent[]): HistoryCost {
  const byKind: Record<string, number> = {};
  const add = (kind: string, n = 1) => {
    byKind[kind] = (byKind[kind] ?? 0) + n;
  };
  const localActivityTasks = new Set<string>();
  for (const event of events) {
    switch (event.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
        add('workflow started');
        break;
      case EventType.EVENT_TYPE_TIMER_STARTED:
        add('timer');
        break;
      case EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: {
        const fields = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields;
        if (Object.keys(fields ?? {}).some((key) => key !== CHANGE_VERSION_ATTRIBUTE))
          add('search attributes');
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
      case EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
        add('signal');
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
        add('update');
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
        add('activity attempt', event.activityTaskStartedEventAttributes?.attempt ?? 1);
        break;
      case EventType.EVENT_TYPE_MARKER_RECORDED: {
        const marker = event.markerRecordedEventAttributes;
        if (marker?.markerName === LOCAL_ACTIVITY_MARKER) {
          localActivityTasks.add(String(marker.workflowTaskCompletedEventId));
        }
        break;
      }
      default:
    }
  }
  if (localActivityTasks.size > 0) add('local activities', localActivityTasks.size);
  const actions = Object.values(byKind).reduce((sum, n) => sum + n, 0);
  return { events: events.length, actions, actionsByKind: byKind };
}

/** Every run of `workflowId` from its first, following continue-as-new. */
export async function costOfWorkflow(client: Client, workflowId: string): Promise<HistoryCost> {
  const total: HistoryCost = { events: 0, actions: 0, actionsByKind: {} };
  const description = await client.workflow.getHandle(workflowId).describe();
  let runId = description.raw.workflowExecutionInfo?.firstRunId || description.runId;
  for (;;) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    const cost = costOfHistory(events);
    total.events += cost.events;
    total.actions += cost.actions;
    for (const [kind, n] of Object.entries(cost.actionsByKind)) {
      total.actionsByKind[kind] = (total.actionsByKind[kind] ?? 0) + n;
    }
    const last = events.at(-1);
    const next = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    if (!next) return total;
    runId = next;
  }
}
