/**
 * Helpers for tests that drive the sandbox over real HTTP: a typed caller that authenticates and
 * signs like a ConnectPSP client, a local webhook receiver, and `useSandbox`, the vitest fixture
 * that starts both for a suite.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetch } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { digitalSignature } from '../../domain/connectpsp/signatures';
import { SANDBOX_CREDENTIALS } from '../../runtime/config';
import type { SandboxCredentials } from '../../sandbox/context';
import { type RunningSandbox, type SandboxOptions, startSandbox } from '../../sandbox/server';

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

/** The sandbox's partner banks (ISPBs), in the order its balance lists them. */
export const PARTNER_BANKS = ['38224857', '13935893', '20018183'] as const;

/**
 * Sets the whole wallet (reais): the banks given, every other partner bank to zero. Tests state
 * the wallet they start from rather than rely on the sandbox's initial one.
 */
export async function setWallet(
  psp: SandboxCaller,
  balances: Partial<Record<(typeof PARTNER_BANKS)[number], { transactional: number; proprietary: number }>>,
): Promise<void> {
  const banks = PARTNER_BANKS.map((ispb) => ({
    ispb,
    ...(balances[ispb] ?? { transactional: 0, proprietary: 0 }),
  }));
  const { status } = await psp.control('PUT', '/wallet', { banks });
  if (status !== 200) throw new Error(`PUT /_sandbox/wallet answered ${status}`);
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

/** `waitFor` options (scripts/wait-for) for the in-process sandbox: it answers in milliseconds. */
export const SANDBOX_POLL = { timeoutMs: 3000, intervalMs: 10 };

export interface UseSandboxOptions {
  /** Merged over port 0 and a short webhook retry schedule ([20, 40, 80] ms). */
  sandbox?: SandboxOptions;
  /**
   * A webhook receiver: 'per-suite' is emptied before each test; 'per-test' is a fresh one, so
   * queued answers, delays and late retries of one test never reach the next.
   */
  receiver?: 'per-suite' | 'per-test';
}

export interface SandboxFixture {
  readonly sandbox: RunningSandbox;
  /** A caller with the sandbox credentials. */
  readonly psp: SandboxCaller;
  /** Only with the `receiver` option. */
  readonly receiver: WebhookReceiver;
}

/**
 * Registers the hooks of a suite against its own sandbox: started once, reset before each test,
 * closed at the end. Call it inside `describe`; read the fields inside hooks and tests only.
 */
export function useSandbox(options: UseSandboxOptions = {}): SandboxFixture {
  let sandbox: RunningSandbox | undefined;
  let psp: SandboxCaller | undefined;
  let receiver: WebhookReceiver | undefined;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, webhookRetryScheduleMs: [20, 40, 80], ...options.sandbox });
    psp = new SandboxCaller(sandbox.url);
    if (options.receiver === 'per-suite') receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await sandbox?.close();
    if (options.receiver === 'per-suite') await receiver?.close();
  });
  beforeEach(async () => {
    await ready(psp, 'psp').control('POST', '/reset');
    if (options.receiver === 'per-suite') ready(receiver, 'receiver').received.length = 0;
    if (options.receiver === 'per-test') receiver = await startWebhookReceiver();
  });
  if (options.receiver === 'per-test') afterEach(() => ready(receiver, 'receiver').close());

  return {
    get sandbox() {
      return ready(sandbox, 'sandbox');
    },
    get psp() {
      return ready(psp, 'psp');
    },
    get receiver() {
      if (!options.receiver) throw new Error('useSandbox: no receiver; pass the receiver option');
      return ready(receiver, 'receiver');
    },
  };
}

function ready<T>(value: T | undefined, name: string): T {
  if (value === undefined)
    throw new Error(`useSandbox: ${name} is not started yet (read it in a hook or test)`);
  return value;
}
