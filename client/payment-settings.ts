import { type Config, webhookUrl } from '../runtime/config';

/** The lifecycle parameters a starter puts in each workflow's input (from the configuration). */
export interface PaymentSettings {
  taskQueue: string;
  cashInDefaultExpiryMinutes: number;
  cashInReconcileIntervalSeconds: number;
  cashOutReconcileIntervalSeconds: number;
  cashOutTopUpRetries: number;
  rebalanceIntervalSeconds: number;
  rebalanceThresholdCents: number;
  /** Where the PSP posts webhooks (the relay); without it lifecycles rely on reconciliation. */
  webhookUrl?: string;
  /** How often a settled payment asks the PSP about a late refund/return; default the workflows' (24 h). */
  lateEventReconcileHours?: number;
  /** PSP_RETRY_WINDOW_SECONDS, PSP_OUTCOME_DEADLINE_SECONDS, PSP_CALL_TIMEOUT_SECONDS (workflows/inputs.ts PspWaitSettings). */
  pspRetryWindowSeconds?: number;
  pspOutcomeDeadlineSeconds?: number;
  pspCallTimeoutSeconds?: number;
  /** LIFECYCLE_CLOSE_GRACE_SECONDS: how long a settled lifecycle stays open before it completes. */
  closeGraceSeconds?: number;
}

export function paymentSettingsFrom(config: Config, taskQueue = config.TEMPORAL_TASK_QUEUE): PaymentSettings {
  return {
    taskQueue,
    cashInDefaultExpiryMinutes: config.CASHIN_DEFAULT_EXPIRATION_MINUTES,
    cashInReconcileIntervalSeconds: config.CASHIN_RECONCILE_INTERVAL_SECONDS,
    cashOutReconcileIntervalSeconds: config.CASHOUT_RECONCILE_INTERVAL_SECONDS,
    cashOutTopUpRetries: config.CASHOUT_TOPUP_RETRIES,
    rebalanceIntervalSeconds: config.REBALANCE_INTERVAL_SECONDS,
    rebalanceThresholdCents: config.REBALANCE_THRESHOLD_CENTS,
    webhookUrl: webhookUrl(config),
    pspRetryWindowSeconds: config.PSP_RETRY_WINDOW_SECONDS,
    pspOutcomeDeadlineSeconds: config.PSP_OUTCOME_DEADLINE_SECONDS,
    pspCallTimeoutSeconds: config.PSP_CALL_TIMEOUT_SECONDS,
    closeGraceSeconds: config.LIFECYCLE_CLOSE_GRACE_SECONDS,
  };
}
