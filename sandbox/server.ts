import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler } from 'express';
import pino, { type Logger } from 'pino';
import { parseConfig, SANDBOX_CREDENTIALS } from '../runtime/config';
import { scheduleAutoPay } from './cash-ins';
import { scheduleSettlement } from './cash-outs';
import type { SandboxContext, SandboxCredentials } from './context';
import { controlRoutes } from './control';
import { FaultRegistry, faultMiddleware } from './faults';
import { IdempotencyStore } from './idempotency';
import { jsonBody } from './json-body';
import { ProblemError, sendProblem } from './problem';
import type { Behaviour } from './records';
import { RequestLog } from './request-log';
import { accountRoutes } from './routes/account';
import { authRoutes } from './routes/auth';
import { cashInRoutes } from './routes/cash-in';
import { cashOutRoutes } from './routes/cash-out';
import { SandboxState } from './state';
import { TimerSet } from './timers';
import { DOCUMENTED_INITIAL_WALLET, type InitialWallet, Wallet } from './wallet';
import { WebhookDispatcher } from './webhooks';

export interface SandboxOptions {
  port?: number; // 0 = free port; default from config SANDBOX_PORT
  host?: string; // default 127.0.0.1
  tokenTtlSeconds?: number; // default 3600
  webhookRetryScheduleMs?: number[]; // delays between webhook attempts
  webhookTimeoutMs?: number; // default 5000
  stateFile?: string; // persist state to this file, a JSON Lines log (optional)
  credentials?: SandboxCredentials; // default SANDBOX_CREDENTIALS
  /** Behaviour at start and after POST /_sandbox/reset (default: everything manual, no failure rules). */
  behaviour?: Partial<Behaviour>;
  /** What a fresh (or reset) sandbox's wallet holds; default: ConnectPSP's documented example. */
  initialWallet?: InitialWallet;
  /** Default: silent. */
  logger?: Logger;
}

export interface RunningSandbox {
  url: string;
  close(): Promise<void>;
}

/** Larger request bodies get 400 INVALID_REQUEST (no ConnectPSP body comes near it). */
export const MAX_BODY_BYTES = 1024 * 1024;

export const DEFAULT_WEBHOOK_RETRY_SCHEDULE_MS = [1000, 2000, 4000, 8000, 16000, 32000, 64000];
export const DEFAULT_BEHAVIOUR: Behaviour = {
  autoPayCashInAfterMs: null,
  autoCompleteCashOutAfterMs: null,
  failureRules: [],
};

export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const timers = new TimerSet(logger);
  const faults = new FaultRegistry();
  const credentials = options.credentials ?? { ...SANDBOX_CREDENTIALS };
  const state = SandboxState.open(
    options.stateFile,
    { ...DEFAULT_BEHAVIOUR, ...options.behaviour },
    options.initialWallet ?? DOCUMENTED_INITIAL_WALLET,
  );
  const ctx: SandboxContext = {
    state,
    wallet: new Wallet(() => state.banks),
    webhooks: new WebhookDispatcher({
      cryptoToken: credentials.cryptoToken,
      retryScheduleMs: options.webhookRetryScheduleMs ?? DEFAULT_WEBHOOK_RETRY_SCHEDULE_MS,
      timeoutMs: options.webhookTimeoutMs ?? 5000,
      faults,
      timers,
      logger,
    }),
    faults,
    timers,
    idempotency: new IdempotencyStore(state),
    requestLog: new RequestLog(),
    credentials,
    tokenTtlSeconds: options.tokenTtlSeconds ?? 3600,
    logger,
  };

  for (const record of state.cashIns.all()) scheduleAutoPay(ctx, record);
  for (const record of state.cashOuts.all()) scheduleSettlement(ctx, record);

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((req, res, next) => {
    const started = Date.now();
    res.on('close', () => {
      const status = res.headersSent ? res.statusCode : null;
      logger.debug(
        { method: req.method, path: req.path, status, ms: Date.now() - started },
        'sandbox request',
      );
    });
    next();
  });
  app.use('/_sandbox', jsonBody(MAX_BODY_BYTES), controlRoutes(ctx));
  // Faults after the body is read: they may match the payment's reference in it.
  app.use(ctx.requestLog.middleware(), jsonBody(MAX_BODY_BYTES), faultMiddleware(faults));
  app.use(authRoutes(ctx), cashInRoutes(ctx), cashOutRoutes(ctx), accountRoutes(ctx));
  app.use((req, res) => {
    sendProblem(res, new ProblemError(404, 'NOT_FOUND', `No resource at ${req.method} ${req.path}`));
  });
  app.use(errorHandler(logger));

  const server = createServer(app);
  const port = options.port ?? parseConfig().SANDBOX_PORT;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      closing ??= (async () => {
        timers.close();
        await ctx.webhooks.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        state.close();
      })();
      return closing;
    },
  };
}

function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (err instanceof ProblemError) {
      sendProblem(res, err);
      return;
    }
    logger.error({ err, method: req.method, path: req.path }, 'sandbox request failed');
    sendProblem(res, new ProblemError(500, 'INTERNAL_ERROR', 'An unexpected error occurred'));
  };
}
