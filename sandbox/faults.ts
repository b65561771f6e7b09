import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { z } from 'zod';
import { PROBLEM_CONTENT_TYPE, ProblemError, sendProblem } from './problem';

/** What a request fault does to one request: answered instead of running, or around the commit. */
export const REQUEST_FAULT_KINDS = [
  'error500',
  'rate429',
  'refuse',
  'dropWithoutCommit',
  'garbleWithoutCommit',
  'commitThenDrop',
  'commitThenGarble',
  'commitThen500',
] as const;
type RequestFaultKind = (typeof REQUEST_FAULT_KINDS)[number];

export const FAULT_KINDS = [
  ...REQUEST_FAULT_KINDS,
  'latency',
  /** Successive matching requests get successive steps of `script`; then the fault is gone. */
  'script',
  'duplicateWebhook',
  'outOfOrderWebhook',
  'withholdWebhook',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export type WebhookFaultKind = 'duplicateWebhook' | 'outOfOrderWebhook' | 'withholdWebhook';

const refusalFields = {
  /** `refuse`: the status to answer with (nothing happens), e.g. 422 or a proxy's 403. */
  status: z.number().int().min(400).max(599).optional(),
  /** `refuse`: the problem's code, documented or not (e.g. INVALID_SIGNATURE, NIGHT_LIMIT_EXCEEDED). */
  code: z
    .string()
    .regex(/^[A-Z0-9_]{1,64}$/)
    .optional(),
  /** `refuse`: answer an HTML page instead of a problem body, as a proxy in front of the PSP would. */
  html: z.boolean().optional(),
};

/** One step of a `script`: a request fault kind, or `pass` (the request runs untouched). */
export const scriptStepSchema = z.object({
  step: z.enum(['pass', ...REQUEST_FAULT_KINDS]),
  ...refusalFields,
});
export type ScriptStep = z.infer<typeof scriptStepSchema>;

export const faultSpecSchema = z
  .object({
    kind: z.enum(FAULT_KINDS),
    /** `script`: what each successive matching request meets, in order. */
    script: z.array(scriptStepSchema).min(1).max(50).optional(),
    /**
     * Only requests for this payment: the `externalReference` of the request body (POST /cash-in,
     * POST /cash-out), or of the event (webhook faults). Lets concurrent tests keep their faults apart.
     */
    reference: z.string().min(1).max(200).optional(),
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
    ...refusalFields,
  })
  .refine((spec) => (spec.kind === 'script') === (spec.script !== undefined), {
    message: 'script: required with kind script, and only with it',
    path: ['script'],
  });
export type FaultSpec = z.infer<typeof faultSpecSchema>;

interface ActiveFault extends FaultSpec {
  id: string;
  remaining: number | null;
  /** Matching occasions still to let pass. */
  toSkip: number;
}

/** What a request meets instead of being run. */
type Answer = ProblemError | Refusal | 'drop' | 'garble';

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
   * refusal, a dropped connection, a garbled 200), or what to do around it.
   */
  forRequest(method: string, path: string, reference?: string): Answer | RequestFaults {
    const result = { ...NO_FAULTS };
    for (const fault of [...this.faults]) {
      if (fault.method && fault.method.toUpperCase() !== method.toUpperCase()) continue;
      if (fault.path && !path.startsWith(fault.path)) continue;
      if (fault.reference && fault.reference !== reference) continue;
      if (fault.kind === 'latency') {
        if (this.fires(fault)) result.latencyMs += fault.latencyMs ?? 1000;
        continue;
      }
      const step = this.stepOf(fault);
      if (!step || step.step === 'pass') continue;
      const answer = applyStep(step, fault, result);
      if (answer) return answer;
    }
    return result;
  }

  /** The step a request fault plays now: its own kind when it fires, or the next step of its script. */
  private stepOf(fault: ActiveFault): ScriptStep | null {
    if (fault.kind === 'script') {
      const script = fault.script as ScriptStep[];
      const step = script.shift() ?? null;
      if (script.length === 0) this.faults = this.faults.filter((f) => f !== fault);
      return step;
    }
    if (!(REQUEST_FAULT_KINDS as readonly string[]).includes(fault.kind) || !this.fires(fault)) return null;
    return { ...fault, step: fault.kind as RequestFaultKind };
  }

  forWebhook(kind: WebhookFaultKind, reference?: string): boolean {
    const fault = this.faults.find(
      (f) => f.kind === kind && f.remaining !== 0 && (!f.reference || f.reference === reference),
    );
    return fault ? this.fires(fault) : false;
  }
}

/** Plays one request fault: an answer instead of the request, or a mark on what happens after its commit. */
function applyStep(step: ScriptStep, fault: FaultSpec, result: RequestFaults): Answer | null {
  switch (step.step) {
    case 'error500':
      return new ProblemError(500, 'INTERNAL_ERROR', 'An unexpected error occurred');
    case 'rate429':
      return new ProblemError(429, 'RATE_LIMITED', 'Too many requests; retry later', undefined, {
        'Retry-After': String(fault.retryAfterSeconds ?? 1),
      });
    case 'refuse':
      return { status: step.status ?? 422, code: step.code ?? 'INVALID_SIGNATURE', html: step.html ?? false };
    case 'dropWithoutCommit':
      return 'drop';
    case 'garbleWithoutCommit':
      return 'garble';
    case 'commitThenDrop':
      result.dropAfterCommit = true;
      return null;
    case 'commitThenGarble':
      result.garbleAfterCommit = true;
      return null;
    case 'commitThen500':
      result.errorAfterCommit = true;
      return null;
    default:
      return null;
  }
}

export function requestFaults(res: Response): RequestFaults {
  return (res.locals.faults as RequestFaults | undefined) ?? NO_FAULTS;
}

/** The body of a garbled success: a 2xx the contract does not allow. */
export const GARBLED_BODY = { unexpected: 'shape', id: 42 };

/**
 * Answers 500, 429, refusal, drop- and garble-without-commit faults before anything else runs;
 * leaves latency and what happens after a commit to the endpoint.
 */
export function faultMiddleware(faults: FaultRegistry): RequestHandler {
  return (req, res, next) => {
    const reference = (req.body as { externalReference?: unknown } | undefined)?.externalReference;
    const decided = faults.forRequest(
      req.method,
      req.path,
      typeof reference === 'string' ? reference : undefined,
    );
    if (decided === 'drop') {
      req.socket.destroy();
      return;
    }
    if (decided === 'garble') {
      res.status(200).json(GARBLED_BODY);
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
