import { z } from 'zod';
import {
  balanceResponseSchema,
  cashInRecordReader,
  cashOutRecordReader,
  createCashInRequestSchema,
  createCashOutRequestSchema,
  createdCashInReader,
  createdCashOutReader,
  HEADERS,
  problemSchema,
  rebalanceRequestSchema,
  rebalanceResponseSchema,
  refundCashInRequestSchema,
  refundedCashInReader,
  type TokenResponse,
  tokenRequestSchema,
  tokenResponseSchema,
} from '../domain/connectpsp';
import type { PspCallObserver, PspEndpoint } from './call-observer';
import { ConnectPspError, isRetryableFailure, parseRetryAfter } from './errors';
import {
  contractViolation,
  formatProblems,
  issuesToProblems,
  parseRequest,
  problemsOf,
  rejectIfInvalid,
} from './field-problems';
import { type HttpResponse, type HttpTimeouts, HttpTransport } from './http';
import { type AccessToken, TokenManager } from './token-manager';
import type {
  AccountBalance,
  CallOptions,
  CashInRecord,
  CashOutRecord,
  ConnectPspCredentials,
  CreateCashInInput,
  CreateCashOutInput,
  CreatedCashIn,
  CreatedCashOut,
  IdempotentCallOptions,
  RebalanceResult,
  RefundCashInInput,
  RefundedCashIn,
} from './types';
import * as wire from './wire-mapping';

export const DEFAULT_TIMEOUTS: HttpTimeouts = { connectMs: 5_000, headersMs: 15_000, bodyMs: 15_000 };
export const DEFAULT_MAX_CONNECTIONS = 32;

export interface ConnectPspClientOptions {
  /** e.g. `https://api.connectpsp.com` or the sandbox's `http://127.0.0.1:8380`. */
  baseUrl: string;
  credentials: ConnectPspCredentials;
  timeouts?: Partial<HttpTimeouts>;
  maxConnections?: number;
  /** Clock for token renewal (tests move it); default Date.now. */
  now?: () => number;
  /** Told of every HTTP exchange and token renewal (the worker's metrics). */
  observer?: PspCallObserver;
}

/** One HTTP exchange with the PSP, described once and run by `exchange`. */
interface Exchange<T> {
  method: 'GET' | 'POST';
  /** The documented endpoint, `{id}` in place of the path parameter: what metrics are labelled with. */
  endpoint: PspEndpoint;
  path: string;
  body?: unknown;
  responseSchema: z.ZodType<T>;
  /** False only for `POST /auth/token`. */
  authenticated: boolean;
  signed?: boolean;
  idempotencyKey?: string;
  signal?: AbortSignal;
}

/** 401 codes after which a new token is fetched and the call sent once more. */
const TOKEN_REJECTED_CODES: ReadonlySet<string> = new Set(['TOKEN_EXPIRED', 'INVALID_TOKEN']);
const TOKEN_REJECTED = Symbol('token rejected');

const idempotencyKeyField = z.object({ idempotencyKey: z.uuid('must be a UUID') });
const idField = z.object({
  id: z.string().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
});
const centsRule = z.number().int('must be an integer number of centavos');
const amountCentsField = z.object({ amountCents: centsRule });
const targetCentsField = z.object({ targetCents: centsRule });

/**
 * Typed client of the eight ConnectPSP endpoints over one keep-alive connection pool. Amounts are
 * integer centavos on this side and reais on the wire. Every request is checked against its wire
 * schema before anything is sent, every response parsed with its schema, and every failure is a
 * ConnectPspError that says whether a retry can help.
 */
export class ConnectPspClient {
  private readonly transport: HttpTransport;
  private readonly tokens: TokenManager;
  private readonly credentials: ConnectPspCredentials;
  private readonly observer: PspCallObserver;

