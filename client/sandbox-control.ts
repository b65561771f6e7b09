import { request } from 'undici';
import { type CashIn, type CashOut, cashInSchema, cashOutSchema } from '../domain/connectpsp';
import { type Cents, centsToReais } from '../domain/money';
import { PaymentNotFoundError, SandboxRequestError, ServiceUnreachableError } from './errors';

/** A failure rule of the sandbox: cash-outs to PIX keys ending in `pixKeySuffix` fail with `code`. */
export interface SandboxFailureRule {
  pixKeySuffix: string;
  code: string;
  message?: string;
}

export interface SandboxBehaviour {
  autoPayCashInAfterMs?: number | null;
  autoCompleteCashOutAfterMs?: number | null;
  failureRules?: SandboxFailureRule[];
}

const REQUEST_TIMEOUT_MS = 10_000;

/**
 * The local sandbox's control API (`/_sandbox/...`): plays the payer, the receiving bank and the
 * PSP's own decisions. `ref` is the business reference (or the PSP's transactionId/internalCode).
 */
export class SandboxControl {
  constructor(readonly url: string) {}

  /** The payer pays the charge (by default the charged amount). */
  payCashIn(ref: string, options: { amountCents?: Cents } = {}): Promise<CashIn> {
    const body = options.amountCents === undefined ? {} : { amount: centsToReais(options.amountCents) };
    return this.call('POST', `/cash-in/${encodeURIComponent(ref)}/pay`, body, ref).then((v) =>
      cashInSchema.parse(v),
    );
  }

  expireCashIn(ref: string): Promise<CashIn> {
    return this.call('POST', `/cash-in/${encodeURIComponent(ref)}/expire`, {}, ref).then((v) =>
      cashInSchema.parse(v),
    );
  }

  completeCashOut(ref: string): Promise<CashOut> {
    return this.call('POST', `/cash-out/${encodeURIComponent(ref)}/complete`, {}, ref).then((v) =>
      cashOutSchema.parse(v),
    );
  }

  /** The PSP fails the cash-out (default code PIX_KEY_NOT_FOUND). */
  failCashOut(ref: string, failure: { code?: string; message?: string } = {}): Promise<CashOut> {
    return this.call('POST', `/cash-out/${encodeURIComponent(ref)}/fail`, failure, ref).then((v) =>
      cashOutSchema.parse(v),
    );
  }

  /** The receiving bank sends a completed cash-out back (COMPLETED → REFUNDED). */
  returnCashOut(ref: string): Promise<CashOut> {
    return this.call('POST', `/cash-out/${encodeURIComponent(ref)}/return`, {}, ref).then((v) =>
      cashOutSchema.parse(v),
    );
  }

  setBehaviour(behaviour: SandboxBehaviour): Promise<SandboxBehaviour> {
    return this.call('PUT', '/behaviour', behaviour) as Promise<SandboxBehaviour>;
  }

  transactions(): Promise<{ cashIns: CashIn[]; cashOuts: CashOut[] }> {
    return this.call('GET', '/transactions') as Promise<{ cashIns: CashIn[]; cashOuts: CashOut[] }>;
  }

  private async call(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    body?: unknown,
    ref?: string,
  ): Promise<unknown> {
    let response: Awaited<ReturnType<typeof request>>;
    try {
      response = await request(`${this.url}/_sandbox${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        headersTimeout: REQUEST_TIMEOUT_MS,
        bodyTimeout: REQUEST_TIMEOUT_MS,
      });
    } catch (err) {
      throw new ServiceUnreachableError('sandbox', this.url, (err as Error).message, { cause: err });
    }
    const text = await response.body.text();
    const json = parseJson(text);
    if (response.statusCode < 300) return json;
    const problem = (json ?? {}) as { code?: string; detail?: string };
    if (response.statusCode === 404 && ref !== undefined)
      throw new PaymentNotFoundError(ref, 'sandbox transaction');
    throw new SandboxRequestError(
      response.statusCode,
      problem.code ?? 'UNKNOWN',
      problem.detail ?? (text || 'no detail'),
    );
  }
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}
