/**
 * Every signal, query and update of the payment workflows, and the shapes they carry. Workflows,
 * the webhook relay, the client library and the CLI all import these definitions from here, so a
 * name or a payload can only change in one place.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { RefundReason } from '../domain/connectpsp/cash-in';
import type { WebhookEnvelope } from '../domain/connectpsp/webhook';
import type { Cents } from '../domain/money';
import type { CashInInput, CashOutInput } from '../domain/validation';

// ---------------------------------------------------------------------------------------------
// PSP events

/**
 * A ConnectPSP webhook body exactly as received, `{eventType, eventAt, data}`, `data` in the wire
 * shape of the matching GET (amounts in reais). The relay signals it unchanged after checking its
 * signature; the workflow keys it on (data.transactionId, eventType) and ignores repeats.
 */
export type PspEventEnvelope = WebhookEnvelope;

/** Delivered by the relay (and the test receiver) to `cash-in:<ref>` / `cash-out:<ref>`. */
export const pspEventSignal = defineSignal<[PspEventEnvelope]>('pspEvent');

// ---------------------------------------------------------------------------------------------
// Status (one query name for every workflow type; `kind` tells the shapes apart)

export const TERMINAL_STATES = ['SETTLED', 'EXPIRED', 'REFUNDED', 'FAILED', 'CANCELLED'] as const;
export type TerminalState = (typeof TERMINAL_STATES)[number];

/**
 * The outcome of a step could not be proven (an answer lost, unreadable or contradicted, or no
 * answer by its deadline): the money stays where it is (a hold stays held), the lifecycle keeps
 * asking the PSP while that is safe, and an operator can resolve it (`resolveReviewUpdate`).
 */
export const NEEDS_REVIEW = 'NEEDS_REVIEW';

export type CashInState =
  | 'CREATING'
  | 'AWAITING_PAYMENT'
  /** Paid with the expected amount; the wallet credit is being applied. */
  | 'PAID'
  /** A refund was asked of the PSP (wrong amount or platform request); waiting for CASHIN_REFUNDED. */
  | 'REFUNDING'
  | typeof NEEDS_REVIEW
  | TerminalState;

export type CashOutState =
  | 'HOLDING'
  | 'SENDING'
  /** The PSP answered INSUFFICIENT_FUNDS; a rebalance top-up runs before the next attempt. */
  | 'TOPPING_UP'
  /** Accepted by the PSP; waiting for CASHOUT_COMPLETED / CASHOUT_FAILED. */
  | 'PROCESSING'
  | typeof NEEDS_REVIEW
  | TerminalState;

export type RebalanceState = 'IDLE' | 'RUNNING';

export function isTerminalState(state: string): state is TerminalState {
  return (TERMINAL_STATES as readonly string[]).includes(state);
}

/** One state change, in workflow time. */
export interface TimelineEntry {
  state: string;
  /** ISO-8601 (UTC). */
  at: string;
  note?: string;
}

/** Why a lifecycle failed or was refunded: a PSP code (PIX_KEY_NOT_FOUND…), a ledger code or INVALID_INPUT. */
export interface PaymentFailure {
  code: string;
  message: string;
  /** For INVALID_INPUT: every field and the rule it broke. */
  problems?: Array<{ field: string; rule: string }>;
}

/** What a lifecycle in NEEDS_REVIEW cannot prove, and how it was resolved. */
export interface PaymentReview {
  /**
   * SEND: whether a cash-out reached the PSP; REFUND: whether a refund did; PSP_OUTCOME: the PSP's
   * verdict is overdue; WALLET: the wallet refused a movement the PSP's record requires.
   */
  step: 'SEND' | 'REFUND' | 'PSP_OUTCOME' | 'WALLET';
  /** What made it unprovable, e.g. `POST /cash-out: CONTRACT_VIOLATION`. */
  reason: string;
  /** ISO-8601, workflow time. */
  since: string;
  /** Until when the same request is sent again with the same idempotency key; null: no more retries. */
  retryingUntil: string | null;
  resolution: (ReviewResolution & { at: string }) | null;
  /** A PSP fact learnt after an operator's resolution that contradicts it: flagged, never applied silently. */
  contradiction: string | null;
}

/**
 * An operator's decision about a payment in NEEDS_REVIEW. SENT: the money movement asked of the
 * PSP happened (for a cash-out whose id we never learnt, name it: the lifecycle checks it with
 * GET). NOT_SENT: it did not; the hold is given back.
 */
export interface ReviewResolution {
  decision: 'SENT' | 'NOT_SENT';
  /** The PSP's transaction id, when the operator found it (required for a SEND whose id is unknown). */
  pspTransactionId?: string;
  /** Why: recorded in the timeline. */
  reason: string;
  /** Who decided. */
  resolvedBy: string;
}