  constructor(options: ConnectPspClientOptions) {
    this.credentials = { ...options.credentials };
    this.observer = options.observer ?? {};
    this.transport = new HttpTransport({
      baseUrl: options.baseUrl,
      timeouts: { ...DEFAULT_TIMEOUTS, ...options.timeouts },
      maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    });
    this.tokens = new TokenManager({
      fetchToken: () => this.issueToken(),
      cryptoToken: this.credentials.cryptoToken,
      now: options.now,
      onRenewal: (renewal) => this.observer.onTokenRenewal?.(renewal),
    });
  }

  /** `POST /auth/token`. Other calls get their token from the cache; this always asks the PSP. */
  async issueToken(options: CallOptions = {}): Promise<TokenResponse> {
    const label = 'POST /auth/token';
    const { clientId, clientSecret } = this.credentials;
    const body = parseRequest(label, tokenRequestSchema, { clientId, clientSecret });
    return this.exchange(label, {
      method: 'POST',
      endpoint: 'POST /auth/token',
      path: '/auth/token',
      body,
      responseSchema: tokenResponseSchema,
      authenticated: false,
      signal: options.signal,
    });
  }

  /** `POST /cash-in`: creates a PIX charge and returns its BR Code and QR image. */
  async createCashIn(input: CreateCashInInput, options: IdempotentCallOptions): Promise<CreatedCashIn> {
    const label = 'POST /cash-in';
    rejectIfInvalid(label, [
      ...problemsOf(idempotencyKeyField, options),
      ...problemsOf(amountCentsField, input),
    ]);
    const body = parseRequest(label, createCashInRequestSchema, wire.cashInRequestToWire(input));
    const created = await this.exchange(label, {
      method: 'POST',
      endpoint: 'POST /cash-in',
      path: '/cash-in',
      body,
      responseSchema: createdCashInReader,
      authenticated: true,
      idempotencyKey: options.idempotencyKey,
      signal: options.signal,
    });
    return wire.createdCashInFromWire(created);
  }

  /** `GET /cash-in/{id}`; `id` is the transactionId, internalCode or endToEndId. */
  async getCashIn(id: string, options: CallOptions = {}): Promise<CashInRecord> {
    const path = `/cash-in/${encodeURIComponent(id)}`;
    rejectIfInvalid(`GET ${path}`, problemsOf(idField, { id }));
    const cashIn = await this.exchange(`GET ${path}`, {
      method: 'GET',
      endpoint: 'GET /cash-in/{id}',
      path,
      responseSchema: cashInRecordReader,
      authenticated: true,
      signal: options.signal,
    });
    return wire.cashInFromWire(cashIn);
  }

  /** `POST /cash-in/{id}/refund` (signed): full refund of a PAID cash-in. */
  async refundCashIn(
    id: string,
    input: RefundCashInInput,
    options: IdempotentCallOptions,
  ): Promise<RefundedCashIn> {
    const path = `/cash-in/${encodeURIComponent(id)}/refund`;
    const label = `POST ${path}`;
    rejectIfInvalid(label, [...problemsOf(idempotencyKeyField, options), ...problemsOf(idField, { id })]);
    const body = parseRequest(label, refundCashInRequestSchema, input);
    const refunded = await this.exchange(label, {
      method: 'POST',
      endpoint: 'POST /cash-in/{id}/refund',
      path,
      body,
      responseSchema: refundedCashInReader,
      authenticated: true,
      signed: true,
      idempotencyKey: options.idempotencyKey,
      signal: options.signal,
    });
    return wire.refundedCashInFromWire(refunded);
  }

