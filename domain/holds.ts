/**
 * Holds on user wallets (two-phase ledger transfers not yet posted or voided) and the lifecycle
 * each belongs to, read from its transfer id (`transferIds` in ./ledger.ts). A hold whose
 * lifecycle is no longer running is orphaned: nothing will ever post or void it on its own.
 */
import { type LedgerTransfer, parseAccountId, transferIds } from './ledger';
import type { Cents } from './money';

/** Which step placed a hold: a cash-out's send, or a platform refund of a cash-in. */
export type HoldKind = 'CASH_OUT' | 'CASH_IN_REFUND';

export interface OpenHold {
  transferId: string;
  /** null for a hold no lifecycle's id scheme explains (never placed by this project). */
  kind: HoldKind | null;
  reference: string | null;
  /** The lifecycle that must post or void it: `cash-out:<ref>` or `cash-in:<ref>`. */
  workflowId: string | null;
  userId: string | null;
  amountCents: Cents;
  /** ISO-8601. */
  createdAt: string;
}

export interface OrphanedHold extends OpenHold {
  /** Temporal's status of the lifecycle (COMPLETED, FAILED, TERMINATED, ...), or NOT_FOUND. */
  lifecycleStatus: string;
}

const HOLD_ID_SCHEMES: ReadonlyArray<{ kind: HoldKind; suffix: string; workflowPrefix: string }> = [
  {
    kind: 'CASH_OUT',
    suffix: transferIds.cashOutHold('').slice('cash-out:'.length),
    workflowPrefix: 'cash-out:',
  },
  {
    kind: 'CASH_IN_REFUND',
    suffix: transferIds.cashInRefundHold('').slice('cash-in:'.length),
    workflowPrefix: 'cash-in:',
  },
];

/** The lifecycle a hold's transfer id names (`cash-out:<ref>:hold`, `cash-in:<ref>:refund-hold`), or null. */
export function holdLifecycle(
  transferId: string,
): { kind: HoldKind; reference: string; workflowId: string } | null {
  for (const { kind, suffix, workflowPrefix } of HOLD_ID_SCHEMES) {
    if (!transferId.startsWith(workflowPrefix) || !transferId.endsWith(suffix)) continue;
    const reference = transferId.slice(workflowPrefix.length, transferId.length - suffix.length);
    if (reference.length > 0) return { kind, reference, workflowId: `${workflowPrefix}${reference}` };
  }
  return null;
}

export function openHoldOf(transfer: LedgerTransfer): OpenHold {
  const account = parseAccountId(transfer.debitAccount);
  return {
    transferId: transfer.id,
    ...(holdLifecycle(transfer.id) ?? { kind: null, reference: null, workflowId: null }),
    userId: account?.kind === 'user' ? account.userId : null,
    amountCents: transfer.amountCents,
    createdAt: transfer.createdAt,
  };
}
