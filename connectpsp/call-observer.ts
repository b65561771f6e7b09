/**
 * What the ConnectPSP client tells an observer about each HTTP exchange and token renewal, for
 * metrics. The library stays free of any metrics package: the worker turns these into Prometheus
 * series (worker/metrics.ts).
 */

/** An endpoint as ConnectPSP documents it, with `{id}` for the path parameter (bounded cardinality). */
export type PspEndpoint =
  | 'POST /auth/token'
  | 'POST /cash-in'
  | 'GET /cash-in/{id}'
  | 'POST /cash-in/{id}/refund'
  | 'POST /cash-out'
  | 'GET /cash-out/{id}'
  | 'GET /account/balance'
  | 'POST /account/rebalance';

export interface PspCallObservation {
  endpoint: PspEndpoint;
  /** `OK`, or the ConnectPspError code (INSUFFICIENT_FUNDS, TOKEN_EXPIRED, TIMEOUT, ...), or ABORTED. */
  outcome: string;
  /** HTTP status; undefined when no response arrived. */
  status: number | undefined;
  seconds: number;
}

/** Why a token was fetched: none yet, the cached one reached its renewal time, or the PSP refused it. */
export type TokenRenewalReason = 'first' | 'expiring' | 'rejected';

export interface PspCallObserver {
  onCall?(observation: PspCallObservation): void;
  onTokenRenewal?(renewal: { reason: TokenRenewalReason; ok: boolean }): void;
}
