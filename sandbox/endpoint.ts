import { setTimeout as sleep } from 'node:timers/promises';
import type { Request, RequestHandler } from 'express';
import { HEADERS } from '../domain/connectpsp';
import type { SandboxContext } from './context';
import { requestFaults } from './faults';
import { requestFingerprint, type StoredResponse } from './idempotency';
import { ProblemError, sendProblem } from './problem';

export type Operation = (req: Request) => StoredResponse | Promise<StoredResponse>;

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function idempotencyKeyOf(req: Request): string | null {
  const key = req.get(HEADERS.idempotencyKey);
  if (key === undefined) return null;
  if (!UUID_PATTERN.test(key)) {
    throw new ProblemError(400, 'INVALID_REQUEST', 'The X-Idempotency-Key header must be a UUID', [
      { field: 'X-Idempotency-Key', message: 'must be a UUID' },
    ]);
  }
  return key;
}

/**
 * Runs one ConnectPSP operation: idempotency (when asked), injected latency, and the
 * commitThenDrop / commitThenGarble / commitThen500 faults (the operation takes effect, then the
 * socket is destroyed unanswered / a success status comes back with a body the contract does not
 * allow / a 500 comes back).
 */
export function endpoint(
  ctx: SandboxContext,
  operation: Operation,
  options: { idempotent: boolean },
): RequestHandler {
  return async (req, res) => {
    const { latencyMs, dropAfterCommit, garbleAfterCommit, errorAfterCommit } = requestFaults(res);
    const run = async (): Promise<StoredResponse> => {
      if (latencyMs > 0) await sleep(latencyMs, undefined, { ref: false });
      return operation(req);
    };

    let outcome: StoredResponse | ProblemError;
    const key = options.idempotent ? idempotencyKeyOf(req) : null;
    if (key === null) {
      outcome = await run().catch(problemOrThrow);
    } else {
      const fingerprint = requestFingerprint(req.method, req.path, req.body);
      const replay = ctx.idempotency.begin(key, fingerprint, Date.now());
      if (replay) {
        res.setHeader('Idempotent-Replayed', 'true');
        outcome = replay;
      } else {
        try {
          outcome = await run().catch(problemOrThrow);
        } catch (err) {
          ctx.idempotency.abandon(key);
          throw err;
        }
        if (outcome instanceof ProblemError) ctx.idempotency.abandon(key);
        else ctx.idempotency.finish(key, fingerprint, outcome, Date.now());
      }
    }

    if (dropAfterCommit) {
      req.socket.destroy();
      return;
    }
    if (outcome instanceof ProblemError) sendProblem(res, outcome);
    else if (errorAfterCommit)
      sendProblem(res, new ProblemError(500, 'INTERNAL_ERROR', 'An unexpected error occurred'));
    else if (garbleAfterCommit) res.status(outcome.status).json({ unexpected: 'shape', id: 42 });
    else res.status(outcome.status).json(outcome.body);
  };
}

function problemOrThrow(err: unknown): ProblemError {
  if (err instanceof ProblemError) return err;
  throw err;
}