  /** `POST /cash-out` (signed): sends a PIX; the result is PROCESSING until a webhook or GET says more. */
  async createCashOut(input: CreateCashOutInput, options: IdempotentCallOptions): Promise<CreatedCashOut> {
    const label = 'POST /cash-out';
    rejectIfInvalid(label, [
      ...problemsOf(idempotencyKeyField, options),
      ...problemsOf(amountCentsField, input),
    ]);
    const body = parseRequest(label, createCashOutRequestSchema, wire.cashOutRequestToWire(input));
    const created = await this.exchange(label, {
      method: 'POST',
      endpoint: 'POST /cash-out',
      path: '/cash-out',
      body,
      responseSchema: createdCashOutReader,
      authenticated: true,
      signed: true,
      idempotencyKey: options.idempotencyKey,
      signal: options.signal,
    });
    return wire.createdCashOutFromWire(created);
  }

  /** `GET /cash-out/{id}`; `id` is the internalCode, transactionId or endToEndId. */
  async getCashOut(id: string, options: CallOptions = {}): Promise<CashOutRecord> {
    const path = `/cash-out/${encodeURIComponent(id)}`;
    rejectIfInvalid(`GET ${path}`, problemsOf(idField, { id }));
    const cashOut = await this.exchange(`GET ${path}`, {
      method: 'GET',
      endpoint: 'GET /cash-out/{id}',
      path,
      responseSchema: cashOutRecordReader,
      authenticated: true,
      signal: options.signal,
    });
    return wire.cashOutFromWire(cashOut);
  }

  /** `GET /account/balance`. */
  async getBalance(options: CallOptions = {}): Promise<AccountBalance> {
    const balance = await this.exchange('GET /account/balance', {
      method: 'GET',
      endpoint: 'GET /account/balance',
      path: '/account/balance',
      responseSchema: balanceResponseSchema,
      authenticated: true,
      signal: options.signal,
    });
    return wire.balanceFromWire(balance);
  }

  /** `POST /account/rebalance` (signed): sets the transactional balance target to `targetCents`. */
  async rebalance(targetCents: number, options: IdempotentCallOptions): Promise<RebalanceResult> {
    const label = 'POST /account/rebalance';
    rejectIfInvalid(label, [
      ...problemsOf(idempotencyKeyField, options),
      ...problemsOf(targetCentsField, { targetCents }),
    ]);
    const body = parseRequest(label, rebalanceRequestSchema, {
      targetAmount: wire.rebalanceTargetToWire(targetCents),
    });
    return this.exchange(label, {
      method: 'POST',
      endpoint: 'POST /account/rebalance',
      path: '/account/rebalance',
      body,
      responseSchema: rebalanceResponseSchema,
      authenticated: true,
      signed: true,
      idempotencyKey: options.idempotencyKey,
      signal: options.signal,
    });
  }

  /** Closes the connection pool; in-flight requests finish first. */
  close(): Promise<void> {
    return this.transport.close();
  }

  private async exchange<T>(label: string, exchange: Exchange<T>): Promise<T> {
    // Without tokenMayBeRejected an attempt answers the value or throws.
    if (!exchange.authenticated) return (await this.attempt(label, exchange)) as T;
    const token = await this.tokens.get(exchange.signal);
    const first = await this.attempt(label, exchange, token, { tokenMayBeRejected: true });
    if (first !== TOKEN_REJECTED) return first;
    this.tokens.invalidate(token.jwt);
    return (await this.attempt(label, exchange, await this.tokens.get(exchange.signal))) as T;
  }

  /**
   * One HTTP exchange, reported to the observer with its outcome and duration. With
   * `tokenMayBeRejected`, a 401 refusing the token is answered TOKEN_REJECTED for the caller to
   * renew it and try once more.
   */
  private async attempt<T>(
    label: string,
    exchange: Exchange<T>,
    token?: AccessToken,
    options: { tokenMayBeRejected?: boolean } = {},
  ): Promise<T | typeof TOKEN_REJECTED> {
    const startedAt = performance.now();
    const report = (outcome: string, status: number | undefined) =>
      this.observer.onCall?.({
        endpoint: exchange.endpoint,
        outcome,
        status,
        seconds: (performance.now() - startedAt) / 1000,
      });
    let response: HttpResponse;
    try {
      response = await this.send(exchange, token);
    } catch (err) {
      report(err instanceof ConnectPspError ? err.code : 'ABORTED', undefined);
      throw err;
    }
    if (options.tokenMayBeRejected && response.status === 401) {
      const code = parseProblem(response.text)?.code ?? '';
      if (TOKEN_REJECTED_CODES.has(code)) {
        report(code, response.status);
        return TOKEN_REJECTED;
      }
    }
    try {
      const value = this.readResponse(label, exchange, response, token);
      report('OK', response.status);
      return value;
    } catch (err) {
      report(err instanceof ConnectPspError ? err.code : 'ERROR', response.status);
      throw err;
    }
  }

