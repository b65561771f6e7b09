import { randomUUID } from 'node:crypto';
import { type Client, WithStartWorkflowOperation } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
import { REFUND_REASONS, type RefundReason } from '../domain/connectpsp/cash-in';
import type { OrphanedHold } from '../domain/holds';
import {
  type CashInInput,
  type CashOutInput,
  MAX_DESCRIPTION_LENGTH,
  ValidationError,
  validateCashInRequest,
  validateCashOutInput,
} from '../domain/validation';
import type { LedgerCheckReport, OrphanedHoldOutcome, OrphanedHoldRequest } from '../operations/messages';
import { parseConfig } from '../runtime/config';
import { refundAfterClose } from '../runtime/late-event-door';
import { ledgerCheckSettingsFrom } from '../runtime/ledger-check-schedule';
import type { cashInWorkflow } from '../workflows/cash-in';
import type { cashOutWorkflow } from '../workflows/cash-out';
import type { CashInWorkflowInput, CashOutWorkflowInput } from '../workflows/inputs';
import {
  type CashInCharge,
  type CashInRefundAccepted,
  type CashInStatus,
  type CashOutState,
  type CashOutStatus,
  cashInChargeUpdate,
  cashOutAcceptedUpdate,
  NEEDS_REVIEW,
  type ReviewResolution,
  refundCashInUpdate,
  requestDifferencesQuery,
  resolveReviewUpdate,
  statusQuery,
} from '../workflows/messages';
import { type PaymentKind, paymentStartOptions } from '../workflows/start-options';
import { cashInWorkflowId, cashOutWorkflowId, lateEventWorkflowId } from '../workflows/workflow-ids';
import {
  PaymentAlreadyExistsError,
  PaymentNotFoundError,
  RequestRejectedError,
  SandboxNotInUseError,
} from './errors';
import type { WalletBooks } from './ledger-client';
import { listOrphanedHolds, operatorDecisionProblems, resolveOrphanedHold, verifyLedger } from './operations';
import { type WaitOptions, waitForOutcome } from './outcome-wait';
import { checkReference, type Payment } from './payment';
import { type ListPaymentsFilter, listPaymentPage, type PaymentPage } from './payment-list';
import type { PaymentSettings } from './payment-settings';
import { RebalanceClient } from './rebalance-client';
import { SandboxControl } from './sandbox-control';
import { type TemporalCallOptions, type TemporalCallStats, TemporalCalls } from './temporal-calls';
import { translateTemporalError } from './temporal-errors';
import { openWalletBooks, type WalletServiceEndpoint } from './wallet-service-client';
import { workflowListUiUrl, workflowUiUrl } from './web-ui';

export interface PaymentsClientOptions {
  /** A connected client with the deployment's data converter (see connectPaymentsClient). */
  temporal: Client;
  settings: PaymentSettings;
  /** host:port of Temporal, named in unreachable errors. */
  temporalAddress: string;
  /** Base URL of the Temporal Web UI, for links; none when unknown. */
  webUiUrl?: string;
  ledgerDatabaseUrl?: string;
  /** WALLET_BACKEND=http: the wallet service and the secret that signs for it. */
  walletService?: WalletServiceEndpoint;
  /** The sandbox control API, or why there is none (a real ConnectPSP). */
  sandbox?: { url: string } | { unavailable: string };
  /** Bounds, deadlines and retries of the Temporal calls (docs/cli.md, "Bursts"). */
  calls?: TemporalCallOptions;
}

export { checkReference, type Payment, type WaitOptions };

/** What the payer needs, from the same call that started (or found) the cash-in. */
export interface CashInStarted extends CashInCharge {
  workflowId: string;
  webUiUrl?: string;
}

/** Answered once the amount is held on the wallet (the cash-out is under way), or where a finished one ended. */
export interface CashOutStarted {
  reference: string;
  state: CashOutState;
  workflowId: string;
  webUiUrl?: string;
}

