import type { CreateCashOutRequest, CreateCashOutResponse } from '../domain/connectpsp';
import { reaisToCents } from '../domain/money';
import { newEndToEndId } from '../domain/pix/end-to-end-id';
import type { SandboxContext } from './context';
import { newCashOutInternalCode, newCashOutTransactionId } from './ids';
import { randomExternalAccount } from './payer-banks';
import { notFound, ProblemError } from './problem';
import type { CashOutRecord, FailureRule } from './records';
import { cashOutView } from './views';

export const DEFAULT_FAILURE = {
  code: 'PIX_KEY_NOT_FOUND',
  message: 'The PIX key was not found in the DICT',
};

export function findCashOut(ctx: SandboxContext, id: string, byReference = false): CashOutRecord {
  const record =
    ctx.state.cashOuts.find(id) ?? (byReference ? ctx.state.cashOuts.findByReference(id) : undefined);
  if (!record) throw notFound('Cash-out', id);
  return record;
}

function invalidState(record: CashOutRecord, action: string): ProblemError {
  return new ProblemError(
    409,
    'INVALID_STATE',
    `Cash-out ${record.transactionId} is ${record.status}; cannot ${action}`,
  );
}

function matchingFailureRule(ctx: SandboxContext, record: CashOutRecord): FailureRule | undefined {
  const destination = record.payee.destination;
  if (destination.type !== 'PIX') return undefined;
  return ctx.state.behaviour.failureRules.find((rule) => destination.pixKey.endsWith(rule.pixKeySuffix));
}

export function createCashOut(ctx: SandboxContext, request: CreateCashOutRequest): CreateCashOutResponse {
  const { state } = ctx;
  if (state.cashOuts.findByReference(request.externalReference)) {
    throw new ProblemError(
      409,
      'DUPLICATE_EXTERNAL_REFERENCE',
      `A cash-out with externalReference ${JSON.stringify(request.externalReference)} already exists`,
    );
  }
  const amountCents = reaisToCents(request.amount);
  const debits = ctx.wallet.debitTransactional(amountCents);
  const record: CashOutRecord = {
    transactionId: newCashOutTransactionId((id) => !state.cashOuts.find(id)),
    internalCode: newCashOutInternalCode((id) => !state.cashOuts.find(id)),
    externalReference: request.externalReference,
    status: 'PROCESSING',
    amountCents,
    description: request.description ?? null,
    payee: request.payee,
    webhookUrl: request.webhookUrl ?? null,
    debits,
    endToEndId: null,
    originalEndToEndId: null,
    failure: null,
    requestedAt: Date.now(),
    completedAt: null,
  };
  state.persist({ cashOut: record, banks: true });
  scheduleSettlement(ctx, record);
  return {
    transactionId: record.transactionId,
    internalCode: record.internalCode,
    externalReference: record.externalReference,
    status: 'PROCESSING',
    amount: request.amount,
    payee: record.payee,
  };
}

/**
 * Failure rules fire on their own (after the auto-complete delay, or at once); completion only
 * when auto-complete is on. Counted from the request time, so a restart re-arms what is left.
 */
export function scheduleSettlement(ctx: SandboxContext, record: CashOutRecord): void {
  const rule = matchingFailureRule(ctx, record);
  const delay = ctx.state.behaviour.autoCompleteCashOutAfterMs;
  if (record.status !== 'PROCESSING' || (!rule && delay === null)) return;
  ctx.timers.after(Math.max(0, record.requestedAt + (delay ?? 0) - Date.now()), () => {
    const current = ctx.state.cashOuts.find(record.transactionId);
    if (current?.status !== 'PROCESSING') return;
    if (rule) failCashOut(ctx, current, rule.code, rule.message ?? `Cash-out failed: ${rule.code}`);
    else completeCashOut(ctx, current);
  });
}

export function completeCashOut(ctx: SandboxContext, record: CashOutRecord): void {
  if (record.status !== 'PROCESSING') throw invalidState(record, 'complete');
  const now = Date.now();
  const ispb = record.debits[0]?.ispb ?? ctx.state.banks[0]?.ispb ?? '13935893';
  record.status = 'COMPLETED';
  record.completedAt = now;
  record.endToEndId = newEndToEndId('E', ispb, new Date(now));
  ctx.state.persist({ cashOut: record });
  ctx.webhooks.emit('CASHOUT_COMPLETED', record.webhookUrl, cashOutView(record));
}

export function failCashOut(ctx: SandboxContext, record: CashOutRecord, code: string, message: string): void {
  if (record.status !== 'PROCESSING') throw invalidState(record, 'fail');
  record.status = 'FAILED';
  record.failure = { code, message };
  ctx.wallet.credit(record.debits);
  ctx.state.persist({ cashOut: record, banks: true });
  ctx.webhooks.emit('CASHOUT_FAILED', record.webhookUrl, cashOutView(record));
}

/** The receiving bank sent the money back (COMPLETED → REFUNDED), possibly weeks later. */
export function returnCashOut(ctx: SandboxContext, record: CashOutRecord): void {
  if (record.status !== 'COMPLETED') throw invalidState(record, 'return');
  const destination = record.payee.destination;
  const returningIspb =
    destination.type === 'BANK_ACCOUNT' ? destination.bankAccount.ispb : randomExternalAccount().ispb;
  record.status = 'REFUNDED';
  record.originalEndToEndId = record.endToEndId;
  record.endToEndId = newEndToEndId('D', returningIspb, new Date());
  ctx.wallet.credit(record.debits);
  ctx.state.persist({ cashOut: record, banks: true });
  ctx.webhooks.emit('CASHOUT_REFUNDED', record.webhookUrl, cashOutView(record));
}

export function cancelCashOut(ctx: SandboxContext, record: CashOutRecord): void {
  if (record.status !== 'PROCESSING') throw invalidState(record, 'cancel');
  record.status = 'CANCELLED';
  ctx.wallet.credit(record.debits);
  ctx.state.persist({ cashOut: record, banks: true });
}
