/**
 * The activity stubs the payment workflows call, with their timeouts and retry policies. Only
 * activity *types* are imported: workflow code never loads side-effecting modules.
 *
 * Timeouts bound how long a lifecycle waits after a worker dies mid-activity (the server retries
 * the activity once its start-to-close timeout passes): short activities get short timeouts, and
 * each PSP activity ends its HTTP call before its own timeout (activities/connectpsp.ts), so an
 * attempt never overlaps its retry. The one long activity, `requestRebalance`, heartbeats.
 */
import { type ActivityOptions, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { ConnectPspActivities } from '../activities/connectpsp';
import type { LateEventSweepActivities } from '../activities/late-event-sweep';
import type { LedgerActivities } from '../activities/ledger';
import type { RebalanceActivities } from '../activities/rebalance';
import type { ValidationActivities } from '../activities/validation';
import { PSP_NON_RETRYABLE_CODES } from '../domain/connectpsp/common';
import { LEDGER_FAILURE_TYPES } from '../domain/ledger';

const LEDGER_NON_RETRYABLE_ERRORS = Object.values(LEDGER_FAILURE_TYPES);

const backoff = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' } as const;

/** Default start-to-close of one PSP call: above the HTTP client's connect + headers timeouts. */
export const DEFAULT_PSP_CALL_TIMEOUT_SECONDS = 30;
const pspCall = `${DEFAULT_PSP_CALL_TIMEOUT_SECONDS} seconds` as const;

/**
 * Mutating PSP calls of lifecycles started before proven outcomes (patch `proven-outcomes`):
 * retried by Temporal until they get an answer, the idempotency key making every attempt the
 * same request.
 */
export const psp = proxyActivities<ConnectPspActivities>({
  startToCloseTimeout: pspCall,
  retry: { ...backoff, nonRetryableErrorTypes: PSP_NON_RETRYABLE_CODES },
});

/**
 * Mutating PSP calls of current lifecycles: one attempt per activity, because the workflow must
 * see every answer to know whether an earlier attempt's outcome was unknown (a refusal on a retry
 * proves nothing then). The workflow retries with the same key (workflows/proven-call.ts).
 */
export function pspAttempts(timeoutSeconds = DEFAULT_PSP_CALL_TIMEOUT_SECONDS) {
  return proxyActivities<Pick<ConnectPspActivities, 'createCashOut' | 'refundCashIn'>>({
    startToCloseTimeout: `${timeoutSeconds} seconds`,
    retry: { maximumAttempts: 1 },
  });
}

/** Charge creation gives up after a while: a caller is waiting for the QR code, and nothing moved yet. */
export const pspChargeCreation = proxyActivities<Pick<ConnectPspActivities, 'createCashIn'>>({
  startToCloseTimeout: pspCall,
  scheduleToCloseTimeout: '5 minutes',
  retry: { ...backoff, nonRetryableErrorTypes: PSP_NON_RETRYABLE_CODES },
});

/** Reconciliation reads are best effort: the next tick tries again, so a PSP outage never blocks the wait. */
export function pspReadsWithin(timeoutSeconds = DEFAULT_PSP_CALL_TIMEOUT_SECONDS) {
  return proxyActivities<Pick<ConnectPspActivities, 'getCashIn' | 'getCashOut'>>({
    startToCloseTimeout: `${timeoutSeconds} seconds`,
    retry: { ...backoff, maximumAttempts: 3, nonRetryableErrorTypes: PSP_NON_RETRYABLE_CODES },
  });
}
export const pspReads = pspReadsWithin();

/**
 * Ledger writes are idempotent by transfer id and must eventually land: database trouble retries
 * forever. Each is one short transaction (the pool bounds statements, ledger/connect.ts).
 */
export const ledger = proxyActivities<LedgerActivities>({
  startToCloseTimeout: '15 seconds',
  retry: { ...backoff, nonRetryableErrorTypes: LEDGER_NON_RETRYABLE_ERRORS },
});

const rebalanceRetry: ActivityOptions['retry'] = {
  ...backoff,
  nonRetryableErrorTypes: PSP_NON_RETRYABLE_CODES,
};

/**
 * A rebalance gives up after a while (the caller records it FAILED): the coordinator runs one at a
 * time, so a rebalance stuck retrying would hold back every later trigger, and the next scheduled
 * run reads a fresh exposure anyway. `requestRebalance` waits for a coordinator run, so it
 * heartbeats: a dead worker is noticed within the heartbeat timeout, not the whole wait.
 */
export const rebalance: Pick<RebalanceActivities, 'rebalanceToExposure' | 'requestRebalance'> = {
  rebalanceToExposure: proxyActivities<RebalanceActivities>({
    startToCloseTimeout: '2 minutes',
    scheduleToCloseTimeout: '10 minutes',
    retry: rebalanceRetry,
  }).rebalanceToExposure,
  requestRebalance: proxyActivities<RebalanceActivities>({
    startToCloseTimeout: '5 minutes',
    heartbeatTimeout: '10 seconds',
    scheduleToCloseTimeout: '10 minutes',
    retry: rebalanceRetry,
  }).requestRebalance,
};

/**
 * Input validation runs as a local activity so that its verdict is recorded in history: a rule
 * tightened later never changes what a running lifecycle already decided on replay.
 */
export const validation = proxyLocalActivities<ValidationActivities>({ startToCloseTimeout: '10 seconds' });

/** One page of the late-event sweep: paced GETs, so it heartbeats. */
export const sweep = proxyActivities<LateEventSweepActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});
