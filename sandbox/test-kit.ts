/**
 * Helpers for tests that drive the sandbox over real HTTP: a typed caller that authenticates and
 * signs like a ConnectPSP client, a local webhook receiver, and a bounded poll.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetch } from 'undici';
import { digitalSignature } from '../domain/connectpsp/signatures';
import { SANDBOX_CREDENTIALS } from '../worker/config';
import type { SandboxCredentials } from './context';

/** Loosely typed on purpose: tests assert response bodies field by field. */
// biome-ignore lint/suspicious/noExplicitAny: see above
export type Json = any;

export interface HttpResult<T = Json> {
  status: number;
  headers: Headers;
  body: T;
}

export interface CallOptions {
  body?: unknown;
  /** Adds DigitalSignature for the current token. */
  signed?: boolean;
  /** X-Idempotency-Key to send; `true` = a fresh UUID. */
  idempotencyKey?: string | true;
  headers?: Record<string, string>;
  /** Skip Authorization / ApplicationToken. */
  anonymous?: boolean;
}

async function toResult(response: Response | Awaited<ReturnType<typeof fetch>>): Promise<HttpResult> {
  const text = await response.text();
  let body: unknown = text;
  if (text && /json/.test(response.headers.get('content-type') ?? '')) body = JSON.parse(text);
  return { status: response.status, headers: response.headers as unknown as Headers, body };
}

export class SandboxCaller {
  private token: string | undefined;

  constructor(
    readonly baseUrl: string,
    readonly credentials: SandboxCredentials = SANDBOX_CREDENTIALS,
  ) {}

  async accessToken(): Promise<string> {
    if (!this.token) {
      const result = await this.call('POST', '/auth/token', {
        anonymous: true,
        body: { clientId: this.credentials.clientId, clientSecret: this.credentials.clientSecret },
      });
      if (result.status !== 200) throw new Error(`token request failed: ${result.status}`);
      this.token = result.body.accessToken as string;
    }
    return this.token;
  }

  async call<T = Json>(method: string, path: string, options: CallOptions = {}): Promise<HttpResult<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (!options.anonymous) {
      const token = await this.accessToken();
      headers.authorization ??= `Bearer ${token}`;
      headers.applicationtoken ??= this.credentials.applicationToken;
      if (options.signed) headers.digitalsignature ??= digitalSignature(token, this.credentials.cryptoToken);
    }
    if (options.idempotencyKey) {
      headers['x-idempotency-key'] = options.idempotencyKey === true ? randomUUID() : options.idempotencyKey;
    }
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    return toResult(response);
  }

  /** A control-API call under /_sandbox. */
  async control<T = Json>(method: string, path: string, body?: unknown): Promise<HttpResult<T>> {
    const response = await fetch(`${this.baseUrl}/_sandbox${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return toResult(response);
  }
}

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  rawBody: string;
  body: Json;
  /** What the receiver answered. */
  answeredWith: number;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Answers the next requests with these statuses, in order, then 200. */
  answerNext(...statuses: number[]): void;
  /** Delays each answer by this many milliseconds. */
  setAnswerDelay(ms: number): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const queued: number[] = [];
  let delayMs = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const status = queued.shift() ?? 200;
      const answer = () => {
        received.push({ headers: req.headers, rawBody, body: JSON.parse(rawBody), answeredWith: status });
        res.statusCode = status;
        res.end();
      };
      if (delayMs > 0) setTimeout(answer, delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    received,
    answerNext: (...statuses) => queued.push(...statuses),
    setAnswerDelay: (ms) => {
      delayMs = ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Polls until `probe` returns a truthy value; fails after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 3000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
