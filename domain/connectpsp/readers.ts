/**
 * How the project READS what ConnectPSP sends: the answers to its calls, GET records and webhook
 * data. Only the fields the project uses are required; a nullable field that is absent reads as
 * null; unknown fields are ignored; ids, documents and names are taken as given (masked, or in
 * another format). A record the PSP sends is evidence about money: refusing it over a detail we
 * do not use would lose that evidence. The strict schemas beside these (cash-in.ts, cash-out.ts)
 * describe what the client sends and what the sandbox must produce.
 */
import { z } from 'zod';
import { cashInStatus } from './cash-in';
import { cashOutStatus, failureSchema } from './cash-out';
import { wireAmount } from './common';

/** A text field the project may show but never relies on: absent, null or empty all read as null. */
const optionalText = z
  .string()
  .nullish()
  .transform((value) => (value ? value : null));

const reference = z.string().min(1, 'must not be empty');

/** `GET /cash-in/{id}` and the `data` of CASHIN_* webhooks, as far as the project uses them. */
export const cashInRecordReader = z
  .object({
    transactionId: reference,
    internalCode: optionalText,
    externalReference: reference,
    endToEndId: optionalText,
    status: cashInStatus,
    amount: wireAmount,
  })
  .loose();
export type CashInRecordWire = z.infer<typeof cashInRecordReader>;

/** `GET /cash-out/{id}` and the `data` of CASHOUT_* webhooks, as far as the project uses them. */
export const cashOutRecordReader = z
  .object({
    transactionId: reference,
    internalCode: optionalText,
    externalReference: reference,
    endToEndId: optionalText,
    status: cashOutStatus,
    amount: wireAmount,
    failure: failureSchema
      .loose()
      .nullish()
      .transform((failure) => (failure ? { code: failure.code, message: failure.message } : null)),
  })
  .loose();
export type CashOutRecordWire = z.infer<typeof cashOutRecordReader>;

/** The 201 of `POST /cash-in`: the ids, the amount and what the payer needs (QR and copy-and-paste). */
export const createdCashInReader = z
  .object({
    transactionId: reference,
    internalCode: optionalText,
    externalReference: reference,
    amount: wireAmount,
    pixData: z.object({ copyAndPaste: reference, qrCodeImageBase64: reference }).loose(),
    paymentUrl: optionalText,
    requestedAt: optionalText,
  })
  .loose();
export type CreatedCashInWire = z.infer<typeof createdCashInReader>;

/** The 202 of `POST /cash-out`: what identifies the transfer the PSP took. */
export const createdCashOutReader = z
  .object({
    transactionId: reference,
    internalCode: optionalText,
    externalReference: reference,
    amount: wireAmount,
  })
  .loose();
export type CreatedCashOutWire = z.infer<typeof createdCashOutReader>;

/** The 202 of `POST /cash-in/{id}/refund`. */
export const refundedCashInReader = z
  .object({
    transactionId: reference,
    internalCode: optionalText,
    externalReference: optionalText,
    endToEndId: optionalText,
  })
  .loose();
export type RefundedCashInWire = z.infer<typeof refundedCashInReader>;
