import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import { Pool } from 'pg';
import pino, { type Logger } from 'pino';
import type { z } from 'zod';
import {
  MAX_MOVEMENTS_LIMIT,
  platformMovementRequestSchema,
  REFERENCE_PATHS,
} from '../domain/platform-wallet/reference';
import {
  DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
  verifyWalletSignature,
  WALLET_SIGNATURE_HEADER,
  WALLET_TIMESTAMP_HEADER,
} from '../domain/platform-wallet/signature';
import {
  finaliseRequestSchema,
  movementRequestSchema,
  userIdSchema,
  WALLET_PATHS,
  type WalletProblem,
} from '../domain/platform-wallet/wire';
import { type WalletFault, WalletFaults, walletFaultSchema } from './faults';
import { Refusal } from './refusal';
import { createSchema } from './schema';
import { MOVEMENTS, WalletStore } from './store';

export interface WalletServiceOptions {
  port: number;
  host?: string;
  /** postgres:// URL of the service's own database (created schema if missing). */
  databaseUrl: string;
  /** The secret shared with the worker: every /v1 and /reference request is signed with it. */
  secret: string;
  toleranceSeconds?: number;
  logger?: Logger;
  now?: () => number;
}

export interface RunningWalletService {
  url: string;
  close(): Promise<void>;
}

const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * The reference wallet service: the contract of docs/platform-wallet.openapi.yaml on its own
 * PostgreSQL database, in as little code as it takes, for platform engineers to read. Every request
 * under /v1 and /reference is signed (a bad or stale signature is answered 401 before anything is
 * read or written); /_control (faults, health) changes no balance and is for tests only.
 */
export async function startWalletService(options: WalletServiceOptions): Promise<RunningWalletService> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const pool = new Pool({ connectionString: options.databaseUrl, max: 10 });
  pool.on('error', (err) => logger.warn({ err: err.message }, 'wallet database connection dropped'));
  try {
    await createSchema(pool);
  } catch (err) {
    await pool.end();
    throw err;
  }
  const store = new WalletStore(pool);
  const faults = new WalletFaults();
  const now = options.now ?? Date.now;

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.get('/_control/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.use('/_control', express.json(), controlRoutes(faults));
  app.use(
    express.raw({ type: () => true, limit: '64kb' }),
    signedOnly(options.secret, options.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS, now, logger),
  );

  const movementRoute = (path: string, rule: (typeof MOVEMENTS)[keyof typeof MOVEMENTS]) =>
    app.post(
      path,
      contractCall(faults, async (req) => {
        const m = parse(movementRequestSchema, req);
        return answerTransfer(await store.move(rule, m));
      }),
    );
  movementRoute(WALLET_PATHS.credits, MOVEMENTS.credit);
  movementRoute(WALLET_PATHS.reversals, MOVEMENTS.reversal);
  movementRoute(WALLET_PATHS.holds, MOVEMENTS.hold);
  for (const how of ['POST', 'VOID'] as const) {
    app.post(
      `/v1/holds/:holdId/${how.toLowerCase()}`,
      contractCall(faults, async (req) => {
        const f = parse(finaliseRequestSchema, req);
        return answerTransfer(await store.finalise(how, String(req.params.holdId), f));
      }),
    );
  }
  app.get(
    '/v1/users/:userId/balance',
    contractCall(faults, async (req) => ({ status: 200, body: await store.balance(userIdOf(req)) })),
  );
  app.get(
    WALLET_PATHS.exposure,
    contractCall(faults, async () => ({ status: 200, body: { exposureCents: await store.exposureCents() } })),
  );

  // Beyond the contract: the platform's own movements and the journal, for the demo and the CLI.
  for (const [path, rule, code] of [
    [REFERENCE_PATHS.bets, MOVEMENTS.bet, 'BET'],
    [REFERENCE_PATHS.wins, MOVEMENTS.win, 'WIN'],
  ] as const) {
    app.post(
      path,
      contractCall(faults, async (req) => {
        const m = parse(platformMovementRequestSchema, req);
        return answerTransfer(await store.move(rule, { ...m, code, reference: null }));
      }),
    );
  }
  app.get(
    '/reference/v1/users/:userId/movements',
    contractCall(faults, async (req) => {
      const limit = Number(req.query.limit ?? 20);
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_MOVEMENTS_LIMIT) {
        throw invalid([{ field: 'limit', message: `must be an integer 1..${MAX_MOVEMENTS_LIMIT}` }]);
      }
      return { status: 200, body: { movements: await store.movements(userIdOf(req), limit) } };
    }),
  );

  app.use((req, res) => {
    sendProblem(res, 404, { code: 'NOT_FOUND', detail: `no resource at ${req.method} ${req.path}` });
  });
  app.use(errorHandler(logger));

  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await pool.end();
      })();
      return closing;
    },
  };
}

interface Answer {
  status: number;
  body: unknown;
}

