/**
 * What an operator's resolution of an orphaned hold must know before it moves money
 * (operations/orphaned-hold.ts): is the hold still open, is its lifecycle really over, which PSP
 * transaction did the lifecycle learn, and did it ever ask the PSP to move the money.
 */
import { ApplicationFailure } from '@temporalio/common';
import { type HoldKind, openHoldOf } from '../domain/holds';
import type { LifecycleFacts, OrphanedHoldFacts } from '../operations/messages';
import type { LedgerBooks } from './ledger-check';

export interface OrphanedHoldDependencies {
  /** Absent with the platform's wallet service, which keeps its holds in its own books. */
  books?: Pick<LedgerBooks, 'findOpenHold'>;
  lifecycleFacts(workflowId: string): Promise<LifecycleFacts>;
}

export const WALLET_BOOKS_UNAVAILABLE = 'WALLET_BOOKS_UNAVAILABLE';

/** The activity that places each kind of hold, and the one that asks the PSP to move that money. */
const STEPS: Record<HoldKind, { hold: string; pspRequest: string }> = {
  CASH_OUT: { hold: 'holdCashOut', pspRequest: 'createCashOut' },
  CASH_IN_REFUND: { hold: 'holdCashInRefund', pspRequest: 'refundCashIn' },
};

export function createOrphanedHoldActivities(deps: OrphanedHoldDependencies) {
  return {
    async inspectOrphanedHold({ holdTransferId }: { holdTransferId: string }): Promise<OrphanedHoldFacts> {
      if (!deps.books) {
        throw ApplicationFailure.create({
          type: WALLET_BOOKS_UNAVAILABLE,
          message:
            "with WALLET_BACKEND=http the platform's wallet service keeps the holds: resolve them in its books",
          nonRetryable: true,
        });
      }
      const transfer = await deps.books.findOpenHold(holdTransferId);
      if (!transfer) return { hold: null, lifecycleRunning: false, pspTransactionId: null, pspAsked: true };
      const open = openHoldOf(transfer);
      const facts: LifecycleFacts = open.workflowId
        ? await deps.lifecycleFacts(open.workflowId)
        : { status: 'NOT_FOUND', pspTransactionId: null, scheduledActivities: null };
      const steps = open.kind ? STEPS[open.kind] : null;
      const activities = facts.scheduledActivities ?? [];
      // Proven not asked only when the history shows the hold being placed and no request after it.
      const provenNotAsked =
        steps !== null && activities.includes(steps.hold) && !activities.includes(steps.pspRequest);
      return {
        hold: { ...open, lifecycleStatus: facts.status },
        lifecycleRunning: facts.status === 'RUNNING',
        pspTransactionId: facts.pspTransactionId,
        pspAsked: !provenNotAsked,
      };
    },
  };
}

export type OrphanedHoldActivities = ReturnType<typeof createOrphanedHoldActivities>;
