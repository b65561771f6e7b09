import { isSpanContextValid, context as otelContext, trace } from '@opentelemetry/api';
import { DefaultLogger, type LogLevel, Runtime } from '@temporalio/worker';
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

/** Routes the Temporal SDK's own logs (worker, workflows via `log`, activities) into the pino logger. */
export function installTemporalRuntimeLogger(logger: Logger, level: Config['LOG_LEVEL']): void {
  Runtime.install({
    logger: new DefaultLogger(TEMPORAL_LEVELS[level] ?? 'INFO', ({ level: entryLevel, message, meta }) => {
      const method =
        entryLevel === 'TRACE' ? 'trace' : (entryLevel.toLowerCase() as 'debug' | 'info' | 'warn' | 'error');
      logger[method](meta ?? {}, message);
    }),
  });
}
