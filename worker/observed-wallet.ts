import { WalletRefusal, WalletUnavailableError } from '../wallet/errors';
import type { WalletPort } from '../wallet/port';
import type { WorkerMetrics } from './metrics';

/** The wallet's movements, each timed into `pix_ledger_transfer_duration_seconds`; reads pass through. */
export function observedWallet(wallet: WalletPort, metrics: WorkerMetrics): WalletPort {
  const timed =
    <A extends unknown[], R>(operation: string, call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const startedAt = performance.now();
      let outcome = 'OK';
      try {
        return await call(...args);
      } catch (err) {
        outcome =
          err instanceof WalletRefusal
            ? err.code
            : err instanceof WalletUnavailableError
              ? 'UNAVAILABLE'
              : 'ERROR';
        throw err;
      } finally {
        metrics.walletTransfer(operation, outcome, (performance.now() - startedAt) / 1000);
      }
    };
  return {
    credit: timed('credit', (m) => wallet.credit(m)),
    debitReversal: timed('debit_reversal', (m) => wallet.debitReversal(m)),
    hold: timed('hold', (m) => wallet.hold(m)),
    post: timed('post', (f) => wallet.post(f)),
    void: timed('void', (f) => wallet.void(f)),
    balance: (userId) => wallet.balance(userId),
    exposureCents: () => wallet.exposureCents(),
  };
}
