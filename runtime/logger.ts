import { isSpanContextValid, context as otelContext, trace } from '@opentelemetry/api';
import type { LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import { DefaultLogger, type LogLevel, Runtime, type TelemetryOptions } from '@temporalio/worker';
import pino, { type Logger } from 'pino';
import type { Config } from './config';

/**
 * Structured JSON logs (pino) for every process. Paths that could carry secrets or PII are
 * redacted even if a caller passes them by mistake. A line written while a trace is active
 * (runtime/tracing.ts) carries its `trace_id` and `span_id`.
 */
export function createLogger(config: Pick<Config, 'LOG_LEVEL'>, name: string): Logger {
  return pino({
    name,
    level: config.LOG_LEVEL,
    // The Temporal SDK logs its errors under `error`: printed with message and stack, not as {}.
    serializers: { error: pino.stdSerializers.err },
    mixin: activeTraceIds,
    redact: {
      paths: [
        '*.clientSecret',
        '*.accessToken',
        '*.authorization',
        '*.cryptoToken',
        '*.applicationToken',
        '*.digitalSignature',
        '*.signature',
        'headers.*',
        '*.document',
        '*.pixKey',
      ],
      censor: '[redacted]',
    },
  });
}

/** The active span's ids, named as OpenTelemetry's log conventions and Temporal's interceptors name them. */
export function activeTraceIds(): { trace_id?: string; span_id?: string } {
  const spanContext = trace.getSpan(otelContext.active())?.spanContext();
  if (!spanContext || !isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}

const TEMPORAL_LEVELS: Record<string, LogLevel> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
  fatal: 'ERROR',
  silent: 'ERROR',
};

export interface TemporalRuntimeOptions {
  /** The SDK's metrics (the worker forwards them to its /metrics, worker/sdk-metrics.ts). */
  telemetryOptions?: TelemetryOptions;
  /** Sees every SDK log entry, workflow `log` calls included, whatever LOG_LEVEL lets through. */
  observeLog?: (level: LogLevel, message: string, meta: LogMetadata | undefined) => void;
}

/** Routes the Temporal SDK's own logs (worker, workflows via `log`, activities) into the pino logger. */
export function installTemporalRuntimeLogger(
  logger: Logger,
  level: Config['LOG_LEVEL'],
  options: TemporalRuntimeOptions = {},
): void {
  const printed = new DefaultLogger(
    TEMPORAL_LEVELS[level] ?? 'INFO',
    ({ level: entryLevel, message, meta }) => {
      const method =
        entryLevel === 'TRACE' ? 'trace' : (entryLevel.toLowerCase() as 'debug' | 'info' | 'warn' | 'error');
      logger[method](meta ?? {}, message);
    },
  );
  const { observeLog } = options;
  Runtime.install({
    logger: observeLog ? observedLogger(printed, observeLog) : printed,
    ...(options.telemetryOptions ? { telemetryOptions: options.telemetryOptions } : {}),
  });
}

function observedLogger(
  inner: TemporalLogger,
  observe: NonNullable<TemporalRuntimeOptions['observeLog']>,
): TemporalLogger {
  const log = (level: LogLevel, message: string, meta?: LogMetadata) => {
    observe(level, message, meta);
    inner.log(level, message, meta);
  };
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}
