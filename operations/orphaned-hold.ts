/**
 * An operator's resolution of an orphaned hold: money held on a wallet by a lifecycle that ended
 * (terminated, or a bug) without posting or voiding it. The PSP's own record decides, never the
 * operator's word: COMPLETED (or REFUNDED afterwards) posts the hold, FAILED or CANCELLED voids it,
 * a request the lifecycle provably never sent voids it; anything else leaves the money held and
 * says why. The same transfer ids as the lifecycle's (domain/ledger.ts `transferIds`), so a
 * lifecycle reset later finds its own steps done. Who asked and why stay in this workflow's history.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { ConnectPspActivities } from '../activities/connectpsp';
import type { LedgerActivities } from '../activities/ledger';
import type { OrphanedHoldActivities } from '../activities/orphaned-hold';
import { PSP_NON_RETRYABLE_CODES } from '../domain/connectpsp/common';
import type { HoldKind, OrphanedHold } from '../domain/holds';
import { LEDGER_FAILURE_TYPES, transferIds } from '../domain/ledger';
import { formatBrl } from '../domain/money';
import type { OrphanedHoldOutcome, OrphanedHoldRequest } from './messages';

const backoff = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' } as const;

const { inspectOrphanedHold } = proxyActivities<OrphanedHoldActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { ...backoff, maximumAttempts: 5 },
});
/** A read the operator waits for: a PSP that cannot answer now leaves the hold as it is. */
const pspReads = proxyActivities<Pick<ConnectPspActivities, 'getCashIn' | 'getCashOut'>>({
  startToCloseTimeout: '30 seconds',
  retry: { ...backoff, maximumAttempts: 3, nonRetryableErrorTypes: PSP_NON_RETRYABLE_CODES },
});
/** Once decided, the ledger write must land: idempotent by transfer id, retried until it does. */
const ledger = proxyActivities<LedgerActivities>({
  startToCloseTimeout: '15 seconds',
  retry: { ...backoff, nonRetryableErrorTypes: Object.values(LEDGER_FAILURE_TYPES) },
});

type Decided = Pick<OrphanedHoldOutcome, 'decision' | 'why' | 'pspTransactionId' | 'pspStatus'>;

export async function orphanedHoldWorkflow(request: OrphanedHoldRequest): Promise<OrphanedHoldOutcome> {
  const facts = await inspectOrphanedHold({ holdTransferId: request.holdTransferId });
  const decided = await decide(request, facts.hold, facts);
  return { holdTransferId: request.holdTransferId, hold: facts.hold, ...decided, ...who(request) };
}

async function decide(
  request: OrphanedHoldRequest,
  hold: OrphanedHold | null,
  facts: { lifecycleRunning: boolean; pspTransactionId: string | null; pspAsked: boolean },
): Promise<Decided> {
  const refuse = (why: string, pspTransactionId: string | null = null, pspStatus: string | null = null) =>
    ({ decision: 'REFUSED', why, pspTransactionId, pspStatus }) as const;
  if (!hold) return refuse('no such hold is open: it was posted or voided already, or never placed');
  if (facts.lifecycleRunning) {
    return refuse(`its lifecycle ${hold.workflowId} is running and resolves it itself (pix status)`);
  }
  if (!hold.kind || !hold.reference || !hold.userId) return refuse('no payment lifecycle placed this hold');
  const target: Target = {
    kind: hold.kind,
    reference: hold.reference,
    userId: hold.userId,
    transferId: hold.transferId,
    amountCents: hold.amountCents,
  };
  const known = facts.pspTransactionId;
  const named = request.pspTransactionId ?? null;
  if (known && named && known !== named) {
    return refuse(`the lifecycle knew PSP transaction ${known}, not ${named}`, known);
  }
  const transactionId = named ?? known;
  if (!transactionId) {
    if (!facts.pspAsked) {
      await finalise(target, 'void');
      return {
        decision: 'VOIDED',
        why: 'the lifecycle never asked the PSP',
        pspTransactionId: null,
        pspStatus: null,
      };
    }
    return refuse(
      'the lifecycle may have asked the PSP, which never named the transaction: find it with ConnectPSP and give it (--psp-transaction-id)',
    );
  }
  let record: { externalReference: string; amountCents: number; status: string };
  try {
    record =
      hold.kind === 'CASH_OUT'
        ? await pspReads.getCashOut({ id: transactionId })
        : await pspReads.getCashIn({ id: transactionId });
  } catch {
    return refuse(
      `the PSP could not show transaction ${transactionId} now; nothing moved, ask again later`,
      transactionId,
    );
  }
  const { status } = record;
  if (record.externalReference !== hold.reference || record.amountCents !== hold.amountCents) {
    return refuse(
      `PSP transaction ${transactionId} is ${record.externalReference}'s, of ${formatBrl(record.amountCents)}: not this hold's`,
      transactionId,
      status,
    );
  }
  const outcome = (decision: Decided['decision'], why: string): Decided => ({
    decision,
    why,
    pspTransactionId: transactionId,
    pspStatus: status,
  });
  if (hold.kind === 'CASH_OUT') {
    if (status === 'COMPLETED') {
      await finalise(target, 'post');
      return outcome('POSTED', 'the PSP completed the cash-out');
    }
    if (status === 'REFUNDED') {
      await finalise(target, 'post');
      await ledger.creditCashOutReturn({
        transferId: transferIds.cashOutReturn(target.reference),
        userId: target.userId,
        amountCents: target.amountCents,
        reference: target.reference,
      });
      return outcome(
        'POSTED_AND_RETURNED',
        'the PSP completed the cash-out, then the payee bank returned it',
      );
    }
    if (status === 'FAILED' || status === 'CANCELLED') {
      await finalise(target, 'void');
      return outcome('VOIDED', `the PSP says ${status}: nothing left`);
    }
    return refuse(`the PSP says ${status}: not final yet, ask again later`, transactionId, status);
  }
  if (status === 'REFUNDED') {
    await finalise(target, 'post');
    return outcome('POSTED', 'the PSP refunded the cash-in');
  }
  if (!facts.pspAsked) {
    await finalise(target, 'void');
    return outcome('VOIDED', `the refund was never asked of the PSP, which says ${status}`);
  }
  return refuse(
    `the PSP says ${status}: the refund may still happen, ask again later`,
    transactionId,
    status,
  );
}

/** A hold a payment lifecycle placed, with everything needed to finalise it as that lifecycle would. */
interface Target {
  kind: HoldKind;
  reference: string;
  userId: string;
  transferId: string;
  amountCents: number;
}

/** The lifecycle's own transfer ids and ledger steps that post or void each kind of hold. */
const FINALISE = {
  CASH_OUT: {
    post: { id: transferIds.cashOutPost, step: ledger.postCashOut },
    void: { id: transferIds.cashOutVoid, step: ledger.voidCashOut },
  },
  CASH_IN_REFUND: {
    post: { id: transferIds.cashInRefundPost, step: ledger.postCashInRefund },
    void: { id: transferIds.cashInRefundVoid, step: ledger.voidCashInRefund },
  },
} as const;

function finalise(hold: Target, how: 'post' | 'void') {
  const { id, step } = FINALISE[hold.kind][how];
  return step({ transferId: id(hold.reference), pendingId: hold.transferId });
}

function who(request: OrphanedHoldRequest): Pick<OrphanedHoldOutcome, 'resolvedBy' | 'reason'> {
  return { resolvedBy: request.resolvedBy, reason: request.reason };
}
