import { z } from 'zod';
import { documentNumber, endToEndId, externalReference, ispb, timestamp, wireAmount } from './common';

export const CASH_OUT_STATUSES = ['PROCESSING', 'COMPLETED', 'FAILED', 'REFUNDED', 'CANCELLED'] as const;
export const cashOutStatus = z.enum(CASH_OUT_STATUSES);
export type CashOutStatus = z.infer<typeof cashOutStatus>;

export const PIX_KEY_TYPES = ['CPF', 'CNPJ', 'EMAIL', 'PHONE', 'EVP'] as const;
export const pixKeyType = z.enum(PIX_KEY_TYPES);
export type PixKeyType = z.infer<typeof pixKeyType>;

export const BANK_ACCOUNT_TYPES = ['PAYMENT', 'CHECKING', 'SAVINGS'] as const;

export const bankAccountSchema = z.object({
  ispb,
  branch: z.string().regex(/^\d{1,4}$/, 'must be 1-4 digits'),
  account: z.string().regex(/^\d{1,20}$/, 'must be 1-20 digits'),
  accountType: z.enum(BANK_ACCOUNT_TYPES),
});
export type BankAccount = z.infer<typeof bankAccountSchema>;

export const destinationSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('PIX'), pixKeyType, pixKey: z.string().min(1).max(77) }),
  z.object({ type: z.literal('BANK_ACCOUNT'), bankAccount: bankAccountSchema }),
]);
export type Destination = z.infer<typeof destinationSchema>;

export const payeeSchema = z.object({
  name: z.string().min(1, 'must not be empty').max(200),
  document: documentNumber,
  destination: destinationSchema,
});
export type Payee = z.infer<typeof payeeSchema>;

export const createCashOutRequestSchema = z.object({
  amount: wireAmount,
  externalReference,
  description: z.string().max(140).optional(),
  webhookUrl: z.url().optional(),
  payee: payeeSchema,
});
export type CreateCashOutRequest = z.infer<typeof createCashOutRequestSchema>;

export const createCashOutResponseSchema = z.object({
  // Lenient on id formats (documented: a UUID and 10 uppercase alphanumerics): refusing a 202 over an
  // id's shape would leave a PIX that left as 'maybe sent'. The sandbox's own format is tested.
  transactionId: z.string().min(1),
  internalCode: z.string().min(1),
  externalReference: z.string(),
  status: z.literal('PROCESSING'),
  amount: wireAmount,
  payee: payeeSchema,
});
export type CreateCashOutResponse = z.infer<typeof createCashOutResponseSchema>;

export const failureSchema = z.object({ code: z.string(), message: z.string() });

/** `GET /cash-out/{id}` and the `data` of CASHOUT_* webhooks. */
export const cashOutSchema = z.object({
  transactionId: z.string(),
  internalCode: z.string(),
  externalReference: z.string(),
  endToEndId: endToEndId.nullable(),
  originalEndToEndId: endToEndId.nullable(),
  status: cashOutStatus,
  amount: wireAmount,
  failure: failureSchema.nullable(),
  payee: payeeSchema,
  requestedAt: timestamp,
  completedAt: timestamp.nullable(),
});
export type CashOut = z.infer<typeof cashOutSchema>;
