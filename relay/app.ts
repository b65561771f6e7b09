import type { Client } from '@temporalio/client';
import express, { type ErrorRequestHandler, type Express, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { HEADERS } from '../domain/connectpsp/common';
import { isJsonContentType } from '../domain/strict-json';
import { settledBy } from './deadline';
import { deliverEvent } from './delivery';
import { parseWebhookBody } from './envelope';
import type { RelayMetrics, WebhookOutcome } from './metrics';
import { RelayProblem, sendProblem } from './problem';
import { routeEvent } from './routing';
import { isValidWebhookSignature } from './signature';

export interface RelayDeps {
  /** Temporal client; its data converter must be the workers' (payload encryption). */
  client: Client;
  /** Where parked-event workflows run (TEMPORAL_TASK_QUEUE). */
  taskQueue: string;
  cryptoToken: string;
  logger: Logger;
  metrics: RelayMetrics;
  webhookPath: string;
  maxBodyBytes: number;
  /** Budget from receiving a webhook to Temporal's acknowledgement; below the PSP's 5 s. */
  signalDeadlineMs: number;
  /**
   * Most events handed to Temporal at once; beyond it a webhook gets 503 RELAY_BUSY at once, so a
   * slow Temporal holds at most this many connections (RELAY_MAX_IN_FLIGHT).
   */
  maxInFlight: number;
  /** Budget of the /readyz probe of Temporal. */
  readinessTimeoutMs?: number;
  /** True once shutdown began: /readyz fails so load balancers stop sending. */
  isShuttingDown?: () => boolean;
}

/**
 * The relay's HTTP surface facing ConnectPSP: the webhook, health, readiness and Prometheus
 * metrics. It never answers 2xx to a webhook Temporal has not durably accepted. The payload codec
 * is not here: it listens on its own address (codec-routes.ts).
 */
export function createRelayApp(deps: RelayDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.post(deps.webhookPath, webhookHandler(deps));
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/readyz', async (_req, res) => {
    const temporal = await temporalReachable(deps);
    const ready = temporal && !deps.isShuttingDown?.();
    res
      .status(ready ? 200 : 503)
      .json({ ok: ready, temporal, shuttingDown: deps.isShuttingDown?.() ?? false });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  app.use((req, res) => {
    sendProblem(res, new RelayProblem(404, 'NOT_FOUND', `No resource at ${req.method} ${req.path}`));
  });
  app.use(errorHandler(deps.logger));
  return app;
}

const OUTCOME_OF_STATUS: Record<number, WebhookOutcome> = {
  400: 'invalid',
  401: 'unauthorized',
  413: 'too_large',
  415: 'invalid',
  503: 'unavailable',
};

/** `Retry-After` of a 503: a busy relay frees up within a second; Temporal's recovery takes longer. */
const RETRY_AFTER_BUSY_SECONDS = 1;
const RETRY_AFTER_UNAVAILABLE_SECONDS = 5;

function webhookHandler(deps: RelayDeps) {
  const readBody = express.raw({ type: () => true, limit: deps.maxBodyBytes });
  let inFlight = 0;
  return (req: Request, res: Response): void => {
    const receivedAt = performance.now();
    const deadline = Date.now() + deps.signalDeadlineMs;
    const eventId = req.get(HEADERS.webhookEventId);
    const finish = (
      status: number,
      outcome: WebhookOutcome,
      fields: Record<string, unknown>,
      body?: unknown,
    ) => {
      if (body !== undefined) res.status(status).json(body);
      const latencyMs = performance.now() - receivedAt;
      deps.metrics.observe(outcome, latencyMs / 1000);
      const level = status < 400 ? 'info' : status >= 500 ? 'error' : 'warn';
      deps.logger[level](
        { outcome, status, eventId, latencyMs: Math.round(latencyMs), ...fields },
        'webhook',
      );
    };
    const reject = (problem: RelayProblem, fields: Record<string, unknown> = {}) => {
      sendProblem(res, problem);
      finish(problem.status, OUTCOME_OF_STATUS[problem.status] ?? 'error', { code: problem.code, ...fields });
    };

    readBody(req, res, (bodyError?: unknown) => {
      if (bodyError) {
        reject(bodyProblem(bodyError, deps.maxBodyBytes));
        return;
      }
      const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const signature = req.get(HEADERS.webhookSignature);
      if (signature === undefined) {
        reject(new RelayProblem(401, 'MISSING_SIGNATURE', 'The X-Connect-Signature header is required'));
        return;
      }
      if (!isValidWebhookSignature(rawBody, signature, deps.cryptoToken)) {
        reject(new RelayProblem(401, 'INVALID_SIGNATURE', 'X-Connect-Signature does not match the body'));
        return;
      }
      if (!isJsonContentType(req.get('content-type'))) {
        reject(
          new RelayProblem(415, 'UNSUPPORTED_MEDIA_TYPE', 'The body must be JSON', [
            { field: 'Content-Type', message: 'must be application/json' },
          ]),
        );
        return;
      }
      let fields: Record<string, unknown> = {};
      try {
        const parsed = parseWebhookBody(rawBody);
        const { envelope } = parsed;
        const route = routeEvent(envelope, parsed.readable && parsed.knownEventType);
        fields = {
          eventType: envelope.eventType,
          transactionId: envelope.data.transactionId,
          reference: route.reference,
          ...(parsed.readable ? {} : { problems: parsed.problems }),
        };
        const parkReason = parsed.readable ? undefined : 'UNREADABLE_EVENT';
        // What made a signed body unreadable is answered too: the sender sees what to fix.
        const errors = parsed.readable ? {} : { errors: parsed.problems };
        if (inFlight >= deps.maxInFlight) {
          const problem = new RelayProblem(
            503,
            'RELAY_BUSY',
            `${inFlight} events are being handed to Temporal already`,
            undefined,
            RETRY_AFTER_BUSY_SECONDS,
          );
          sendProblem(res, problem);
          finish(503, 'busy', { ...fields, code: problem.code });
          return;
        }
        deps.metrics.setInFlight(++inFlight);
        const delivered = deliverEvent(deps.client, deps.taskQueue, envelope, route, deadline, parkReason);
        delivered.finally(() => deps.metrics.setInFlight(--inFlight)).catch(() => undefined);
        delivered.then(
          (delivery) =>
            finish(
              200,
              delivery.outcome,
              { ...fields, ...delivery },
              { received: true, ...delivery, ...errors },
            ),
          (err: unknown) =>
            reject(
              new RelayProblem(
                503,
                'TEMPORAL_UNAVAILABLE',
                'The event could not be handed to Temporal in time',
                undefined,
                RETRY_AFTER_UNAVAILABLE_SECONDS,
              ),
              { ...fields, error: describeError(err) },
            ),
        );
      } catch (err) {
        if (err instanceof RelayProblem) reject(err, { ...fields, errors: err.errors });
        else
          reject(new RelayProblem(500, 'INTERNAL_ERROR', 'Unexpected error'), { error: describeError(err) });
      }
    });
  };
}

function bodyProblem(err: unknown, maxBodyBytes: number): RelayProblem {
  const type = (err as { type?: string }).type;
  if (type === 'entity.too.large') {
    return new RelayProblem(413, 'PAYLOAD_TOO_LARGE', `The body exceeds ${maxBodyBytes} bytes`, [
      { field: '(body)', message: `must be at most ${maxBodyBytes} bytes` },
    ]);
  }
  return new RelayProblem(400, 'UNREADABLE_BODY', 'The request body could not be read', [
    { field: '(body)', message: 'must be readable' },
  ]);
}

async function temporalReachable(deps: RelayDeps): Promise<boolean> {
  try {
    const deadline = Date.now() + (deps.readinessTimeoutMs ?? 1_000);
    await settledBy(
      deps.client.withDeadline(deadline, () => deps.client.connection.workflowService.getSystemInfo({})),
      deadline,
    );
    return true;
  } catch {
    return false;
  }
}

/** Error name, gRPC code and message only: never a request body or header. */
function describeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) };
  const code = (err as { code?: unknown }).code;
  const cause = err.cause instanceof Error ? err.cause.message : undefined;
  return {
    name: err.name,
    message: err.message,
    ...(code === undefined ? {} : { code }),
    ...(cause ? { cause } : {}),
  };
}

function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    logger.error({ error: describeError(err), method: req.method, path: req.path }, 'relay request failed');
    sendProblem(res, new RelayProblem(500, 'INTERNAL_ERROR', 'Unexpected error'));
  };
}
