// The wallet port and its two implementations: the built-in ledger and the platform's wallet service over HTTP. No Temporal here.
export { WalletRefusal, type WalletRefusalDetails, WalletUnavailableError } from './errors';
export { HttpWallet, type HttpWalletOptions } from './http-wallet';
export { ledgerWallet } from './ledger-wallet';
export type { HoldFinalisation, TransferOutcome, WalletMovement, WalletPort } from './port';
export { ReferenceWallet } from './reference-wallet';
