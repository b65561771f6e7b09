/**
 * What the reference wallet service (wallet-service/) offers beyond the contract: the platform's
 * own movements (bets and wins) and a journal, so the demo and the CLI can play the platform.
 * A real platform wallet has its own ways to do this; the worker never calls these.
 */
import { z } from 'zod';
import {
  type LedgerTransfer,
  LIFECYCLE_TRANSFER_ID_PREFIXES,
  platformMovementIdProblem,
  SYSTEM_ACCOUNTS,
  type TransferKind,
} from '../ledger';
import { MAX_AMOUNT_CENTS } from '../money';
import { transferIdSchema, userIdSchema, WALLET_TRANSFER_TYPES, walletTransferSchema } from './wire';

export const REFERENCE_PATHS = {
  bets: '/reference/v1/bets',
  wins: '/reference/v1/wins',
  movements: (userId: string, limit: number) =>
    `/reference/v1/users/${encodeURIComponent(userId)}/movements?limit=${limit}`,
} as const;

export const MAX_MOVEMENTS_LIMIT = 1000;

export const platformMovementRequestSchema = z.strictObject({
  transferId: transferIdSchema.refine(
    (id) => platformMovementIdProblem(id) === null,
    `must not start with ${LIFECYCLE_TRANSFER_ID_PREFIXES.join(' or ')} (reserved for payment lifecycles)`,
  ),
  userId: userIdSchema,
  amountCents: z
    .number()
    .int('must be an integer number of centavos')
    .positive('must be > 0')
    .max(MAX_AMOUNT_CENTS),
});
export type PlatformMovementRequest = z.infer<typeof platformMovementRequestSchema>;

export const REFERENCE_TRANSFER_TYPES = [...WALLET_TRANSFER_TYPES, 'BET', 'WIN'] as const;
export type ReferenceTransferType = (typeof REFERENCE_TRANSFER_TYPES)[number];

export const referenceTransferSchema = walletTransferSchema.extend({
  type: z.enum(REFERENCE_TRANSFER_TYPES),
});
export type ReferenceTransfer = z.infer<typeof referenceTransferSchema>;

export const movementsSchema = z.object({ movements: z.array(referenceTransferSchema) });

const KINDS: Record<ReferenceTransferType, TransferKind> = {
  CREDIT: 'posted',
  REVERSAL: 'posted',
  HOLD: 'pending',
  POST: 'post_pending',
  VOID: 'void_pending',
  BET: 'posted',
  WIN: 'posted',
};

/**
 * A wallet service's transfer in the ledger's vocabulary: the result shape of the ledger
 * activities and of the CLI's journal. The counterpart is the PSP settlement account for payment
 * movements and the platform's account for bets and wins, as in the built-in ledger.
 */
export function ledgerTransferOf(t: ReferenceTransfer): LedgerTransfer {
  const wallet = `user:${t.userId}`;
  const counterpart =
    t.type === 'BET' || t.type === 'WIN' ? SYSTEM_ACCOUNTS.platform : SYSTEM_ACCOUNTS.pspSettlement;
  const toWallet = t.type === 'CREDIT' || t.type === 'WIN';
  return {
    id: t.transferId,
    debitAccount: toWallet ? counterpart : wallet,
    creditAccount: toWallet ? wallet : counterpart,
    amountCents: t.amountCents,
    kind: KINDS[t.type],
    ...(t.holdId === null ? {} : { pendingId: t.holdId }),
    code: t.code,
    ...(t.reference === null ? {} : { metadata: { reference: t.reference } }),
    createdAt: t.createdAt,
  };
}
