import { z } from 'zod';
import { ispb, wireBalance } from './common';

const accountSide = z.object({ branch: z.string(), account: z.string(), balance: wireBalance });

export const balanceResponseSchema = z.object({
  currency: z.literal('BRL'),
  referenceDate: z.iso.date(),
  consolidated: z.object({
    totalBalance: wireBalance,
    transactionalBalance: wireBalance,
    proprietaryBalance: wireBalance,
  }),
  banks: z.array(
    z.object({
      ispb,
      bank: z.string(),
      accounts: z.object({ transactional: accountSide, proprietary: accountSide }),
    }),
  ),
  updatedAt: z.iso.datetime(),
});
export type BalanceResponse = z.infer<typeof balanceResponseSchema>;

export const rebalanceRequestSchema = z.object({
  /** The platform's total exposure in reais; may be zero (sweep everything back). */
  targetAmount: wireBalance,
});
export type RebalanceRequest = z.infer<typeof rebalanceRequestSchema>;

export const rebalanceResponseSchema = z.object({ success: z.literal(true), message: z.string() });
export type RebalanceResponse = z.infer<typeof rebalanceResponseSchema>;
