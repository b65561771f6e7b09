import type { Payload, PayloadCodec } from '@temporalio/common';
import express, { type Express, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { type CodecAuthenticator, type CodecCaller, isLocalRequest } from './codec-auth';
import { RelayProblem, sendProblem } from './problem';

/** Temporal's remote codec protocol: proto3 JSON payloads, bytes as base64. */
const codecRequestSchema = z.object({
  payloads: z.array(
    z.object({
      metadata: z.record(z.string(), z.base64()).nullish(),
      data: z.base64().nullish(),
    }),
  ),
});
type JsonPayload = z.infer<typeof codecRequestSchema>['payloads'][number];

/** Payloads in a history batch can be large (Temporal allows 2 MB each). */
const MAX_CODEC_BODY = '8mb';
const ALLOWED_HEADERS = 'Content-Type, X-Namespace, Authorization';

export interface CodecAppDeps {
  codec: PayloadCodec;
  /** Bearer tokens; undefined when only local requests are served. */
  authenticate?: CodecAuthenticator;
  /** CODEC_LOCAL_NO_AUTH: requests from this machine need no token (codec-auth.ts `isLocalRequest`). */
  servesLocalRequestsWithoutToken?: boolean;
  /** Web UI origins allowed to call from the browser. */
  corsOrigins: readonly string[];
  logger: Logger;
}

/**
 * `POST /encode` and `/decode` for the Temporal Web UI and CLI (`--codec-endpoint`), on a listener
 * of their own (never the webhook's): whoever may call it can read every payload, so each call
 * needs a bearer token (codec-auth.ts), or with CODEC_LOCAL_NO_AUTH (sandbox only) to come from
 * this machine. Preflights are answered without one, as browsers send none.
 */
export function createCodecApp(deps: CodecAppDeps): Express {
  const allowedOrigins = new Set(deps.corsOrigins);
  const callerOf = async (req: express.Request): Promise<CodecCaller | null> => {
    if (
      deps.servesLocalRequestsWithoutToken &&
      isLocalRequest(req.get('host'), req.get('origin'), allowedOrigins)
    ) {
      return { via: 'local' };
    }
    return (await deps.authenticate?.(req.get('authorization'))) ?? null;
  };
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(cors(deps.corsOrigins));
  app.options(['/encode', '/decode'], (_req, res) => {
    res.status(204).end();
  });
  for (const operation of ['encode', 'decode'] as const) {
    app.post(`/${operation}`, async (req, res, next) => {
      const caller = await callerOf(req);
      if (!caller) {
        deps.logger.warn({ operation, status: 401 }, 'codec request refused');
        res.setHeader('WWW-Authenticate', 'Bearer');
        sendProblem(
          res,
          new RelayProblem(401, 'UNAUTHORIZED', 'A valid Authorization: Bearer token is required'),
        );
        return;
      }
      express.json({ limit: MAX_CODEC_BODY })(req, res, async (bodyError?: unknown) => {
        if (bodyError) {
          next(bodyError);
          return;
        }
        const request = codecRequestSchema.safeParse(req.body);
        if (!request.success) {
          sendProblem(
            res,
            new RelayProblem(400, 'INVALID_PAYLOAD', 'Expected {"payloads": [{metadata, data}]}'),
          );
          return;
        }
        let payloads: Payload[];
        try {
          payloads = await deps.codec[operation](request.data.payloads.map(fromJson));
        } catch (err) {
          sendProblem(res, new RelayProblem(400, 'INVALID_PAYLOAD', (err as Error).message));
          return;
        }
        deps.logger.info(
          { operation, payloads: payloads.length, namespace: req.get('x-namespace'), caller },
          'codec request',
        );
        res.json({ payloads: payloads.map(toJson) });
      });
    });
  }
  app.use((req, res) => {
    sendProblem(res, new RelayProblem(404, 'NOT_FOUND', `No resource at ${req.method} ${req.path}`));
  });
  return app;
}

function cors(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins);
  return (req, res, next) => {
    const origin = req.headers.origin;
    res.vary('Origin');
    if (origin && allowed.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      res.setHeader('Access-Control-Max-Age', '600');
    }
    next();
  };
}

function fromJson(payload: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([name, value]) => [name, Buffer.from(value, 'base64')]),
    ),
    data: Buffer.from(payload.data ?? '', 'base64'),
  };
}

function toJson(payload: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([name, value]) => [
        name,
        Buffer.from(value).toString('base64'),
      ]),
    ),
    data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
  };
}
