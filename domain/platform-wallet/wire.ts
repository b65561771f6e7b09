/**
 * The wire of the platform wallet contract (docs/platform-wallet.openapi.yaml), shared by the HTTP
 * adapter (wallet/http-wallet.ts) and the reference service (wallet-service/), as zod schemas.
 * Amounts are integer centavos; ids are the caller's, and the transfer id is the idempotency key.
 */
import { z } from 'zod';
import { transferIdProblem, userIdProblem } from '../ledger';
import { MAX_AMOUNT_CENTS } from '../money';

export const WALLET_PATHS = {
  credits: '/v1/credits',
  reversals: '/v1/reversals',
  holds: '/v1/holds',
  postHold: (holdId: string) => `/v1/holds/${encodeURIComponent(holdId)}/post`,
  voidHold: (holdId: string) => `/v1/holds/${encodeURIComponent(holdId)}/void`,
  balance: (userId: string) => `/v1/users/${encodeURIComponent(userId)}/balance`,
  exposure: '/v1/exposure',
} as const;

const problemOf = (check: (value: string) => string | null) => (value: string, ctx: z.RefinementCtx) => {
  const problem = check(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
};

export const transferIdSchema = z.string().superRefine(problemOf(transferIdProblem));
export const userIdSchema = z.string().superRefine(problemOf(userIdProblem));
const amountSchema = z
  .number()
  .int('must be an integer number of centavos')
  .positive('must be > 0')
  .max(MAX_AMOUNT_CENTS, `must be at most ${MAX_AMOUNT_CENTS}`);
const codeSchema = z.string().min(1, 'must not be empty').max(64, 'must be at most 64 characters');

/** Body of POST /v1/credits, /v1/reversals and /v1/holds. */
export const movementRequestSchema = z.strictObject({
  transferId: transferIdSchema,
  userId: userIdSchema,
  amountCents: amountSchema,
  /** The payment's business reference, for the platform's own records. */
  reference: z.string().min(1).max(200),
  /** Why the money moves (CASH_IN, CASH_OUT_HOLD, MED_REVERSAL, ...): descriptive. */
  code: codeSchema,
});
export type MovementRequest = z.infer<typeof movementRequestSchema>;

/**
 * What the lifecycle records with a post or void, answered back when the hold is applied again
 * (`finalised.note`): the PSP transaction the hold was for, and why it was given back.
 */
export const finalisationNoteSchema = z.strictObject({
  pspTransactionId: z.string().min(1).max(100).optional(),
  failureCode: z.string().min(1).max(64).optional(),
});

/** Body of POST /v1/holds/{holdId}/post and /void. */
export const finaliseRequestSchema = z.strictObject({
  transferId: transferIdSchema,
  code: codeSchema,
  note: finalisationNoteSchema.optional(),
});
export type FinaliseRequest = z.infer<typeof finaliseRequestSchema>;

export const WALLET_TRANSFER_TYPES = ['CREDIT', 'REVERSAL', 'HOLD', 'POST', 'VOID'] as const;
export type WalletTransferType = (typeof WALLET_TRANSFER_TYPES)[number];

/** The answer to every movement: the transfer as first recorded. */
export const walletTransferSchema = z.object({
  transferId: z.string().min(1),
  type: z.enum(WALLET_TRANSFER_TYPES),
  userId: z.string().min(1),
  amountCents: amountSchema,
  /** For POST and VOID: the hold they finalise. */
  holdId: z.string().min(1).nullable(),
  code: z.string().min(1),
  reference: z.string().min(1).nullable(),
  createdAt: z.iso.datetime({ offset: true }),
  /** true: this id had already been applied; nothing changed and this is the first answer. */
  replayed: z.boolean(),
  /** A HOLD applied again after it was posted or voided: what became of it. Absent otherwise. */
  finalised: z
    .object({
      state: z.enum(['posted', 'voided']),
      transferId: z.string().min(1),
      note: z
        .object({ pspTransactionId: z.string().min(1).optional(), failureCode: z.string().min(1).optional() })
        .optional(),
    })
    .optional(),
});
export type WalletTransfer = z.infer<typeof walletTransferSchema>;

export const walletBalanceSchema = z.object({
  userId: z.string().min(1),
  /** Credits − debits; below zero only after a reversal. */
  postedCents: z.number().int(),
  /** Held by holds not yet posted or voided. */
  heldCents: z.number().int().min(0),
  availableCents: z.number().int(),
});
export type WalletBalance = z.infer<typeof walletBalanceSchema>;

export const walletExposureSchema = z.object({
  /** What the platform owes its users: the sum of positive posted balances, holds included. */
  exposureCents: z.number().int().min(0),
});

/**
 * Refusals the contract defines. The first two are business outcomes of a well-formed request;
 * the others say the request can never succeed as sent. None may be answered for a request the
 * service did not apply for that reason: a refusal gives the money back to the lifecycle.
 */
export const WALLET_REFUSAL_CODES = [
  'INSUFFICIENT_FUNDS',
  'UNKNOWN_USER',
  'TRANSFER_ID_CONFLICT',
  'HOLD_NOT_FOUND',
  'HOLD_ALREADY_FINALISED',
  'INVALID_REQUEST',
] as const;
export type WalletRefusalCode = (typeof WALLET_REFUSAL_CODES)[number];

/** The HTTP status of each refusal. */
export const WALLET_REFUSAL_STATUS: Record<WalletRefusalCode, number> = {
  INSUFFICIENT_FUNDS: 422,
  UNKNOWN_USER: 404,
  TRANSFER_ID_CONFLICT: 409,
  HOLD_NOT_FOUND: 404,
  HOLD_ALREADY_FINALISED: 409,
  INVALID_REQUEST: 400,
};

/** Codes of answers that refuse nothing: the caller retries (bad signature: after fixing the secret). */
export const WALLET_TRANSIENT_CODES = [
  'UNAUTHORIZED',
  'RATE_LIMITED',
  'INTERNAL_ERROR',
  'UNAVAILABLE',
] as const;

/** An error answer (`application/problem+json`). */
export const walletProblemSchema = z.object({
  code: z.string().min(1),
  detail: z.string(),
  availableCents: z.number().int().optional(),
  requestedCents: z.number().int().optional(),
  differingFields: z.array(z.string()).optional(),
  state: z.enum(['posted', 'voided']).optional(),
  finalisedBy: z.string().optional(),
  problems: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});
export type WalletProblem = z.infer<typeof walletProblemSchema>;
