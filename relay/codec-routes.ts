import type { Payload, PayloadCodec } from '@temporalio/common';
import express, { type RequestHandler, Router } from 'express';
import { z } from 'zod';
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

/**
 * `POST /codec/encode` and `/codec/decode` for the Temporal Web UI and CLI (`--codec-endpoint`),
 * with CORS for the UI's origins. Anyone who can reach this decrypts payloads: expose it only
 * where the Web UI's users are, never on the PSP-facing address (docs/relay.md).
 */
export function codecRoutes(codec: PayloadCodec, corsOrigins: readonly string[]): Router {
  const router = Router();
  router.use(cors(corsOrigins));
  router.options(['/encode', '/decode'], (_req, res) => {
    res.status(204).end();
  });
  for (const operation of ['encode', 'decode'] as const) {
    router.post(`/${operation}`, express.json({ limit: MAX_CODEC_BODY }), async (req, res) => {
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
        payloads = await codec[operation](request.data.payloads.map(fromJson));
      } catch (err) {
        sendProblem(res, new RelayProblem(400, 'INVALID_PAYLOAD', (err as Error).message));
        return;
      }
      res.json({ payloads: payloads.map(toJson) });
    });
  }
  return router;
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
