// The double-entry ledger library on PostgreSQL: transfers, migrations, errors, platform movements. No Temporal here.
export { connectLedger, type LedgerConnection, type LedgerConnectionOptions } from './connect';
export * from './errors';
export { createLedger, type FinaliseOptions, type Ledger, type TransferOutcome } from './ledger';
export { migrate } from './migrate';
export { type PlatformMovement, recordBet, recordWin } from './platform-movements';
