import { randomUUID } from 'node:crypto';
import { type Client, WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import {
  type AwaitStateRequest,
  awaitStateUpdate,
  isTerminalState,
  MAX_AWAIT_STATE_SECONDS,
} from '../workflows/messages';
import type { PaymentKind } from '../workflows/start-options';
import { cashInWorkflowId, cashOutWorkflowId } from '../workflows/workflow-ids';
import { ServiceUnreachableError, TemporalOverloadedError, WaitTimeoutError } from './errors';
import { checkReference, isPaymentStatus, PAYMENT_STATES, type Payment } from './payment';
import type { TemporalCalls } from './temporal-calls';

export interface WaitOptions {
  timeoutMs: number;
  kind?: PaymentKind;
  /**
   * Only with a worker older than the awaitState update (which the wait otherwise uses): how often
   * the status is read instead; default 500 ms.
   */
  pollIntervalMs?: number;
  /** Called with the first status and again whenever the state changes. */
  onProgress?: (payment: Payment) => void;
  /** Stop at one of these states instead of the first terminal one (e.g. REFUNDED after SETTLED). */
  until?: readonly string[];
}

/** What waiting needs from the PaymentsClient. */
export interface OutcomeWaitDeps {
  temporal: Client;
  calls: TemporalCalls;
  /** The status query of a reference, retried until `deadline`. */
  readPayment(reference: string, kind: PaymentKind | undefined, deadline: number): Promise<Payment>;
  located(workflowId: string): { workflowId: string; webUiUrl?: string };
  translate(err: unknown, reference: string, kind: PaymentKind): unknown;
}

/** Time for the server's answer to travel once the workflow answered an awaitState at its wait's end. */
const ANSWER_GRACE_MS = 5_000;

/**
 * Follows a payment until it reaches a terminal state (or one of `until`) without polling: each
 * round is one awaitState update the workflow answers as soon as the awaited state is reached (with
 * onProgress, any state other than the current one, so each change is reported), or after at most
 * MAX_AWAIT_STATE_SECONDS with the status as it stands. A lifecycle that continued as new is asked
 * again (the same workflow id reaches the new run); a closed one is read from its result. Transient
 * failures are retried until the wait's own deadline; then WaitTimeoutError (the payment goes on).
 * The status is read first only when needed (to report it, or to find which kind the reference
 * is): otherwise the first round's answer is the first status.
 */
export async function waitForOutcome(
  deps: OutcomeWaitDeps,
  reference: string,
  options: WaitOptions,
): Promise<Payment> {
  const deadline = Date.now() + options.timeoutMs;
  let payment: RoundStatus | undefined;
  if (options.onProgress || !options.kind) {
    payment = await deps.readPayment(reference, options.kind, deadline);
    options.onProgress?.(payment);
  } else {
    checkReference(reference);
  }
  const kind = payment?.kind ?? (options.kind as PaymentKind);
  const target: Target = {
    reference,
    kind,
    workflowId: kind === 'CASH_IN' ? cashInWorkflowId(reference) : cashOutWorkflowId(reference),
  };
  const done = (state: string) => (options.until ? options.until.includes(state) : isTerminalState(state));
  while (!payment || !done(payment.state)) {
    const next = await nextStatus(deps, target, payment, options, deadline);
    if (!next) continue; // no answer yet: ask again
    if (payment && (next.state !== payment.state || next.timeline.length !== payment.timeline.length))
      options.onProgress?.(next);
    payment = next;
    // A closed lifecycle's state is final, whether or not it is the one awaited.
    if (next.closed) break;
  }
  const { closed: _closed, ...answer } = payment;
  return answer;
}

/** The payment waited for. */
interface Target {
  reference: string;
  kind: PaymentKind;
  workflowId: string;
}

/** A status read in a round; `closed` once the lifecycle's workflow has closed (nothing will change). */
type RoundStatus = Payment & { closed?: true };

/**
 * One round: the status once it moved as asked, or as it stands when the round ends; `current`
 * (undefined before the first answer) again when Temporal did not answer in time.
 */
async function nextStatus(
  deps: OutcomeWaitDeps,
  target: Target,
  current: Payment | undefined,
  options: WaitOptions,
  deadline: number,
): Promise<RoundStatus | undefined> {
  const left = deadline - Date.now();
  const timeout = (cause?: unknown) =>
    new WaitTimeoutError(
      target.reference,
      options.timeoutMs,
      current?.state,
      undefined,
      cause === undefined ? undefined : { cause },
    );
  // An awaitState waits whole seconds: the last moment is one more read.
  if (left < 1_000) {
    if (left <= 0) throw timeout();
    return lastRead(deps, target, deadline, timeout);
  }
  const waitSeconds = Math.min(MAX_AWAIT_STATE_SECONDS, Math.floor(left / 1_000));
  const request: AwaitStateRequest = { waitSeconds, ...statesToAwait(target, current, options) };
  const handle = deps.temporal.workflow.getHandle(target.workflowId);
  // One update id for the round: an attempt made again after a lost answer joins the same wait.
  const updateId = randomUUID();
  try {
    const status = await deps.calls.retrying('wait', Date.now() + waitSeconds * 1_000 + ANSWER_GRACE_MS, () =>
      handle.executeUpdate(awaitStateUpdate, { args: [request], updateId }),
    );
    return { ...status, ...deps.located(target.workflowId) };
  } catch (err) {
    if (isTransient(err)) {
      if (Date.now() >= deadline) throw timeout(err);
      return current;
    }
    if (err instanceof WorkflowNotFoundError) return afterRunEnded(deps, target, current, deadline);
    // A worker that predates awaitState refuses it: read the status now and then instead.
    if (err instanceof WorkflowUpdateFailedError) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(options.pollIntervalMs ?? 500, left)));
      return lastRead(deps, target, deadline, timeout);
    }
    throw deps.translate(err, target.reference, target.kind);
  }
}

