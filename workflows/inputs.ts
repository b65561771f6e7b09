/**
 * What each workflow is started with. The starter (client library) builds them from the caller's
 * request and the configuration, validating with domain/validation.ts first; the workflow checks
 * them again before any activity (a history started by hand must not reach the PSP unchecked).
 */
import type { CashInInput, CashOutInput } from '../domain/validation';
import type { CashInStatus, CashOutStatus, PaymentFailure, RebalanceRunResult } from './messages';

/** How long a settled payment keeps listening for a refund/return by default (PIX refunds: 90 days). */
export const DEFAULT_LATE_EVENT_WATCH_DAYS = 90;
/** How often a settled payment asks the PSP whether a refund/return happened without a webhook. */
export const DEFAULT_LATE_EVENT_RECONCILE_HOURS = 24;
/**
 * How long a lifecycle started since the close-at-terminal patch stays open once settled, for
 * duplicate and late-arriving webhooks, before it completes; later events start a late-event run.
 */
export const DEFAULT_CLOSE_GRACE_SECONDS = 300;

/**
 * How long a lifecycle sends a request again with the same idempotency key after its outcome
 * became unknown: below ConnectPSP's 24-hour key retention, past which a retry could do it twice.
 */
export const DEFAULT_PSP_RETRY_WINDOW_SECONDS = 23 * 3600;
/** How long a lifecycle waits for the PSP's verdict (a cash-out's, a refund's, an expired charge's) before NEEDS_REVIEW. */
export const DEFAULT_PSP_OUTCOME_DEADLINE_SECONDS = 24 * 3600;

/** What every payment lifecycle takes about waiting for the PSP; each field has a default. */
export interface PspWaitSettings {
  /** Same-key retries of an unproven send or refund stop this long after the first attempt. */
  pspRetryWindowSeconds?: number;
  /** NEEDS_REVIEW when the PSP's verdict is this late. */
  pspOutcomeDeadlineSeconds?: number;
  /** Start-to-close of one PSP call (default 30 s); the activity ends its HTTP call just before it. */
  pspCallTimeoutSeconds?: number;
}

export interface CashInWorkflowInput extends CashInInput, PspWaitSettings {
  /** Charge lifetime at the PSP (`expirationInMinutes`); the starter applies CASHIN_DEFAULT_EXPIRATION_MINUTES. */
  expiresInMinutes: number;
  /** GET /cash-in/{id} while waiting without a webhook: CASHIN_RECONCILE_INTERVAL_SECONDS. */
  reconcileIntervalSeconds: number;
  /** The relay's public webhook URL; without it the lifecycle relies on reconciliation alone. */
  webhookUrl?: string;
  /** Switches to the OpenFinance flow; the charge then carries `paymentUrl`. */
  openFinanceRedirectUrl?: string;
  /** Default DEFAULT_CLOSE_GRACE_SECONDS (lifecycles that close at their terminal state). */
  closeGraceSeconds?: number;
  /** Default DEFAULT_LATE_EVENT_WATCH_DAYS (lifecycles started before they closed at their terminal state). */
  lateEventWatchDays?: number;
  /** Default DEFAULT_LATE_EVENT_RECONCILE_HOURS (fractions allowed, tests use seconds). */
  lateEventReconcileHours?: number;
  /**
   * While watching for late events, continue as new once the history has this many events
   * (besides whenever Temporal suggests it). Unset: only Temporal's suggestion.
   */
  maxHistoryEvents?: number;
  /** Set only by the workflow itself when it continues as new while watching for late events. */
  resume?: CashInResume;
}

export interface CashInResume {
  status: CashInStatus;
  /** Epoch ms at which watching ends. */
  watchUntilMs: number;
  /** A platform refund the PSP refused: a repeated request gets the same answer after continue-as-new. */
  refundRefused?: PaymentFailure;
}

export interface CashOutWorkflowInput extends CashOutInput, PspWaitSettings {
  /** GET /cash-out/{id} while waiting without a webhook: CASHOUT_RECONCILE_INTERVAL_SECONDS. */
  reconcileIntervalSeconds: number;
  /** Sends retried after a rebalance top-up when the PSP answers INSUFFICIENT_FUNDS: CASHOUT_TOPUP_RETRIES. */
  topUpRetries: number;
  webhookUrl?: string;
  closeGraceSeconds?: number;
  lateEventWatchDays?: number;
  lateEventReconcileHours?: number;
  maxHistoryEvents?: number;
  resume?: CashOutResume;
}

export interface CashOutResume {
  status: CashOutStatus;
  /** Epoch ms at which watching ends. */
  watchUntilMs: number;
}

export interface RebalanceWorkflowInput {
  /** Carried over continue-as-new so run numbers and recent results survive. */
  runs?: number;
  recent?: RebalanceRunResult[];
  /** Runs before the coordinator starts a fresh history (default 200); small in tests. */
  runsPerExecution?: number;
}

export interface ScheduledRebalanceInput {
  /** REBALANCE_THRESHOLD_CENTS when the schedule was last ensured. */
  thresholdCents: number;
}
