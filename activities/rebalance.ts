/**
 * Rebalance activities. `rebalanceToExposure` reads the PSP balance and the ledger's exposure and,
 * when they differ by more than the threshold, sets the PSP target to the exposure it has just
 * read (never a stale one). `requestRebalance` lets a workflow go through the coordinator's door.
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { executeRebalance } from '../client/rebalance-schedule';
import { idempotencyKey } from '../domain/ids';
import type { RebalanceRunResult, RebalanceTrigger } from '../workflows/messages';
import type { ConnectPspApi } from './connectpsp/activities';
import { ConnectPspError, toActivityFailure } from './connectpsp/errors';
import type { Ledger } from './ledger/ledger';

export interface RebalanceActivityDependencies {
  psp: Pick<ConnectPspApi, 'getBalance' | 'rebalance'>;
  ledger: Pick<Ledger, 'exposureCents'>;
  /** For `requestRebalance`: the coordinator is reached through Temporal. */
  temporal: Client;
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

export function createRebalanceActivities(deps: RebalanceActivityDependencies) {
  return {
    async rebalanceToExposure({
      operationId,
      thresholdCents,
    }: RebalanceToExposureInput): Promise<RebalanceOutcome> {
      const signal = Context.current().cancellationSignal;
      try {
        const before = (await deps.psp.getBalance({ signal })).transactionalCents;
        const exposureCents = await deps.ledger.exposureCents();
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

    async requestRebalance({ trigger, updateId }: RequestRebalanceInput): Promise<RebalanceRunResult> {
      // The coordinator lives on the task queue of the workflow asking (this activity's queue).
      const { taskQueue } = Context.current().info;
      return executeRebalance(deps.temporal, { taskQueue, trigger, updateId });
    },
  };
}

export type RebalanceActivities = ReturnType<typeof createRebalanceActivities>;