/** A page of payments in NEEDS_REVIEW and, on the first page, the orphaned holds (null: not listable here). */
export type ReviewPage = PaymentPage & { orphanedHolds: OrphanedHold[] | null };

export interface RefundOptions {
  /** Default CUSTOMER_REQUEST. */
  reason?: RefundReason;
  description?: string;
}

const KIND_LABEL: Record<PaymentKind, string> = { CASH_IN: 'cash-in', CASH_OUT: 'cash-out' };

/**
 * The typed client of the payment lifecycles: cash-in (QR code in one call), cash-out, status,
 * waiting, listing, refunds; `rebalance`, `ledger` and `sandbox` for the rest. Every input is
 * validated before anything is sent; failures are the typed errors of ./errors.
 */
export class PaymentsClient {
  readonly temporal: Client;
  readonly settings: PaymentSettings;
  readonly rebalance: RebalanceClient;
  private readonly options: PaymentsClientOptions;
  private readonly calls: TemporalCalls;
  private ledgerClient?: WalletBooks;

  constructor(options: PaymentsClientOptions) {
    this.options = options;
    this.temporal = options.temporal;
    this.settings = options.settings;
    this.calls = new TemporalCalls(options.temporal, options.temporalAddress, options.calls);
    this.rebalance = new RebalanceClient({
      temporal: options.temporal,
      calls: this.calls,
      settings: options.settings,
      temporalAddress: options.temporalAddress,
      ...(options.webUiUrl ? { webUiUrl: options.webUiUrl } : {}),
    });
  }

  /**
   * What this client's Temporal calls are doing: in flight and queued per lane, calls, retries,
   * failures by kind. Cheap: read it for metrics as often as needed.
   */
  callStats(): TemporalCallStats {
    return this.calls.stats();
  }

  /** host:port of the Temporal server. */
  get temporalAddress(): string {
    return this.options.temporalAddress;
  }

  get namespace(): string {
    return this.temporal.options.namespace;
  }

  /** The Web UI page of a workflow, when the Web UI is known. */
  workflowUrl(workflowId: string): string | undefined {
    return this.options.webUiUrl
      ? workflowUiUrl(this.options.webUiUrl, this.namespace, workflowId)
      : undefined;
  }

  /** The Web UI list of the workflows a visibility query matches, when the Web UI is known. */
  workflowListUrl(query: string): string | undefined {
    return this.options.webUiUrl
      ? workflowListUiUrl(this.options.webUiUrl, this.namespace, query)
      : undefined;
  }

  /**
   * The wallet's books (balances, exposure, bets and wins), opened on first use: the built-in
   * ledger, or the platform's wallet service when WALLET_BACKEND=http (docs/platform-wallet.md).
   */
  get ledger(): WalletBooks {
    this.ledgerClient ??= openWalletBooks(this.options);
    return this.ledgerClient;
  }

  /** The local sandbox's control API; SandboxNotInUseError when the PSP is a real ConnectPSP. */
  get sandbox(): SandboxControl {
    const sandbox = this.options.sandbox;
    if (!sandbox) throw new SandboxNotInUseError('no sandbox is known to this client');
    if ('unavailable' in sandbox) throw new SandboxNotInUseError(sandbox.unavailable);
    return new SandboxControl(sandbox.url);
  }