function answerTransfer(transfer: { replayed: boolean }): Answer {
  return { status: transfer.replayed ? 200 : 201, body: transfer };
}

/** Refuses, before anything else, every request whose signature is missing, wrong or outside the window. */
function signedOnly(
  secret: string,
  toleranceSeconds: number,
  now: () => number,
  logger: Logger,
): RequestHandler {
  return (req, res, next) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const verdict = verifyWalletSignature(
      {
        timestamp: req.get(WALLET_TIMESTAMP_HEADER),
        signature: req.get(WALLET_SIGNATURE_HEADER),
        method: req.method,
        path: req.originalUrl,
        body,
      },
      secret,
      { nowMs: now(), toleranceSeconds },
    );
    if (!verdict.ok) {
      logger.warn(
        { method: req.method, path: req.path, reason: verdict.reason },
        'request refused: signature',
      );
      sendProblem(res, 401, { code: 'UNAUTHORIZED', detail: `signature ${verdict.reason}` });
      return;
    }
    next();
  };
}

/** A contract endpoint: faults first, then the work; refusals and bad input become problems. */
function contractCall(faults: WalletFaults, work: (req: Request) => Promise<Answer>): RequestHandler {
  return async (req, res, next) => {
    try {
      const fault = faults.take(req.method, req.path);
      if (fault?.kind === 'error500') {
        sendProblem(res, 500, { code: 'INTERNAL_ERROR', detail: 'injected fault' });
        return;
      }
      if (fault?.kind === 'unknownUser') {
        send(res, asAnswer(new Refusal('UNKNOWN_USER', 'injected fault: no such user')));
        return;
      }
      if (fault?.kind === 'rate429') {
        res.set('Retry-After', String(fault.retryAfterSeconds));
        sendProblem(res, 429, { code: 'RATE_LIMITED', detail: 'injected fault' });
        return;
      }
      let answer = await work(req).catch(asAnswer);
      if (fault?.kind === 'duplicate') answer = await work(req).catch(asAnswer);
      if (fault) playAfterCommit(fault, res, answer);
      else send(res, answer);
    } catch (err) {
      next(err);
    }
  };
}

function playAfterCommit(fault: WalletFault, res: Response, answer: Answer): void {
  if (fault.kind === 'commitThenTimeout') {
    setTimeout(() => res.socket?.destroy(), fault.delayMs).unref();
    return;
  }
  if (fault.kind === 'commitThenGarble') {
    res.status(200).type('application/json').send('{"transferId": "');
    return;
  }
  send(res, answer);
}

function asAnswer(err: unknown): Answer {
  if (err instanceof Refusal) return { status: err.status, body: err.problem };
  throw err;
}

function send(res: Response, answer: Answer): void {
  if (answer.status >= 400) sendProblem(res, answer.status, answer.body as WalletProblem);
  else res.status(answer.status).json(answer.body);
}

function sendProblem(res: Response, status: number, problem: WalletProblem): void {
  res.status(status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

function invalid(problems: Array<{ field: string; message: string }>): Refusal {
  const detail = problems.map((p) => `${p.field}: ${p.message}`).join('; ');
  return new Refusal('INVALID_REQUEST', detail, { problems });
}

function parse<S extends z.ZodType>(schema: S, req: Request): z.infer<S> {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '');
  } catch {
    throw invalid([{ field: '(body)', message: 'must be a JSON object' }]);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw invalid(
      parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message })),
    );
  }
  return parsed.data;
}

function userIdOf(req: Request): string {
  const userId = String(req.params.userId);
  const parsed = userIdSchema.safeParse(userId);
  if (!parsed.success)
    throw invalid([{ field: 'userId', message: parsed.error.issues[0]?.message ?? 'invalid' }]);
  return userId;
}

function controlRoutes(faults: WalletFaults): express.Router {
  const router = express.Router();
  router.post('/faults', (req, res) => {
    const parsed = walletFaultSchema.safeParse(req.body);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => ({
        field: i.path.join('.') || '(body)',
        message: i.message,
      }));
      sendProblem(res, 400, { code: 'INVALID_REQUEST', detail: 'invalid fault', problems });
      return;
    }
    faults.add(parsed.data);
    res.status(201).json(parsed.data);
  });
  router.get('/faults', (_req, res) => {
    res.json(faults.report());
  });
  router.delete('/faults', (_req, res) => {
    faults.clear();
    res.status(204).end();
  });
  return router;
}

function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (err instanceof Refusal) {
      sendProblem(res, err.status, err.problem);
      return;
    }
    if ((err as { type?: string }).type === 'entity.too.large') {
      sendProblem(res, 413, { code: 'INVALID_REQUEST', detail: 'the body is too large' });
      return;
    }
    logger.error({ err, method: req.method, path: req.path }, 'wallet request failed');
    sendProblem(res, 500, { code: 'INTERNAL_ERROR', detail: 'an unexpected error occurred' });
  };
}
