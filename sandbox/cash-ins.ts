import QRCode from 'qrcode';
import type { CreateCashInRequest, CreateCashInResponse, RefundCashInResponse } from '../domain/connectpsp';
import { type Cents, reaisToCents } from '../domain/money';
import { buildBrCode } from '../domain/pix/br-code';
import { newEndToEndId } from '../domain/pix/end-to-end-id';
import type { SandboxContext } from './context';
import { newCashInInternalCode, newCashInTransactionId } from './ids';
import { randomExternalAccount } from './payer-banks';
import { notFound, ProblemError } from './problem';
import type { CashInRecord } from './records';
import { saoPauloIso } from './time';
import { cashInView } from './views';

/** The receiving side of every sandbox charge, as it shows in the payer's banking app. */
export const SANDBOX_MERCHANT = {
  pixKey: '7d9f0335-8dcc-4054-9bf9-0dbd61d36906',
  name: 'CONNECTPSP SANDBOX',
  city: 'SAO PAULO',
} as const;

const DEFAULT_EXPIRATION_MINUTES = 1440;

/** A charge past its expiry is EXPIRED from then on (checked lazily whenever it is read). */
function applyExpiry(ctx: SandboxContext, record: CashInRecord, now: number): void {
  if (record.status === 'AWAITING_PAYMENT' && now >= record.expiresAt) {
    record.status = 'EXPIRED';
    record.expiredAt = record.expiresAt;
    ctx.state.persist({ cashIn: record });
  }
}

/** By transactionId, internalCode or end-to-end id (and by externalReference when `byReference`). */
export function findCashIn(ctx: SandboxContext, id: string, byReference = false): CashInRecord {
  const record =
    ctx.state.cashIns.find(id) ?? (byReference ? ctx.state.cashIns.findByReference(id) : undefined);
  if (!record) throw notFound('Cash-in', id);
  applyExpiry(ctx, record, Date.now());
  return record;
}

export function allCashIns(ctx: SandboxContext): CashInRecord[] {
  const now = Date.now();
  const records = ctx.state.cashIns.all();
  for (const record of records) applyExpiry(ctx, record, now);
  return records;
}

function invalidState(record: CashInRecord, action: string): ProblemError {
  return new ProblemError(
    409,
    'INVALID_STATE',
    `Cash-in ${record.transactionId} is ${record.status}; cannot ${action}`,
  );
}

export async function createCashIn(
  ctx: SandboxContext,
  request: CreateCashInRequest,
  publicBaseUrl: string,
): Promise<CreateCashInResponse> {
  const { state } = ctx;
  const now = Date.now();
  const amountCents = reaisToCents(request.amount);
  const transactionId = newCashInTransactionId((id) => !state.cashIns.find(id));
  const internalCode = newCashInInternalCode((id) => !state.cashIns.find(id));
  const copyAndPaste = buildBrCode({
    pixKey: SANDBOX_MERCHANT.pixKey,
    merchantName: SANDBOX_MERCHANT.name,
    merchantCity: SANDBOX_MERCHANT.city,
    amountCents,
    txid: internalCode,
  });
  const png = await QRCode.toBuffer(copyAndPaste, { type: 'png', errorCorrectionLevel: 'M', margin: 2 });

  // Checked after the only await so two concurrent requests cannot both pass it.
  if (state.cashIns.findByReference(request.externalReference)) {
    throw new ProblemError(
      409,
      'DUPLICATE_EXTERNAL_REFERENCE',
      `A cash-in with externalReference ${JSON.stringify(request.externalReference)} already exists`,
    );
  }
  const banks = state.banks;
  const creditBank = banks[state.cashInCount % banks.length] ?? banks[0];
  if (!creditBank) throw new Error('the sandbox has no partner banks');
  const record: CashInRecord = {
    transactionId,
    internalCode,
    externalReference: request.externalReference,
    status: 'AWAITING_PAYMENT',
    chargedCents: amountCents,
    paidCents: null,
    payer: { name: request.payer.name, document: request.payer.document },
    payerBankData: null,
    webhookUrl: request.webhookUrl ?? null,
    copyAndPaste,
    openFinanceRedirectUrl: request.openFinance?.redirectUrl ?? null,
    creditIspb: creditBank.ispb,
    endToEndId: null,
    originalEndToEndId: null,
    requestedAt: now,
    expiresAt: now + (request.expirationInMinutes ?? DEFAULT_EXPIRATION_MINUTES) * 60_000,
    paidAt: null,
    refundedAt: null,
    expiredAt: null,
  };
  state.cashInCount += 1;
  state.persist({ cashIn: record });

  scheduleAutoPay(ctx, record);

  return {
    transactionId,
    internalCode,
    externalReference: record.externalReference,
    status: 'AWAITING_PAYMENT',
    amount: request.amount,
    payer: record.payer,
    pixData: { copyAndPaste, qrCodeImageBase64: png.toString('base64') },
    ...(record.openFinanceRedirectUrl
      ? { paymentUrl: `${publicBaseUrl}/_sandbox/open-finance/${transactionId}` }
      : {}),
    requestedAt: saoPauloIso(now),
  };
}