  /**
   * Creates the PIX charge and returns its QR code in one call (update-with-start on
   * `cash-in:<reference>`). Calling again with the same reference returns the same charge and
   * starts nothing; a reference already used with another user or amount is PaymentAlreadyExistsError.
   */
  async startCashIn(request: CashInInput): Promise<CashInStarted> {
    const valid = validateCashInRequest(request);
    const start = paymentStartOptions({
      kind: 'CASH_IN',
      reference: valid.reference,
      userId: valid.userId,
      amountCents: valid.amountCents,
      counterpartyName: valid.payer.name,
      taskQueue: this.settings.taskQueue,
    });
    const input: CashInWorkflowInput = {
      ...valid,
      expiresInMinutes: valid.expiresInMinutes ?? this.settings.cashInDefaultExpiryMinutes,
      reconcileIntervalSeconds: this.settings.cashInReconcileIntervalSeconds,
      ...this.commonInput(),
    };
    // One update id for every attempt: a start made again after a lost answer gets the first one's.
    const updateId = randomUUID();
    let charge: CashInCharge;
    try {
      charge = await this.calls.write(() =>
        this.temporal.workflow.executeUpdateWithStart(cashInChargeUpdate, {
          args: [valid],
          updateId,
          startWorkflowOperation: new WithStartWorkflowOperation<typeof cashInWorkflow>('cashInWorkflow', {
            ...start,
            args: [input],
          }),
        }),
      );
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError))
        throw this.translate(err, valid.reference, 'cash-in');
      // The reference's lifecycle is over (a finished id is never reused): answer with its charge.
      await this.assertSameRequest('CASH_IN', valid);
      charge = await this.finishedCharge(valid.reference);
    }
    return { ...charge, ...this.located(start.workflowId) };
  }

  /**
   * Starts the cash-out saga `cash-out:<reference>` (PIX key type inferred and normalised, or a
   * bank account). Idempotent like startCashIn; follow it with getPayment or waitForOutcome.
   */
  async startCashOut(request: CashOutInput): Promise<CashOutStarted> {
    const valid = validateCashOutInput(request);
    const start = paymentStartOptions({
      kind: 'CASH_OUT',
      reference: valid.reference,
      userId: valid.userId,
      amountCents: valid.amountCents,
      counterpartyName: valid.payee.name,
      taskQueue: this.settings.taskQueue,
    });
    const input: CashOutWorkflowInput = {
      ...valid,
      reconcileIntervalSeconds: this.settings.cashOutReconcileIntervalSeconds,
      topUpRetries: this.settings.cashOutTopUpRetries,
      ...this.commonInput(),
    };
    const updateId = randomUUID();
    try {
      const accepted = await this.calls.write(() =>
        this.temporal.workflow.executeUpdateWithStart(cashOutAcceptedUpdate, {
          args: [valid],
          updateId,
          startWorkflowOperation: new WithStartWorkflowOperation<typeof cashOutWorkflow>('cashOutWorkflow', {
            ...start,
            args: [input],
          }),
        }),
      );
      return { reference: valid.reference, state: accepted.state, ...this.located(start.workflowId) };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError))
        throw this.translate(err, valid.reference, 'cash-out');
    }
    // The reference's lifecycle is over (a finished id is never reused): answer with where it ended.
    await this.assertSameRequest('CASH_OUT', valid);
    const finished = (await this.getPayment(valid.reference, 'CASH_OUT')) as CashOutStatus;
    return { reference: valid.reference, state: finished.state, ...this.located(start.workflowId) };
  }

  /**
   * The status query of the payment with this reference: state, PSP ids, ledger effects, timeline.
   * Without `kind`, the cash-in and the cash-out of the reference are both looked for.
   */
  getPayment(reference: string, kind?: PaymentKind): Promise<Payment> {
    return this.readPayment(reference, kind);
  }

  /** getPayment, retried until `deadline` (default: the read deadline). */
  private async readPayment(reference: string, kind?: PaymentKind, deadline?: number): Promise<Payment> {
    checkReference(reference);
    const kinds: PaymentKind[] = kind ? [kind] : ['CASH_IN', 'CASH_OUT'];
    // Both settled before answering: a call still running when the caller closes the client would
    // fail out of nowhere ("Channel has been shut down").
    const settled = await Promise.allSettled(kinds.map((k) => this.queryStatus(k, reference, deadline)));
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const payments = settled.flatMap((r) => (r.status === 'fulfilled' && r.value ? [r.value] : []));
    if (payments.length === 0) throw new PaymentNotFoundError(reference, kind ? KIND_LABEL[kind] : undefined);
    if (payments.length > 1) {
      throw new ValidationError([
        { field: 'kind', rule: `is needed: ${reference} is both a cash-in and a cash-out reference` },
      ]);
    }
    return payments[0] as Payment;
  }

  /**
   * Returns once the payment reaches a terminal state (SETTLED, EXPIRED, REFUNDED, FAILED; or one
   * of `until`), told by the workflow itself (the awaitState update) rather than by polling;
   * WaitTimeoutError after `timeoutMs` (the payment goes on). See ./outcome-wait.ts.
   */
  waitForOutcome(reference: string, options: WaitOptions): Promise<Payment> {
    return waitForOutcome(
      {
        temporal: this.temporal,
        calls: this.calls,
        readPayment: (ref, kind, deadline) => this.readPayment(ref, kind, deadline),
        located: (workflowId) => this.located(workflowId),
        translate: (err, ref, kind) => this.translate(err, ref, KIND_LABEL[kind]),
      },
      reference,
      options,
    );
  }

  /** One page of payments matching every given filter (visibility: eventually consistent). */
  async listPayments(filter: ListPaymentsFilter = {}): Promise<PaymentPage> {
    try {
      return await this.calls.read(() => listPaymentPage(this.temporal, filter));
    } catch (err) {
      throw this.translate(err);
    }
  }

  /**
   * Asks for a full refund of a SETTLED cash-in. Resolves once the PSP accepted it; the wallet is
   * debited when the PSP confirms. Asking again returns the first acceptance.
   */
  async refundCashIn(reference: string, options: RefundOptions = {}): Promise<CashInRefundAccepted> {
    checkReference(reference);
    const problems = [];
    if (options.reason !== undefined && !REFUND_REASONS.includes(options.reason)) {
      problems.push({ field: 'reason', rule: `must be one of ${REFUND_REASONS.join(', ')}` });
    }
    if (options.description !== undefined && options.description.length > MAX_DESCRIPTION_LENGTH) {
      problems.push({ field: 'description', rule: `must be at most ${MAX_DESCRIPTION_LENGTH} characters` });
    }
    if (problems.length > 0) throw new ValidationError(problems);
    const handle = this.temporal.workflow.getHandle(cashInWorkflowId(reference));
    // Safe to send again: the workflow answers every refund request with the first one's outcome,
    // and the same update id makes the server answer a repeat with the first attempt's result.
    const updateId = randomUUID();
    try {
      const running = (await this.calls.read(() => handle.describe())).status.name === 'RUNNING';
      if (running) {
        return await this.calls.write(() =>
          handle.executeUpdate(refundCashInUpdate, { args: [options], updateId }),
        );
      }
      // The lifecycle closed after settling: the refund runs in the payment's late-event run, which
      // also answers a repeated request with the first one's outcome.
      return await this.calls.write(() =>
        refundAfterClose(this.temporal, this.settings.taskQueue, reference, options),
      );
    } catch (err) {
      throw this.translate(err, reference, 'cash-in');
    }
  }

  /**
   * What waits for an operator: the payments in NEEDS_REVIEW (an outcome the PSP's answers could
   * not prove, an overdue verdict, a wallet that refused a movement; visibility, eventually
   * consistent), and on the first page the orphaned holds, money held by a lifecycle that is no
   * longer running (`resolveOrphanedHold`); null when the wallet is the platform's service.
   */
  async listReviews(filter: Omit<ListPaymentsFilter, 'status'> = {}): Promise<ReviewPage> {
    const page = await this.listPayments({ ...filter, status: NEEDS_REVIEW });
    if (filter.pageToken) return { ...page, orphanedHolds: [] };
    const holds = await this.listOrphanedHolds();
    const kind = filter.kind === 'CASH_IN' ? 'CASH_IN_REFUND' : filter.kind;
    const matching = holds?.filter(
      (hold) =>
        (kind === undefined || hold.kind === kind) &&
        (filter.userId === undefined || hold.userId === filter.userId) &&
        (filter.since === undefined || Date.parse(hold.createdAt) >= filter.since.getTime()),
    );
    return { ...page, orphanedHolds: matching ?? null };
  }

  /** Holds whose lifecycle is no longer running; null when the wallet is the platform's service. */
  async listOrphanedHolds(): Promise<OrphanedHold[] | null> {
    try {
      return await listOrphanedHolds(this.temporal, this.ledger);
    } catch (err) {
      throw this.translate(err);
    }
  }

  /**
   * Settles an orphaned hold (`listReviews`) as the PSP's own record says: posted when the PSP
   * completed it, voided when it failed or was provably never asked; otherwise refused
   * (RequestRejectedError) and the money stays held. Recorded with who and why.
   */
  async resolveOrphanedHold(request: OrphanedHoldRequest, timeoutMs?: number): Promise<OrphanedHoldOutcome> {
    try {
      return await resolveOrphanedHold(this.temporal, this.settings.taskQueue, request, timeoutMs);
    } catch (err) {
      throw this.translate(err);
    }
  }

  /**
   * Runs the ledger integrity check now, on the worker (the same check as the daily Schedule):
   * the books balance, no hold is older than its lifecycle allows or orphaned, and the exposure
   * matches the PSP's transactional balance within the rebalance threshold.
   */
  async verifyLedger(timeoutMs?: number): Promise<LedgerCheckReport> {
    const defaults = parseConfig({});
    const settings = ledgerCheckSettingsFrom({
      REBALANCE_THRESHOLD_CENTS: this.settings.rebalanceThresholdCents,
      PSP_RETRY_WINDOW_SECONDS: this.settings.pspRetryWindowSeconds ?? defaults.PSP_RETRY_WINDOW_SECONDS,
      PSP_OUTCOME_DEADLINE_SECONDS:
        this.settings.pspOutcomeDeadlineSeconds ?? defaults.PSP_OUTCOME_DEADLINE_SECONDS,
    });
    try {
      return await verifyLedger(this.temporal, this.settings.taskQueue, settings, timeoutMs);
    } catch (err) {
      throw this.translate(err);
    }
  }

  /**
   * An operator's decision about a payment in NEEDS_REVIEW (docs/lifecycles.md, "NEEDS_REVIEW"):
   * recorded with who and why; refused (RequestRejectedError) when the PSP's own record contradicts
   * it. Answers the payment as it stands after the decision.
   */
  async resolveReview(reference: string, resolution: ReviewResolution, kind?: PaymentKind): Promise<Payment> {
    checkReference(reference);
    const problems = operatorDecisionProblems(resolution);
    if (resolution.decision !== 'SENT' && resolution.decision !== 'NOT_SENT') {
      problems.unshift({ field: 'decision', rule: 'must be SENT or NOT_SENT' });
    }
    if (problems.length > 0) throw new ValidationError(problems);
    const payment = await this.getPayment(reference, kind);
    if (payment.state !== NEEDS_REVIEW) {
      throw new RequestRejectedError(reference, `the payment is ${payment.state}, not ${NEEDS_REVIEW}`);
    }
    const handle = this.temporal.workflow.getHandle(payment.workflowId);
    // Safe to send again: the same update id gets the first attempt's answer, and the workflow's
    // validator refuses a second resolution once one is applied or under way.
    const updateId = randomUUID();
    try {
      const status = await this.calls.write(() =>
        handle.executeUpdate(resolveReviewUpdate, { args: [resolution], updateId }),
      );
      return { ...status, ...this.located(payment.workflowId) };
    } catch (err) {
      throw this.translate(err, reference, KIND_LABEL[payment.kind]);
    }
  }

  /** Closes the Temporal connection and the ledger pool (if opened). */
  async close(): Promise<void> {
    await Promise.all([this.temporal.connection.close(), this.ledgerClient?.close()]);
  }

  private async queryStatus(
    kind: PaymentKind,
    reference: string,
    deadline?: number,
  ): Promise<Payment | null> {
    const workflowId = kind === 'CASH_IN' ? cashInWorkflowId(reference) : cashOutWorkflowId(reference);
    try {
      const handle = this.temporal.workflow.getHandle(workflowId);
      const status = await this.calls.read(() => handle.query(statusQuery), deadline);
      if (status.kind === 'REBALANCE') return null;
      // A settled payment whose lifecycle closed may have moved on in a late-event run (a refund, a return).
      const later = status.state === 'SETTLED' ? await this.lateRunStatus(kind, reference) : null;
      if (later) return { ...later, ...this.located(lateEventWorkflowId(kind, reference)) };
      return { ...status, ...this.located(workflowId) };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw this.translate(err, reference, KIND_LABEL[kind]);
    }
  }

  /** The status of the payment's newest late-event run, if it ever had one. */
  private async lateRunStatus(
    kind: PaymentKind,
    reference: string,
  ): Promise<CashInStatus | CashOutStatus | null> {
    try {
      const status = await this.temporal.workflow
        .getHandle(lateEventWorkflowId(kind, reference))
        .query(statusQuery);
      return status.kind === 'REBALANCE' ? null : status;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
  }

  private async finishedCharge(reference: string): Promise<CashInCharge> {
    const payment = await this.getPayment(reference, 'CASH_IN');
    if (payment.kind !== 'CASH_IN' || !payment.charge) {
      const why = payment.failure
        ? `${payment.failure.code}: ${payment.failure.message}`
        : 'no charge was created';
      throw new PaymentAlreadyExistsError(reference, 'cash-in', `it ended ${payment.state} (${why})`);
    }
    return payment.charge;
  }

  /**
   * A finished payment of this reference must have been made for this very request (user, amount,
   * counterparty, description): asked of the workflow itself (a query, answered by closed ones too).
   */
  private async assertSameRequest(kind: PaymentKind, request: CashInInput | CashOutInput): Promise<void> {
    const workflowId =
      kind === 'CASH_IN' ? cashInWorkflowId(request.reference) : cashOutWorkflowId(request.reference);
    let differences: string[];
    try {
      const handle = this.temporal.workflow.getHandle(workflowId);
      differences = await this.calls.read(() => handle.query(requestDifferencesQuery, request));
    } catch (err) {
      throw this.translate(err, request.reference, KIND_LABEL[kind]);
    }
    if (differences.length > 0) {
      throw new PaymentAlreadyExistsError(
        request.reference,
        KIND_LABEL[kind],
        `${differences.join(', ')} differ`,
      );
    }
  }

  private commonInput(): Pick<
    CashInWorkflowInput,
    | 'webhookUrl'
    | 'lateEventReconcileHours'
    | 'pspRetryWindowSeconds'
    | 'pspOutcomeDeadlineSeconds'
    | 'pspCallTimeoutSeconds'
    | 'closeGraceSeconds'
  > {
    const {
      webhookUrl,
      lateEventReconcileHours,
      pspRetryWindowSeconds,
      pspOutcomeDeadlineSeconds,
      pspCallTimeoutSeconds,
      closeGraceSeconds,
    } = this.settings;
    const defined = {
      lateEventReconcileHours,
      pspRetryWindowSeconds,
      pspOutcomeDeadlineSeconds,
      pspCallTimeoutSeconds,
      closeGraceSeconds,
    };
    return {
      ...(webhookUrl ? { webhookUrl } : {}),
      ...Object.fromEntries(Object.entries(defined).filter(([, value]) => value !== undefined)),
    };
  }

  private located(workflowId: string): { workflowId: string; webUiUrl?: string } {
    const url = this.workflowUrl(workflowId);
    return url ? { workflowId, webUiUrl: url } : { workflowId };
  }

  private translate(err: unknown, reference?: string, what?: string): unknown {
    return translateTemporalError(err, {
      address: this.options.temporalAddress,
      ...(reference === undefined ? {} : { reference }),
      ...(what === undefined ? {} : { what }),
    });
  }
}
