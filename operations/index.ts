// The operators' workflow types (the worker runs them next to workflows/; worker/workflows.ts).
export { ledgerCheckWorkflow } from './ledger-check';
export { orphanedHoldWorkflow } from './orphaned-hold';
