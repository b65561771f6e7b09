/**
 * Rebalance activities. `rebalanceToExposure` reads the PSP balance and the wallet's exposure and,
 * when they differ by more than the threshold, sets the PSP target to the exposure it has just
 * read (never a stale one). `requestRebalance` lets a workflow go through the coordinator's door.
 */
import { Context } from '@temporalio/activity';
import { ConnectPspError } from '../connectpsp/errors';
import { idempotencyKey } from '../domain/ids';
import type { WalletPort } from '../wallet/port';
import type { RebalanceRunResult, RebalanceTrigger } from '../workflows/messages';
import { type ConnectPspApi, toActivityFailure } from './connectpsp';

export interface RebalanceActivityDependencies {
  psp: Pick<ConnectPspApi, 'getBalance' | 'rebalance'>;
  /** The built-in ledger's exposure, or the one the platform's wallet service reports. */
  wallet: Pick<WalletPort, 'exposureCents'>;
  /**
   * The door to the rebalance coordinator (update-with-start on `rebalance:<taskQueue>`), given by
   * the worker: activities do not hold a Temporal client of their own.
   */
  requestRebalance: (request: RequestRebalanceInput) => Promise<RebalanceRunResult>;
}

export interface RebalanceToExposureInput {
  /** Unique per coordinator run; with the target it makes the idempotency key. */
  operationId: string;
  thresholdCents: number;
}

export type RebalanceOutcome = Pick<
  RebalanceRunResult,
  'outcome' | 'exposureCents' | 'beforeCents' | 'targetCents' | 'afterCents' | 'movedCents' | 'failure'
>;

export interface RequestRebalanceInput {
  trigger: RebalanceTrigger;
  updateId: string;
}

/** Well inside the heartbeat timeout the workflows give `requestRebalance` (workflows/activity-proxies.ts). */
const HEARTBEAT_EVERY_MS = 2_000;

export function createRebalanceActivities(deps: RebalanceActivityDependencies) {
  return {
    async rebalanceToExposure({
      operationId,
      thresholdCents,
    }: RebalanceToExposureInput): Promise<RebalanceOutcome> {
      const signal = Context.current().cancellationSignal;
      try {
        const before = (await deps.psp.getBalance({ signal })).transactionalCents;
        const exposureCents = await deps.wallet.exposureCents();
        const unchanged = {
          exposureCents,
          beforeCents: before,
          targetCents: exposureCents,
          afterCents: before,
          movedCents: 0,
        };
        if (Math.abs(exposureCents - before) <= thresholdCents) {
          return { outcome: 'BELOW_THRESHOLD', ...unchanged, failure: null };
        }
        try {
          // The target is part of the key: a retry that reads a new exposure is a new absolute target.
          await deps.psp.rebalance(exposureCents, {
            idempotencyKey: idempotencyKey(`rebalance:${operationId}:${exposureCents}`),
            signal,
          });
        } catch (err) {
          if (err instanceof ConnectPspError && !err.retryable) {
            return { outcome: 'FAILED', ...unchanged, failure: { code: err.code, message: err.message } };
          }
          throw err;
        }
        const after = (await deps.psp.getBalance({ signal })).transactionalCents;
        return {
          outcome: 'REBALANCED',
          exposureCents,
          beforeCents: before,
          targetCents: exposureCents,
          afterCents: after,
          movedCents: after - before,
          failure: null,
        };
      } catch (err) {
        throw toActivityFailure(err);
      }
    },

    /** Waits for the coordinator's run, heartbeating meanwhile so a dead worker is noticed quickly. */
    async requestRebalance(request: RequestRebalanceInput): Promise<RebalanceRunResult> {
      const context = Context.current();
      const beat = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
      try {
        context.heartbeat();
        return await deps.requestRebalance(request);
      } finally {
        clearInterval(beat);
      }
    },
  };
}

export type RebalanceActivities = ReturnType<typeof createRebalanceActivities>;
