import type { TokenResponse } from '../domain/connectpsp';
import { digitalSignature } from '../domain/connectpsp/signatures';
import type { TokenRenewalReason } from './call-observer';

/** A usable access token with its DigitalSignature, computed once per token. */
export interface AccessToken {
  jwt: string;
  signature: string;
  /** Local clock (ms) from which the token counts as stale and is renewed before use. */
  renewAtMs: number;
}

export interface TokenManagerOptions {
  /** Performs `POST /auth/token`. Not tied to any caller's signal: its result is shared by all waiters. */
  fetchToken: () => Promise<TokenResponse>;
  cryptoToken: string;
  now?: () => number;
  /** Fraction of `expiresIn` after which the token is renewed; default 0.8. */
  renewAtFraction?: number;
  /** Told of every renewal, why it happened and whether it worked (metrics). */
  onRenewal?: (renewal: { reason: TokenRenewalReason; ok: boolean }) => void;
}

/**
 * Caches the JWT and renews it before expiry, single-flight: however many calls need a token at
 * once, only one `POST /auth/token` is in flight.
 */
export class TokenManager {
  private current: AccessToken | undefined;
  private renewal: Promise<AccessToken> | undefined;
  /** The PSP refused the last token (invalidate): the next renewal is a rejection's, not a schedule's. */
  private rejected = false;
  private readonly now: () => number;
  private readonly renewAtFraction: number;

  constructor(private readonly options: TokenManagerOptions) {
    this.now = options.now ?? Date.now;
    this.renewAtFraction = options.renewAtFraction ?? 0.8;
  }

  /** A fresh token; waits for (or starts) the one renewal when there is none or it is stale. */
  async get(signal?: AbortSignal): Promise<AccessToken> {
    const current = this.current;
    if (current && this.now() < current.renewAtMs) return current;
    this.renewal ??= this.renew(this.rejected ? 'rejected' : current ? 'expiring' : 'first');
    return abortable(this.renewal, signal);
  }

  /** Drops the token after the PSP rejected it, unless it was already replaced. */
  invalidate(jwt: string): void {
    if (this.current?.jwt !== jwt) return;
    this.current = undefined;
    this.rejected = true;
  }

  private async renew(reason: TokenRenewalReason): Promise<AccessToken> {
    // Measured from before the request, so network latency only makes renewal earlier.
    const requestedAtMs = this.now();
    let ok = false;
    try {
      const response = await this.options.fetchToken();
      const token: AccessToken = {
        jwt: response.accessToken,
        signature: digitalSignature(response.accessToken, this.options.cryptoToken),
        renewAtMs: requestedAtMs + response.expiresIn * 1000 * this.renewAtFraction,
      };
      this.current = token;
      this.rejected = false;
      ok = true;
      return token;
    } finally {
      this.renewal = undefined;
      this.options.onRenewal?.({ reason, ok });
    }
  }
}

/** Lets one waiter give up on a shared promise without cancelling it for the others. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