/** The states an awaitState round asks for: any other than the current one when progress is reported. */
function statesToAwait(
  target: Target,
  current: Payment | undefined,
  options: WaitOptions,
): Pick<AwaitStateRequest, 'states'> {
  if (options.onProgress) {
    const others = new Set([...PAYMENT_STATES[target.kind], ...(options.until ?? [])]);
    if (current) others.delete(current.state);
    return { states: [...others] };
  }
  return options.until ? { states: [...options.until] } : {};
}

/**
 * The run the update was sent to has ended: continued as new (the workflow id is running again,
 * ask the new run) or closed (its status is its result, or its failure's details). An id that
 * never existed is PaymentNotFoundError.
 */
async function afterRunEnded(
  deps: OutcomeWaitDeps,
  target: Target,
  current: Payment | undefined,
  deadline: number,
): Promise<RoundStatus | undefined> {
  const handle = deps.temporal.workflow.getHandle(target.workflowId);
  try {
    const description = await deps.calls.read(() => handle.describe(), deadline);
    if (description.status.name === 'RUNNING') return current;
    const status = await deps.calls.read(
      () => handle.result().catch((err: unknown) => failedStatus(err)),
      deadline,
    );
    if (isPaymentStatus(status)) return { ...status, ...deps.located(target.workflowId), closed: true };
  } catch (err) {
    throw deps.translate(err, target.reference, target.kind);
  }
  // Terminated or timed out: only the workflow itself can say where it stopped.
  return { ...(await deps.readPayment(target.reference, target.kind, deadline)), closed: true };
}

/** A failed lifecycle's final status (its failure's details); null when it did not end itself (terminated, timed out). */
function failedStatus(err: unknown): unknown {
  if (!(err instanceof WorkflowFailedError)) throw err;
  const details = err.cause instanceof ApplicationFailure ? err.cause.details?.[0] : undefined;
  return isPaymentStatus(details) ? details : null;
}

async function lastRead(
  deps: OutcomeWaitDeps,
  target: Target,
  deadline: number,
  timeout: (cause: unknown) => WaitTimeoutError,
): Promise<Payment> {
  try {
    return await deps.readPayment(target.reference, target.kind, deadline);
  } catch (err) {
    if (isTransient(err) && Date.now() >= deadline) throw timeout(err);
    throw err;
  }
}

/** Temporal did not answer (in time): worth asking again while the wait has time left. */
function isTransient(err: unknown): boolean {
  return err instanceof TemporalOverloadedError || err instanceof ServiceUnreachableError;
}
