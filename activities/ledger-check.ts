/**
 * The ledger integrity check as an activity: reads the books, the PSP's transactional balance and
 * which holds lost their lifecycle, and evaluates them (domain/ledger-check.ts). Run by the daily
 * Schedule and by `pix ledger verify` (operations/ledger-check.ts), on the worker, which has the
 * PSP's credentials and the ledger.
 */
import { Context } from '@temporalio/activity';
import { type OpenHold, type OrphanedHold, openHoldOf } from '../domain/holds';
import type { LedgerTransfer } from '../domain/ledger';
import {
  evaluateLedgerCheck,
  type LedgerCheckReport,
  type LedgerCheckSettings,
} from '../domain/ledger-check';
import type { Cents } from '../domain/money';
import type { WalletPort } from '../wallet/port';
import { type ConnectPspApi, toActivityFailure } from './connectpsp';

/** The built-in ledger's own books; the platform's wallet service offers none of this. */
export interface LedgerBooks {
  checkBalanced(): Promise<Cents>;
  listOpenHolds(options: { limit: number }): Promise<LedgerTransfer[]>;
  findOpenHold(id: string): Promise<LedgerTransfer | null>;
}

export interface LedgerCheckDependencies {
  psp: Pick<ConnectPspApi, 'getBalance'>;
  wallet: Pick<WalletPort, 'exposureCents'>;
  books?: LedgerBooks;
  /** The holds among these whose lifecycle is no longer running (runtime/orphaned-holds.ts). */
  orphanedAmong: (holds: OpenHold[]) => Promise<OrphanedHold[]>;
  /** Told of every report (the worker's metrics). */
  onReport?: (report: LedgerCheckReport) => void;
}

/** More open holds than this is itself a finding; the check reads at most this many. */
export const MAX_OPEN_HOLDS = 1000;

export function createLedgerCheckActivities(deps: LedgerCheckDependencies) {
  return {
    async checkLedger(settings: LedgerCheckSettings): Promise<LedgerCheckReport> {
      try {
        const openHolds = deps.books
          ? (await deps.books.listOpenHolds({ limit: MAX_OPEN_HOLDS })).map(openHoldOf)
          : null;
        const [imbalanceCents, orphanedHolds, exposureCents, balance] = await Promise.all([
          deps.books ? deps.books.checkBalanced() : null,
          openHolds ? deps.orphanedAmong(openHolds) : null,
          deps.wallet.exposureCents(),
          deps.psp.getBalance({ signal: Context.current().cancellationSignal }),
        ]);
        const report = evaluateLedgerCheck(
          {
            checkedAt: new Date().toISOString(),
            imbalanceCents,
            openHolds,
            orphanedHolds,
            exposureCents,
            pspTransactionalCents: balance.transactionalCents,
          },
          settings,
        );
        deps.onReport?.(report);
        return report;
      } catch (err) {
        throw toActivityFailure(err);
      }
    },
  };
}

export type LedgerCheckActivities = ReturnType<typeof createLedgerCheckActivities>;