/** Applies an operator's resolution once the PSP's own record does not contradict it; answers the status. */
export const resolveReviewUpdate = defineUpdate<CashInStatus | CashOutStatus, [ReviewResolution]>(
  'resolveReview',
);

export interface PspIds {
  transactionId: string | null;
  internalCode: string | null;
  /** `E…` once paid/completed, `D…` once refunded. */
  endToEndId: string | null;
  /** Webhooks whose claim the PSP's own record (GET) did not confirm: logged and counted, never applied. */
  unconfirmedEvents?: number;
}

/** What the payer needs, returned by `cashInChargeUpdate` as soon as the charge exists. */
export interface CashInCharge {
  reference: string;
  transactionId: string;
  internalCode: string | null;
  amountCents: Cents;
  /** EMV BR Code ("copia e cola"). */
  copyAndPaste: string;
  /** PNG, base64, no `data:` prefix. */
  qrCodeImageBase64: string;
  /** OpenFinance flow only. */
  paymentUrl?: string;
  /** ISO-8601, as the PSP stated it (null when its answer left it out). */
  requestedAt: string | null;
  /** ISO-8601 (UTC): when the workflow stops waiting for the payment and reconciles. */
  expiresAt: string;
}

export interface CashInStatus {
  kind: 'CASH_IN';
  reference: string;
  userId: string;
  amountCents: Cents;
  state: CashInState;
  psp: PspIds & {
    status: 'AWAITING_PAYMENT' | 'PAID' | 'EXPIRED' | 'REFUNDED' | 'CANCELLED' | null;
    paidAmountCents: Cents | null;
  };
  charge: CashInCharge | null;
  /** Set when a refund was asked of the PSP or the PSP refunded on its own (MED). */
  refund: { origin: 'WRONG_AMOUNT' | 'PLATFORM' | 'PSP'; reason: RefundReason | null } | null;
  ledger: { credited: boolean; reversed: boolean };
  failure: PaymentFailure | null;
  /** ISO-8601 until which a settled cash-in still listens for a CASHIN_REFUNDED (MED reversal). */
  watchingUntil: string | null;
  /** Set while (and after) a step's outcome could not be proven; absent in lifecycles started before it existed. */
  review?: PaymentReview | null;
  /** How a cancellation request (Web UI, `temporal workflow cancel`) was answered; absent when none came. */
  cancellation?: CancellationAnswer;
  timeline: TimelineEntry[];
}

/**
 * A cancellation request is answered, never obeyed blindly. CANCELLED: nothing had left for the
 * PSP, any hold was given back, the payment ended CANCELLED. REFUSED: the PSP may have the payment,
 * so the lifecycle goes on to the PSP's real outcome. CLOSED: the payment was already settled;
 * the workflow closed early (later events run in a late-event run).
 */
export interface CancellationAnswer {
  requestedAt: string;
  outcome: 'CANCELLED' | 'REFUSED' | 'CLOSED';
  reason: string;
}

export interface CashOutStatus {
  kind: 'CASH_OUT';
  reference: string;
  userId: string;
  amountCents: Cents;
  state: CashOutState;
  psp: PspIds & { status: 'PROCESSING' | 'COMPLETED' | 'FAILED' | 'REFUNDED' | 'CANCELLED' | null };
  /** Rebalance top-ups requested after INSUFFICIENT_FUNDS. */
  topUps: number;
  ledger: { held: boolean; posted: boolean; voided: boolean; returned: boolean };
  /** The PSP's failure (REFUNDED after CASHOUT_FAILED) or why nothing was sent (FAILED). */
  failure: PaymentFailure | null;
  /** ISO-8601 until which a settled cash-out still listens for a CASHOUT_REFUNDED (return). */
  watchingUntil: string | null;
  /** Set while (and after) a step's outcome could not be proven; absent in lifecycles started before it existed. */
  review?: PaymentReview | null;
  /** How a cancellation request was answered; absent when none came. */
  cancellation?: CancellationAnswer;
  timeline: TimelineEntry[];
}

export interface RebalanceStatus {
  kind: 'REBALANCE';
  state: RebalanceState;
  /** Triggers waiting for the next run. */
  pending: number;
  /** Runs since the coordinator first started (across continue-as-new). */
  runs: number;
  /** The most recent runs, newest last. */
  recent: RebalanceRunResult[];
}

export type WorkflowStatus = CashInStatus | CashOutStatus | RebalanceStatus;

/** Every workflow answers it; narrow on `kind`. */
export const statusQuery = defineQuery<WorkflowStatus>('status');

/** What a waiter asks a payment lifecycle: answer when the state is one of `states` (default: terminal). */
export interface AwaitStateRequest {
  states?: string[];
  /** The longest this call waits before answering the status as it stands (1..MAX_AWAIT_STATE_SECONDS). */
  waitSeconds: number;
}

