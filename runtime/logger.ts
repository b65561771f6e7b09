import { DefaultLogger, type LogLevel, Runtime } from '@temporalio/worker';
import pino, { type Logger } from 'pino';
import type { Config } from './config';

/**
 * Structured JSON logs (pino) for every process. Paths that could carry secrets or PII are
 * redacted even if a caller passes them by mistake.
 */
export function createLogger(config: Pick<Config, 'LOG_LEVEL'>, name: string): Logger {
  return pino({
    name,
    level: config.LOG_LEVEL,
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
