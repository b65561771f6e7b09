import { Pool, errors as undiciErrors } from 'undici';
import { ConnectPspError } from './errors';

export interface HttpTimeouts {
  /** TCP (and TLS) connection establishment. */
  connectMs: number;
  /** From request sent to response headers received. */
  headersMs: number;
  /** Maximum idle time between two body chunks. */
  bodyMs: number;
}

export interface HttpTransportOptions {
  /** Origin plus optional path prefix, e.g. `https://api.connectpsp.com` or `http://127.0.0.1:8380`. */
  baseUrl: string;
  timeouts: HttpTimeouts;
  maxConnections: number;
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  /** Path below the base URL, starting with `/`. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  /** Lower-case header name → value (repeated headers joined with `, `). */
  headers: Record<string, string>;
  text: string;
}

const TIMEOUT_CODES: ReadonlySet<string> = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
/** Failures before a connection existed: the request never left, so nothing can have happened. */
const CONNECT_CODES: ReadonlySet<string> = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** One keep-alive connection pool to the PSP's origin; every call goes through `send`. */
export class HttpTransport {
  private readonly pool: Pool;
  private readonly pathPrefix: string;

  constructor(options: HttpTransportOptions) {
    const url = new URL(options.baseUrl);
    this.pathPrefix = url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(url.origin, {
      connections: options.maxConnections,
      connect: { timeout: options.timeouts.connectMs },
      headersTimeout: options.timeouts.headersMs,
      bodyTimeout: options.timeouts.bodyMs,
    });
  }

  /**
   * Sends one request and reads the whole body. Rejects with a retryable ConnectPspError when no
   * complete response arrived: CONNECT_FAILED when no connection could be made (the request never
   * left), TIMEOUT or NETWORK_ERROR once it may have (the PSP may have acted on it); or with the
   * signal's reason when the caller aborted (so Temporal sees its own CancelledFailure).
   */
  async send(request: HttpRequest): Promise<HttpResponse> {
    request.signal?.throwIfAborted();
    try {
      const response = await this.pool.request({
        method: request.method,
        path: this.pathPrefix + request.path,
        headers: request.headers,
        body: request.body,
        signal: request.signal,
      });
      const text = await response.body.text();
      return { status: response.statusCode, headers: flattenHeaders(response.headers), text };
    } catch (err) {
      if (request.signal?.aborted) throw request.signal.reason ?? err;
      throw transportError(`${request.method} ${request.path}`, err);
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

function transportError(label: string, err: unknown): ConnectPspError {
  const code = err instanceof undiciErrors.UndiciError ? err.code : (err as { code?: unknown })?.code;
  const kind =
    typeof code !== 'string'
      ? 'NETWORK_ERROR'
      : CONNECT_CODES.has(code)
        ? 'CONNECT_FAILED'
        : TIMEOUT_CODES.has(code)
          ? 'TIMEOUT'
          : 'NETWORK_ERROR';
  const what = { CONNECT_FAILED: 'could not connect', TIMEOUT: 'timed out', NETWORK_ERROR: 'network error' }[
    kind
  ];
  const reason = err instanceof Error ? err.message : String(err);
  return new ConnectPspError(`ConnectPSP ${label}: ${what} (${reason})`, {
    code: kind,
    retryable: true,
    cause: err,
  });
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
