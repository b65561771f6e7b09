import { OTLPTraceExporter as OtlpJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client';
import type { Config } from './config';

/**
 * OpenTelemetry tracing of a process, with the standard variables (OTEL_EXPORTER_OTLP_ENDPOINT,
 * _PROTOCOL, _HEADERS, OTEL_SERVICE_NAME, OTEL_BSP_SCHEDULE_DELAY), off unless an endpoint is set.
 * Incoming HTTP (the relay's express app), outgoing undici calls (ConnectPSP, the wallet service)
 * and, through @temporalio/interceptors-opentelemetry, Temporal calls, workflows and activities
 * each add their span to one trace (docs/tracing.md).
 */
export interface Tracing {
  enabled: boolean;
  /** Where the worker hands the spans its workflows end (they are made inside the workflow sandbox). */
  spanProcessor: SpanProcessor;
  resource: Resource;
  /** Exports the spans still buffered; call before the process exits. */
  shutdown(): Promise<void>;
}

/** Health and metrics probes would bury the webhooks: their requests make no span. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

export function tracingEnabled(config: Pick<Config, 'OTEL_EXPORTER_OTLP_ENDPOINT'>): boolean {
  return config.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined;
}

/**
 * Starts tracing for this process when configured. The HTTP and express instrumentations patch
 * those modules as they load, so a process that serves HTTP calls this before it loads its server.
 */
export function startTracing(config: Config, serviceName: string): Tracing {
  const resource = new Resource({ 'service.name': config.OTEL_SERVICE_NAME ?? serviceName });
  if (!tracingEnabled(config)) return tracingOff(resource);
  const spanProcessor = new BatchSpanProcessor(traceExporter(config), {
    scheduledDelayMillis: config.OTEL_BSP_SCHEDULE_DELAY,
  });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.has((request.url ?? '').split('?')[0] ?? ''),
      }),
      new ExpressInstrumentation(),
      new UndiciInstrumentation(),
    ],
  });
  return {
    enabled: true,
    spanProcessor,
    resource,
    async shutdown() {
      unregister();
      await provider.shutdown();
    },
  };
}

/** No tracing: spans that workflows still make (their interceptors are in every bundle) are dropped. */
export function tracingOff(resource = new Resource({})): Tracing {
  return { enabled: false, spanProcessor: new NoopSpanProcessor(), resource, shutdown: async () => {} };
}

/** The Temporal client's interceptors: its calls (signals, starts, updates) carry the trace to the workflow. */
export function temporalClientInterceptors(
  config: Pick<Config, 'OTEL_EXPORTER_OTLP_ENDPOINT'>,
): WorkflowClientInterceptor[] {
  return tracingEnabled(config) ? [new OpenTelemetryWorkflowClientInterceptor()] : [];
}

/** OTLP over HTTP at `<endpoint>/v1/traces`, as the specification derives it from the base endpoint. */
function traceExporter(config: Config) {
  const base = (config.OTEL_EXPORTER_OTLP_ENDPOINT as string).replace(/\/$/, '');
  const options = { url: `${base}/v1/traces`, headers: otlpHeaders(config.OTEL_EXPORTER_OTLP_HEADERS) };
  return config.OTEL_EXPORTER_OTLP_PROTOCOL === 'http/json'
    ? new OtlpJsonTraceExporter(options)
    : new OtlpProtobufTraceExporter(options);
}

/** `key=value,key2=value2`, values percent-encoded (the specification's format). */
export function otlpHeaders(value: string | undefined): Record<string, string> {
  if (!value) return {};
  return Object.fromEntries(
    value.split(',').map((pair) => {
      const at = pair.indexOf('=');
      return [decodeURIComponent(pair.slice(0, at).trim()), decodeURIComponent(pair.slice(at + 1).trim())];
    }),
  );
}