/**
 * Bounds one awaitState call: an update handler still waiting holds back continue-as-new, so a
 * waiter asks again rather than parking for hours.
 */
export const MAX_AWAIT_STATE_SECONDS = 60;

/**
 * Answers the payment's status as soon as it reaches one of the asked states, or after
 * `waitSeconds` with the status as it stands: a waiter is told of the outcome instead of polling.
 */
export const awaitStateUpdate = defineUpdate<CashInStatus | CashOutStatus, [AwaitStateRequest]>('awaitState');

// ---------------------------------------------------------------------------------------------
// Cash-in updates

/** A cash-in request as the caller makes it; sent again with every start of the same reference. */
export type CashInRequest = CashInInput;

/**
 * Returns the QR data once the charge exists (waits for it; fails with the workflow's failure if
 * the charge cannot be created). Meant for update-with-start, so the caller gets the QR code from
 * the same call that starts (or finds) `cash-in:<ref>`. With the request, a start that finds a
 * lifecycle of the same reference made for another request (payer, amount, user) is refused.
 */
export const cashInChargeUpdate = defineUpdate<CashInCharge, [CashInRequest?]>('cashInCharge');

export interface CashInRefundRequest {
  /** Default CUSTOMER_REQUEST. */
  reason?: RefundReason;
  /** Internal note sent to the PSP. */
  description?: string;
}

export interface CashInRefundAccepted {
  transactionId: string;
  /** The `D…` id of the refund. */
  endToEndId: string;
}

/**
 * The platform asks for a full refund of a SETTLED cash-in. Resolves once the PSP accepted it; the
 * wallet is debited when CASHIN_REFUNDED arrives. Asking again returns the first acceptance.
 */
export const refundCashInUpdate = defineUpdate<CashInRefundAccepted, [CashInRefundRequest]>('refundCashIn');

// ---------------------------------------------------------------------------------------------
// Cash-out updates

/** A cash-out request as the caller makes it; sent again with every start of the same reference. */
export type CashOutRequest = CashOutInput;

export interface CashOutAccepted {
  reference: string;
  /** The lifecycle's state when the hold was placed (SENDING or later). */
  state: CashOutState;
}

/**
 * Answers once the amount is held on the wallet (the cash-out is under way), or fails with
 * USER_INSUFFICIENT_FUNDS / INVALID_INPUT when nothing was held. Meant for update-with-start. A
 * start that finds a lifecycle of the same reference made for another request (payee, amount,
 * user, description) is refused, naming the fields that differ.
 */
export const cashOutAcceptedUpdate = defineUpdate<CashOutAccepted, [CashOutRequest]>('cashOutAccepted');

/**
 * The fields in which a request differs from the one this payment was started for (empty: the
 * same request). Answered by closed payments too, so a repeated start of a finished reference can
 * be told apart from a new request reusing it. A rejected update of another request fails with
 * REFERENCE_IN_USE, naming the same fields (never their values).
 */
export const requestDifferencesQuery = defineQuery<string[], [CashInRequest | CashOutRequest]>(
  'requestDifferences',
);
export const REFERENCE_IN_USE = 'REFERENCE_IN_USE';

// ---------------------------------------------------------------------------------------------
// Rebalance

export type RebalanceSource = 'SCHEDULE' | 'CASH_OUT_TOP_UP' | 'MANUAL';

export interface RebalanceTrigger {
  source: RebalanceSource;
  /** Move money only when |exposure − PSP transactional balance| exceeds this; 0 for top-ups. */
  thresholdCents: Cents;
  /** Who asked, e.g. the cash-out's workflow id; shown in the run's result. */
  requestedBy?: string;
}

/** What one rebalance run saw and did; the coordinator returns it to every trigger it served. */
export interface RebalanceRunResult {
  run: number;
  sources: RebalanceSource[];
  outcome: 'REBALANCED' | 'BELOW_THRESHOLD' | 'FAILED';
  thresholdCents: Cents;
  /** The ledger's exposure, read right before the PSP call: the target sent. */
  exposureCents: Cents;
  /** PSP transactional balance before and after. */
  beforeCents: Cents;
  targetCents: Cents;
  afterCents: Cents;
  /** after − before (negative when surplus was swept back). */
  movedCents: Cents;
  failure: PaymentFailure | null;
  startedAt: string;
  finishedAt: string;
}

/** Asks the coordinator for a run and waits for its result (update-with-start). */
export const requestRebalanceUpdate = defineUpdate<RebalanceRunResult, [RebalanceTrigger]>(
  'requestRebalance',
);

/** The same request, fire-and-forget (signal-with-start). */
export const rebalanceTriggerSignal = defineSignal<[RebalanceTrigger]>('rebalanceTrigger');