  private send(exchange: Exchange<unknown>, token?: AccessToken): Promise<HttpResponse> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) {
      headers[HEADERS.authorization] = `Bearer ${token.jwt}`;
      headers[HEADERS.applicationToken] = this.credentials.applicationToken;
      if (exchange.signed) headers[HEADERS.digitalSignature] = token.signature;
    }
    if (exchange.idempotencyKey !== undefined) headers[HEADERS.idempotencyKey] = exchange.idempotencyKey;
    let body: string | undefined;
    if (exchange.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(exchange.body);
    }
    return this.transport.send({
      method: exchange.method,
      path: exchange.path,
      headers,
      body,
      signal: exchange.signal,
    });
  }

  private readResponse<T>(
    label: string,
    exchange: Exchange<T>,
    response: HttpResponse,
    token?: AccessToken,
  ): T {
    if (response.status < 200 || response.status > 299) throw this.errorFromResponse(label, response, token);
    let json: unknown;
    try {
      json = JSON.parse(response.text);
    } catch {
      throw contractViolation(label, response.status, [{ field: '(body)', message: 'is not JSON' }]);
    }
    const parsed = exchange.responseSchema.safeParse(json);
    if (!parsed.success)
      throw contractViolation(label, response.status, issuesToProblems(parsed.error.issues));
    return parsed.data;
  }

  private errorFromResponse(label: string, response: HttpResponse, token?: AccessToken): ConnectPspError {
    const { status } = response;
    const problem = parseProblem(response.text);
    if (!problem && status < 500 && status !== 429) {
      return contractViolation(label, status, [{ field: '(body)', message: 'is not an RFC 7807 problem' }]);
    }
    const redact = (text: string) => this.redactSecrets(text, token);
    const code =
      problem?.code ??
      (status === 429 ? 'RATE_LIMITED' : status === 503 ? 'SERVICE_UNAVAILABLE' : 'INTERNAL_ERROR');
    const detail = problem ? redact(problem.detail ?? problem.title) : undefined;
    const fieldProblems = (problem?.errors ?? []).map((e) => ({
      field: e.field,
      message: redact(e.message),
    }));
    const retryable = isRetryableFailure(status, code);
    const details = fieldProblems.length > 0 ? ` (${formatProblems(fieldProblems)})` : '';
    return new ConnectPspError(
      `ConnectPSP ${label} → ${status} ${code}${detail ? `: ${detail}` : ''}${details}`,
      {
        status,
        code,
        detail,
        retryable,
        retryAfterMs: retryable ? parseRetryAfter(response.headers['retry-after']) : undefined,
        fieldProblems,
      },
    );
  }

  /** The PSP's own texts are echoed into errors; make sure none of our secrets ride along. */
  private redactSecrets(text: string, token?: AccessToken): string {
    const { clientSecret, applicationToken, cryptoToken } = this.credentials;
    const secrets = [clientSecret, applicationToken, cryptoToken, token?.jwt, token?.signature];
    return secrets.reduce<string>(
      (out, secret) => (secret ? out.split(secret).join('[redacted]') : out),
      text,
    );
  }
}

function parseProblem(text: string) {
  try {
    const parsed = problemSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
