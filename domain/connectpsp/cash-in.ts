import { z } from 'zod';
import { documentNumber, endToEndId, externalReference, ispb, timestamp, wireAmount } from './common';

export const CASH_IN_STATUSES = ['AWAITING_PAYMENT', 'PAID', 'EXPIRED', 'REFUNDED', 'CANCELLED'] as const;
export const cashInStatus = z.enum(CASH_IN_STATUSES);
export type CashInStatus = z.infer<typeof cashInStatus>;

export const payerSchema = z.object({
  name: z.string().min(1, 'must not be empty').max(200),
  document: documentNumber,
});

export const createCashInRequestSchema = z.object({
  amount: wireAmount,
  externalReference,
  expirationInMinutes: z.number().int().positive().max(525_600).optional(),
  webhookUrl: z.url().optional(),
  payer: payerSchema,
  openFinance: z.object({ redirectUrl: z.url() }).optional(),
});
export type CreateCashInRequest = z.infer<typeof createCashInRequestSchema>;

export const createCashInResponseSchema = z.object({
  // Lenient on id formats (documented: 35 lowercase alphanumerics): a PSP answer we refuse over an
  // id's shape would be a charge we created and cannot use. The sandbox's own format is tested.
  transactionId: z.string().min(1),
  internalCode: z.string().min(1),
  externalReference: z.string(),
  status: z.literal('AWAITING_PAYMENT'),
  amount: wireAmount,
  payer: payerSchema,
  pixData: z.object({ copyAndPaste: z.string().min(1), qrCodeImageBase64: z.string().min(1) }),
  paymentUrl: z.url().optional(),
  requestedAt: timestamp,
});
export type CreateCashInResponse = z.infer<typeof createCashInResponseSchema>;

export const payerBankDataSchema = z.object({
  ispb,
  bank: z.string(),
  branch: z.string(),
  account: z.string(),
});

/** `GET /cash-in/{id}` and the `data` of CASHIN_* webhooks. */
export const cashInSchema = z.object({
  transactionId: z.string(),
  internalCode: z.string(),
  externalReference: z.string(),
  endToEndId: endToEndId.nullable(),
  originalEndToEndId: endToEndId.nullable(),
  status: cashInStatus,
  amount: wireAmount,
  payer: payerSchema.extend({ bankData: payerBankDataSchema.nullable() }),
  requestedAt: timestamp,
  paidAt: timestamp.nullable(),
  refundedAt: timestamp.nullable(),
  expiredAt: timestamp.nullable(),
});
export type CashIn = z.infer<typeof cashInSchema>;

export const REFUND_REASONS = ['FRAUD', 'DUPLICATED_PAYMENT', 'CUSTOMER_REQUEST', 'MERCHANT_ERROR'] as const;
export const refundReason = z.enum(REFUND_REASONS);
export type RefundReason = z.infer<typeof refundReason>;

export const refundCashInRequestSchema = z.object({
  reason: refundReason,
  description: z.string().max(500).optional(),
});
export type RefundCashInRequest = z.infer<typeof refundCashInRequestSchema>;

export const refundCashInResponseSchema = z.object({
  transactionId: z.string(),
  internalCode: z.string(),
  externalReference: z.string(),
  endToEndId: endToEndId,
});
export type RefundCashInResponse = z.infer<typeof refundCashInResponseSchema>;