/** Pays the charge `autoPayCashInAfterMs` after it was requested (also re-armed after a restart). */
export function scheduleAutoPay(ctx: SandboxContext, record: CashInRecord): void {
  const delay = ctx.state.behaviour.autoPayCashInAfterMs;
  if (delay === null || record.status !== 'AWAITING_PAYMENT') return;
  ctx.timers.after(Math.max(0, record.requestedAt + delay - Date.now()), () => {
    const current = ctx.state.cashIns.find(record.transactionId);
    if (current) applyExpiry(ctx, current, Date.now());
    if (current?.status === 'AWAITING_PAYMENT') payCashIn(ctx, current, {});
  });
}

export interface PayOptions {
  /** What the payer sent; defaults to the charged amount. */
  amountCents?: Cents;
  /** Simulates a PSP record that lost its end-to-end id (makes refunds answer MISSING_END_TO_END_ID). */
  withoutEndToEndId?: boolean;
}

export function payCashIn(ctx: SandboxContext, record: CashInRecord, options: PayOptions): void {
  if (record.status !== 'AWAITING_PAYMENT') throw invalidState(record, 'pay');
  const now = Date.now();
  const paidCents = options.amountCents ?? record.chargedCents;
  const payerBank = randomExternalAccount();
  record.status = 'PAID';
  record.paidCents = paidCents;
  record.paidAt = now;
  record.payerBankData = payerBank;
  record.endToEndId = options.withoutEndToEndId ? null : newEndToEndId('E', payerBank.ispb, new Date(now));
  ctx.wallet.credit([{ ispb: record.creditIspb, cents: paidCents }]);
  ctx.state.persist({ cashIn: record, banks: true });
  ctx.webhooks.emit('CASHIN_PAID', record.webhookUrl, cashInView(record));
}

export function expireCashIn(ctx: SandboxContext, record: CashInRecord): void {
  if (record.status !== 'AWAITING_PAYMENT') throw invalidState(record, 'expire');
  record.status = 'EXPIRED';
  record.expiredAt = Date.now();
  ctx.state.persist({ cashIn: record });
}

export function cancelCashIn(ctx: SandboxContext, record: CashInRecord): void {
  if (record.status !== 'AWAITING_PAYMENT') throw invalidState(record, 'cancel');
  record.status = 'CANCELLED';
  ctx.state.persist({ cashIn: record });
}

/** PAID → REFUNDED with a D… id; the money leaves the transactional account; CASHIN_REFUNDED follows. */
function markRefunded(ctx: SandboxContext, record: CashInRecord, endToEndId: string): void {
  const now = Date.now();
  record.status = 'REFUNDED';
  record.originalEndToEndId = record.endToEndId;
  record.endToEndId = endToEndId;
  record.refundedAt = now;
  ctx.wallet.reclaim(record.creditIspb, record.paidCents ?? record.chargedCents);
  ctx.state.persist({ cashIn: record, banks: true });
  ctx.webhooks.emit('CASHIN_REFUNDED', record.webhookUrl, cashInView(record));
}

const REFUND_REFUSALS: Partial<Record<CashInRecord['status'], [ProblemError['code'], string]>> = {
  AWAITING_PAYMENT: ['CASH_IN_NOT_PAID', 'has not been paid'],
  REFUNDED: ['CASH_IN_ALREADY_REFUNDED', 'has already been refunded'],
  EXPIRED: ['CASH_IN_EXPIRED', 'has expired'],
  CANCELLED: ['CASH_IN_CANCELLED', 'was cancelled'],
};

export function refundCashIn(ctx: SandboxContext, record: CashInRecord): RefundCashInResponse {
  const refusal = REFUND_REFUSALS[record.status];
  if (refusal) throw new ProblemError(422, refusal[0], `Cash-in ${record.transactionId} ${refusal[1]}`);
  if (!record.endToEndId) {
    throw new ProblemError(
      422,
      'MISSING_END_TO_END_ID',
      `Cash-in ${record.transactionId} has no end-to-end id to refund against`,
    );
  }
  const refundId = newEndToEndId('D', record.creditIspb, new Date());
  markRefunded(ctx, record, refundId);
  return {
    transactionId: record.transactionId,
    internalCode: record.internalCode,
    externalReference: record.externalReference,
    endToEndId: refundId,
  };
}

/** A MED (Mecanismo Especial de Devolução) reversal the PSP executes on its own. */
export function medReversal(ctx: SandboxContext, record: CashInRecord): void {
  if (record.status !== 'PAID') throw invalidState(record, 'reverse');
  markRefunded(ctx, record, newEndToEndId('D', record.creditIspb, new Date()));
}
