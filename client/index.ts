/**
 * The client library's public surface: what the package `@pix-payments/client` (packages/client)
 * exports. Another application starts and follows payments with it, as the `pix` CLI does.
 */

/** Holds, orphaned holds and the ledger integrity check's report (`listReviews`, `verifyLedger`). */
export type { HoldKind, OpenHold, OrphanedHold } from '../domain/holds';
export type { LedgerCheckName, LedgerCheckResult } from '../domain/ledger-check';
/** What a payment request holds (domain/validation.ts checks it before anything is sent). */
export type { BankAccountInput, CashInInput, CashOutInput } from '../domain/validation';
/** The ledger's own refusal of a bet beyond the balance (`payments.ledger.recordBet`). */
export { InsufficientFundsError } from '../ledger/errors';
/** The operators' workflows: the ledger check and the resolution of orphaned holds. */
export * from '../operations/messages';
/** Every signal, query and update of the workflows, and the statuses they answer. */
export * from '../workflows/messages';
export { cashInWorkflowId, cashOutWorkflowId } from '../workflows/workflow-ids';
export { type ConnectOptions, connectPaymentsClient, locateServices } from './connect';
export * from './errors';
export type { LedgerClient, LedgerClientOptions, PlatformMovementInput } from './ledger-client';
export type { ListPaymentsFilter, PaymentPage, PaymentSummary } from './payment-list';
export type { PaymentSettings } from './payment-settings';
export {
  type CashInStarted,
  type CashOutStarted,
  type Payment,
  PaymentsClient,
  type PaymentsClientOptions,
  type RefundOptions,
  type ReviewPage,
  type WaitOptions,
} from './payments-client';
export type {
  RebalanceClient,
  RebalanceOverview,
  RebalanceScheduleState,
  TriggerOptions,
} from './rebalance-client';
export type { SandboxBehaviour, SandboxControl, SandboxFailureRule } from './sandbox-control';
export type { TemporalCallOptions, TemporalCallStats } from './temporal-calls';
export { classifyTemporalFailure, type TemporalFailureKind } from './temporal-errors';
