import type { WalletRefusalCode } from '../domain/platform-wallet/wire';

export type WalletRefusalDetails = {
  availableCents?: number;
  requestedCents?: number;
  differingFields?: readonly string[];
  state?: 'posted' | 'voided';
  finalisedBy?: string;
};

/** The wallet provably did not apply the request, for this reason; retrying cannot change it. */
export class WalletRefusal extends Error {
  override name = 'WalletRefusal';
  constructor(
    readonly code: WalletRefusalCode,
    message: string,
    readonly details: WalletRefusalDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * No usable answer: network, timeout, 5xx, 429, a bad signature, or an answer that breaks the
 * contract. The request may or may not have been applied; the same transfer id, sent again, tells.
 */
export class WalletUnavailableError extends Error {
  override name = 'WalletUnavailableError';
  constructor(
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
