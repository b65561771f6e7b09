/**
 * The ledger integrity check, run daily by the Schedule `ledger-check:<taskQueue>` and on demand by
 * `pix ledger verify`: one activity on the worker, which holds the ledger and the PSP's
 * credentials; its report is the result (and the worker's `pix_ledger_check_*` metrics).
 */
import { proxyActivities } from '@temporalio/workflow';
import type { LedgerCheckActivities } from '../activities/ledger-check';
import type { LedgerCheckReport, LedgerCheckSettings } from './messages';

const { checkLedger } = proxyActivities<LedgerCheckActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumAttempts: 3 },
});

export async function ledgerCheckWorkflow(settings: LedgerCheckSettings): Promise<LedgerCheckReport> {
  return checkLedger(settings);
}
