/**
 * The workflow interceptor for traces, bundled before those of @temporalio/interceptors-opentelemetry
 * in the traced bundle only (worker/workflow-source.ts `workflowInterceptorModules`). Not a
 * workflow: it changes no command, only the trace context activities carry in their headers, so
 * histories replay as before.
 *
 * - A lifecycle waits for a webhook's signal, then reads the PSP's record and moves the money. The
 *   activities it schedules after a signal are traced under that signal, so one trace runs from
 *   the relay's webhook through the signal to each activity and its ConnectPSP call; otherwise they
 *   would belong to the trace of whoever started the workflow, maybe weeks earlier. Until a timer
 *   wakes the workflow instead (a reconciliation, a deadline): what follows is its own doing, traced
 *   under the workflow's run again.
 */
import * as otel from '@opentelemetry/api';
import { extractContextFromHeaders } from '@temporalio/interceptors-opentelemetry/lib/instrumentation';
import { type WorkflowInterceptorsFactory, workflowInfo } from '@temporalio/workflow';

/** Per run: the trace context of the signal that last woke it (a timer since then clears it). */
const wokenBy = new Map<string, otel.Context>();

function tracedUnderWaker<T>(schedule: () => T): T {
  const signalContext = wokenBy.get(workflowInfo().runId);
  return signalContext ? otel.context.with(signalContext, schedule) : schedule();
}

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [
    {
      handleSignal(input, next) {
        const signalContext = extractContextFromHeaders(input.headers);
        if (signalContext) wokenBy.set(workflowInfo().runId, signalContext);
        return next(input);
      },
    },
  ],
  outbound: [
    {
      scheduleActivity: (input, next) => tracedUnderWaker(() => next(input)),
      scheduleLocalActivity: (input, next) => tracedUnderWaker(() => next(input)),
    },
  ],
  internals: [
    {
      activate(input, next) {
        const jobs = input.activation.jobs ?? [];
        const wokenByTimer = jobs.some((job) => job.fireTimer) && !jobs.some((job) => job.signalWorkflow);
        if (input.batchIndex === 0 && wokenByTimer) wokenBy.delete(workflowInfo().runId);
        next(input);
      },
      dispose(input, next) {
        wokenBy.delete(workflowInfo().runId);
        next(input);
      },
    },
  ],
});
