import * as otel from '@opentelemetry/api';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/worker';
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry/lib/workflow/definitions';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { Tracing } from '../runtime/tracing';
import { paymentReferenceOf } from '../workflows/log-context-interceptors';

/**
 * What a worker needs for traces and log context (runtime/tracing.ts, docs/tracing.md): the sink
 * the bundled workflow interceptors send their spans to (registered even with tracing off, where
 * it drops them, since every bundle carries those interceptors), the activity interceptors, and
 * the workflow interceptor modules when the worker bundles its workflows itself.
 */
export function workerTelemetry(tracing: Pick<Tracing, 'enabled' | 'spanProcessor' | 'resource'>) {
  return {
    sinks: workflowSpanSinks(tracing),
    activityInterceptors: activityInterceptors(tracing.enabled),
  };
}

export function workflowSpanSinks(
  tracing: Pick<Tracing, 'spanProcessor' | 'resource'>,
): InjectedSinks<OpenTelemetrySinks> {
  return { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) };
}

/**
 * Every activity log line names its payment reference. With tracing on, each activity is a span,
 * and the lines the SDK writes once it has ended ("Activity completed", "Activity failed") carry
 * its trace and span ids too (only "Activity started", written before it begins, cannot).
 */
function activityInterceptors(traced: boolean): ActivityInterceptorsFactory[] {
  const logContext: ActivityInterceptorsFactory = (ctx) => {
    let activitySpan: otel.SpanContext | undefined;
    return {
      inbound: {
        execute(input, next) {
          activitySpan = otel.trace.getSpan(otel.context.active())?.spanContext();
          return next(input);
        },
      },
      outbound: {
        getLogAttributes(input, next) {
          const paymentReference = paymentReferenceOf(ctx.info.workflowExecution?.workflowId ?? '');
          const traceIds =
            activitySpan && input.trace_id === undefined
              ? { trace_id: activitySpan.traceId, span_id: activitySpan.spanId }
              : {};
          return next({
            ...(paymentReference === undefined ? {} : { paymentReference }),
            ...traceIds,
            ...input,
          });
        },
      },
    };
  };
  if (!traced) return [logContext];
  return [
    // Outermost: logContext's execute runs inside the activity's span.
    (ctx) => ({
      inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
      outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
    }),
    logContext,
  ];
}
