import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { z } from 'zod';
import { PROBLEM_CONTENT_TYPE, ProblemError, sendProblem } from './problem';

export const FAULT_KINDS = [
  'error500',
  'rate429',
  'latency',
  'commitThenDrop',
  'commitThenGarble',
  'commitThen500',
  'dropWithoutCommit',
  'refuse',
  'duplicateWebhook',
  'outOfOrderWebhook',
  'withholdWebhook',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export type WebhookFaultKind = 'duplicateWebhook' | 'outOfOrderWebhook' | 'withholdWebhook';

export const faultSpecSchema = z.object({
  kind: z.enum(FAULT_KINDS),
  /** Fires on this many matching occasions, then disappears. Neither count nor rate: once. */
  count: z.number().int().positive().optional(),
  /** Probability of firing on each matching occasion (0..1); without count it never runs out. */
  rate: z.number().min(0).max(1).optional(),
  /** Lets this many matching occasions pass before it starts firing (e.g. a refusal of the retry only). */
  skip: z.number().int().min(0).optional(),
  retryAfterSeconds: z.number().int().min(0).optional(),
  latencyMs: z.number().int().min(0).max(600_000).optional(),
  method: z.string().min(1).optional(),
  /** Path prefix of the ConnectPSP endpoint, e.g. /cash-out; request faults only. */
  path: z.string().startsWith('/').optional(),
  /** `refuse`: the status to answer with (nothing happens), e.g. 422 or a proxy's 403. */
  status: z.number().int().min(400).max(599).optional(),
  /** `refuse`: the problem's code, documented or not (e.g. INVALID_SIGNATURE, NIGHT_LIMIT_EXCEEDED). */
  code: z
    .string()
    .regex(/^[A-Z0-9_]{1,64}$/)
    .optional(),
  /** `refuse`: answer an HTML page instead of a problem body, as a proxy in front of the PSP would. */
  html: z.boolean().optional(),
});
export type FaultSpec = z.infer<typeof faultSpecSchema>;

interface ActiveFault extends FaultSpec {
  id: string;
  remaining: number | null;
  /** Matching occasions still to let pass. */
  toSkip: number;
}

/** What the faults decided for one request. */
export interface RequestFaults {
  latencyMs: number;
  dropAfterCommit: boolean;
  /** The operation takes effect, but the 2xx answer carries a body that breaks the contract. */
  garbleAfterCommit: boolean;
  /** The operation takes effect, but the answer is a 500. */
  errorAfterCommit: boolean;
}

const NO_FAULTS: RequestFaults = {
  latencyMs: 0,
  dropAfterCommit: false,
  garbleAfterCommit: false,
  errorAfterCommit: false,
};

/** A refusal answered before anything runs: a problem body, or a proxy's HTML page. */
export interface Refusal {
  status: number;
  code: string;
  html: boolean;
}

export class FaultRegistry {
  private faults: ActiveFault[] = [];

  constructor(private readonly random: () => number = Math.random) {}

  add(spec: FaultSpec): string {
    const id = randomUUID();
    const remaining = spec.count ?? (spec.rate === undefined ? 1 : null);
    this.faults.push({ ...spec, id, remaining, toSkip: spec.skip ?? 0 });
    return id;
  }

  clear(): void {
    this.faults = [];
  }

  /** Rolls the fault's dice and consumes one of its occasions when it fires. */
  private fires(fault: ActiveFault): boolean {
    if (fault.remaining === 0) return false;
    if (fault.toSkip > 0) {
      fault.toSkip -= 1;
      return false;
    }
    if (fault.rate !== undefined && this.random() >= fault.rate) return false;
    if (fault.remaining !== null) fault.remaining -= 1;
    if (fault.remaining === 0) this.faults = this.faults.filter((f) => f !== fault);
    return true;
  }

  /**
   * Request faults for a ConnectPSP call: what to answer instead of running it (a 500, a 429, a
   * refusal, a dropped connection), or what to do around it.
   */
  forRequest(method: string, path: string): ProblemError | Refusal | 'drop' | RequestFaults {
    const result = { ...NO_FAULTS };
    for (const fault of [...this.faults]) {
      if (fault.method && fault.method.toUpperCase() !== method.toUpperCase()) continue;
      if (fault.path && !path.startsWith(fault.path)) continue;
      switch (fault.kind) {
        case 'error500':
          if (this.fires(fault))
            return new ProblemError(500, 'INTERNAL_ERROR', 'An unexpected error occurred');
          break;
        case 'rate429':
          if (this.fires(fault)) {
            const retryAfter = String(fault.retryAfterSeconds ?? 1);
            return new ProblemError(429, 'RATE_LIMITED', 'Too many requests; retry later', undefined, {
              'Retry-After': retryAfter,
            });
          }
          break;
        case 'latency':
          if (this.fires(fault)) result.latencyMs += fault.latencyMs ?? 1000;
          break;
        case 'commitThenDrop':
          if (this.fires(fault)) result.dropAfterCommit = true;
          break;
        case 'commitThenGarble':
          if (this.fires(fault)) result.garbleAfterCommit = true;
          break;
        case 'commitThen500':
          if (this.fires(fault)) result.errorAfterCommit = true;
          break;
        case 'dropWithoutCommit':
          if (this.fires(fault)) return 'drop';
          break;
        case 'refuse':
          if (this.fires(fault))
            return {
              status: fault.status ?? 422,
              code: fault.code ?? 'INVALID_SIGNATURE',
              html: fault.html ?? false,
            };
          break;
        default:
          break;
      }
    }
    return result;
  }

  forWebhook(kind: WebhookFaultKind): boolean {
    const fault = this.faults.find((f) => f.kind === kind && f.remaining !== 0);
    return fault ? this.fires(fault) : false;
  }
}

export function requestFaults(res: Response): RequestFaults {
  return (res.locals.faults as RequestFaults | undefined) ?? NO_FAULTS;
}

/**
 * Answers 500, 429, refusal and drop-without-commit faults before anything else runs; leaves
 * latency and what happens after a commit to the endpoint.
 */
export function faultMiddleware(faults: FaultRegistry): RequestHandler {
  return (req, res, next) => {
    const decided = faults.forRequest(req.method, req.path);
    if (decided === 'drop') {
      req.socket.destroy();
      return;
    }
    if (decided instanceof ProblemError) {
      sendProblem(res, decided);
      return;
    }
    if ('code' in decided) {
      sendRefusal(res, decided);
      return;
    }
    res.locals.faults = decided;
    next();
  };
}

function sendRefusal(res: Response, refusal: Refusal): void {
  if (refusal.html) {
    res.status(refusal.status).type('text/html').send(`<html><body><h1>${refusal.status}</h1></body></html>`);
    return;
  }
  res
    .status(refusal.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(
      JSON.stringify({
        type: `https://docs.connectpsp.com/errors/${refusal.code.toLowerCase().replaceAll('_', '-')}`,
        title: refusal.code,
        status: refusal.status,
        code: refusal.code,
        detail: `Refused: ${refusal.code}`,
      }),
    );
}
