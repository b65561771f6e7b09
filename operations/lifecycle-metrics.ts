/**
 * A workflow interceptor the worker installs around every payment lifecycle: after each
 * activation it compares the lifecycle's PaymentStatus search attribute (which every state change
 * sets, workflows/lifecycle.ts `transition`) with the last one seen, and tells the worker through
 * a sink, which counts starts and outcomes (`pix_lifecycles_*`, worker/metrics.ts). It only reads:
 * no command is added, so histories replay unchanged. Sinks are not called while a history is
 * replayed, so a lifecycle rebuilt after a cache eviction is not counted twice.
 */
import { proxySinks, type Sinks, type WorkflowInterceptorsFactory, workflowInfo } from '@temporalio/workflow';
import { SEARCH_ATTRIBUTE_KEYS } from '../domain/search-attributes';

export interface LifecycleMetricsSinks extends Sinks {
  lifecycleMetrics: {
    /** The first workflow task of a lifecycle (not of a run continued as new). */
    started(kind: string): void;
    /** The lifecycle's PaymentStatus changed to `state`. */
    entered(kind: string, state: string, previous: string | null): void;
  };
}

const { lifecycleMetrics } = proxySinks<LifecycleMetricsSinks>();

function payment(): { kind: string | undefined; state: string | undefined } {
  const attributes = workflowInfo().typedSearchAttributes;
  return {
    kind: attributes.get(SEARCH_ATTRIBUTE_KEYS.PaymentKind),
    state: attributes.get(SEARCH_ATTRIBUTE_KEYS.PaymentStatus),
  };
}

const isPayment = (kind: string | undefined): kind is 'CASH_IN' | 'CASH_OUT' =>
  kind === 'CASH_IN' || kind === 'CASH_OUT';

export const interceptors: WorkflowInterceptorsFactory = () => {
  // Search attributes are decoded by the first activation, not before: everything starts there.
  let previous: string | null = null;
  let firstActivation = true;
  return {
    internals: [
      {
        concludeActivation(input, next) {
          const output = next(input);
          const { kind, state } = payment();
          if (!isPayment(kind)) return output;
          if (firstActivation) {
            firstActivation = false;
            // A run continued as new carries its status over: that is no new state.
            if (workflowInfo().continuedFromExecutionRunId) previous = state ?? null;
            else lifecycleMetrics.started(kind);
          }
          if (state !== undefined && state !== previous) {
            lifecycleMetrics.entered(kind, state, previous);
            previous = state;
          }
          return output;
        },
      },
    ],
  };
};
