import { SYSTEM_ACCOUNTS, userAccountId } from '../domain/ledger';
import {
  InsufficientFundsError,
  LedgerInputError,
  PendingTransferAlreadyFinalisedError,
  PendingTransferNotFoundError,
  TransferIdConflictError,
} from '../ledger/errors';
import type { FinaliseOptions, Ledger } from '../ledger/ledger';
import { WalletRefusal } from './errors';
import type { HoldFinalisation, WalletMovement, WalletPort } from './port';

/**
 * The built-in ledger as the wallet. The PSP settlement account is the counterpart of every wallet
 * movement; a hold is a pending transfer user → psp-settlement, so posting it settles a cash-out in
 * one step (the settlement account's pending credits are the money in flight). Ledger refusals
 * become WalletRefusals; database trouble passes through (retryable).
 */
export function ledgerWallet(ledger: Ledger): WalletPort {
  const movement = (
    m: WalletMovement,
    spec: { toWallet: boolean; kind: 'posted' | 'pending'; allowOverdraft?: true },
  ) =>
    refusalsOf(() => {
      const wallet = userAccountId(m.userId);
      return ledger.createTransfer({
        id: m.transferId,
        debitAccount: spec.toWallet ? SYSTEM_ACCOUNTS.pspSettlement : wallet,
        creditAccount: spec.toWallet ? wallet : SYSTEM_ACCOUNTS.pspSettlement,
        amountCents: m.amountCents,
        kind: spec.kind,
        code: m.code,
        metadata: { reference: m.reference },
        ...(spec.allowOverdraft ? { allowOverdraft: true } : {}),
      });
    });

  return {
    credit: (m) => movement(m, { toWallet: true, kind: 'posted' }),
    debitReversal: (m) => movement(m, { toWallet: false, kind: 'posted', allowOverdraft: true }),
    hold: (m) => movement(m, { toWallet: false, kind: 'pending' }),
    post: (f) => refusalsOf(() => ledger.postPending(f.transferId, f.holdId, finaliseOptions(f))),
    void: (f) => refusalsOf(() => ledger.voidPending(f.transferId, f.holdId, finaliseOptions(f))),
    balance: (userId) => refusalsOf(() => ledger.getUserBalance(userId)),
    exposureCents: () => ledger.exposureCents(),
  };
}

function finaliseOptions(f: HoldFinalisation): FinaliseOptions {
  return { code: f.code, ...(f.note ? { metadata: { ...f.note } } : {}) };
}

async function refusalsOf<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw refusalOf(err);
  }
}

function refusalOf(err: unknown): unknown {
  if (err instanceof InsufficientFundsError) {
    return new WalletRefusal(
      'INSUFFICIENT_FUNDS',
      err.message,
      { availableCents: err.availableCents, requestedCents: err.requestedCents },
      { cause: err },
    );
  }
  if (err instanceof TransferIdConflictError) {
    return new WalletRefusal(
      'TRANSFER_ID_CONFLICT',
      err.message,
      { differingFields: err.differingFields },
      { cause: err },
    );
  }
  if (err instanceof PendingTransferNotFoundError) {
    return new WalletRefusal('HOLD_NOT_FOUND', err.message, {}, { cause: err });
  }
  if (err instanceof PendingTransferAlreadyFinalisedError) {
    return new WalletRefusal(
      'HOLD_ALREADY_FINALISED',
      err.message,
      { state: err.state, finalisedBy: err.finalisedBy },
      { cause: err },
    );
  }
  // RangeError: a user id userAccountId rejects.
  if (err instanceof LedgerInputError || err instanceof RangeError) {
    return new WalletRefusal('INVALID_REQUEST', err.message, {}, { cause: err });
  }
  return err;
}
