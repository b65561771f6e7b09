/**
 * The activity stubs the payment workflows call, with their timeouts and retry policies. Only
 * activity *types* are imported: workflow code never loads side-effecting modules.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { ConnectPspActivities } from '../activities/connectpsp';
import type { LedgerActivities } from '../activities/ledger';
import type { RebalanceActivities } from '../activities/rebalance';
import { PSP_NON_RETRYABLE_CODES } from '../domain/connectpsp/common';
import { LEDGER_FAILURE_TYPES } from '../domain/ledger';

const LEDGER_NON_RETRYABLE_ERRORS = Object.values(LEDGER_FAILURE_TYPES);

const backoff = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' } as const;

/**
 * Mutating PSP calls retry until they get an answer: the idempotency key makes every attempt the
 * same request, and giving up on a cash-out whose send may have committed would lose track of it.
 * The start-to-close timeout exceeds the HTTP client's own timeouts, so an attempt never overlaps
 * its retry.
 */
export const psp = proxyActivities<ConnectPspActivities>({
  startToCloseTimeout: '1 minute',
  retry: { ...backoff, nonRetryableErrorTypes: PSP_NON_RETRYABLE_CODES },
});

/** Charge creation gives up after a while: a caller is waiting for the QR code, and nothing moved yet. */
export const pspChargeCreation = proxyActivities<Pick<ConnectPspActivities, 'createCashIn'>>({
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '5 minutes',
  retry: { ...backoff, nonRetryableErrorTypes: PSP_NON_RETRYABLE_CODES },
});

/** Reconciliation reads are best effort: the next tick tries again, so a PSP outage never blocks the wait. */
export const pspReads = proxyActivities<Pick<ConnectPspActivities, 'getCashIn' | 'getCashOut'>>({
  startToCloseTimeout: '1 minute',
  retry: { ...backoff, maximumAttempts: 3, nonRetryableErrorTypes: PSP_NON_RETRYABLE_CODES },
});

/** Ledger writes are idempotent by transfer id and must eventually land: database trouble retries forever. */
export const ledger = proxyActivities<LedgerActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { ...backoff, nonRetryableErrorTypes: LEDGER_NON_RETRYABLE_ERRORS },
});

/**
 * A rebalance gives up after a while (the caller records it FAILED): the coordinator runs one at a
 * time, so a rebalance stuck retrying would hold back every later trigger, and the next scheduled
 * run reads a fresh exposure anyway.
 */
export const rebalance = proxyActivities<RebalanceActivities>({
  startToCloseTimeout: '2 minutes',
  scheduleToCloseTimeout: '10 minutes',
  retry: { ...backoff, nonRetryableErrorTypes: PSP_NON_RETRYABLE_CODES },
});
