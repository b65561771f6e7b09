export {
  createLedgerActivities,
  type FinaliseHoldInput,
  type LedgerActivities,
  type WalletMovementInput,
} from './activities';
export { connectLedger, type LedgerConnection, type LedgerConnectionOptions } from './connect';
export * from './errors';
export { createLedger, type FinaliseOptions, type Ledger, type TransferOutcome } from './ledger';
export { migrate } from './migrate';
export { type PlatformMovement, recordBet, recordWin } from './platform-movements';
