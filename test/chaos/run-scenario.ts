/**
 * Plays one chaos scenario against a LifecycleEnv: installs its PSP faults (scoped to its own
 * reference), starts the payment, plays the payer or the PSP once the PSP has the payment, and
 * plays the operator for any payment left in NEEDS_REVIEW, deciding from the PSP's own record as a
 * real operator would from the PSP's back office. Returns what every party ended up with.
 */
import { type WorkflowHandle, WorkflowUpdateFailedError } from '@temporalio/client';
import {
  awaitStateUpdate,
  type CashInStatus,
  type CashOutStatus,
  isTerminalState,
  NEEDS_REVIEW,
  type ReviewResolution,
  refundCashInUpdate,
  resolveReviewUpdate,
  statusQuery,
} from '../../workflows/messages';
import type { LifecycleEnv } from '../helpers/lifecycle-env';
import type { Json } from '../helpers/sandbox-kit';
import type { AttemptFault, Scenario } from './scenario';

type LifecycleStatus = CashInStatus | CashOutStatus;

export interface ScenarioResult {
  scenario: Scenario;
  reference: string;
  userId: string;
  fundedCents: number;
  /** The platform handed the QR code to the payer (cash-ins). */
  qrHandedOut: boolean;
  /** How the platform's refund request was answered (refund scenarios). */
  refundAnswer: 'accepted' | 'refused' | null;
  final: LifecycleStatus;
  /** Decisions the operator had to take; refusals of them are problems in themselves. */
  operatorDecisions: ReviewResolution[];
  problems: string[];
  psp: { cashIns: Json[]; cashOuts: Json[] };
  wallet: { postedCents: number; pendingDebitCents: number };
}

/** A scenario's lifecycle must end (with an operator's help) within this long. */
const SCENARIO_DEADLINE_MS = 120_000;

/** The sandbox's view of every transaction, shared by the scenarios of a batch (read at most every 200 ms). */
export class PspView {
  private last: { at: number; body: Promise<{ cashIns: Json[]; cashOuts: Json[] }> } | null = null;
  constructor(private readonly env: LifecycleEnv) {}

  async of(reference: string): Promise<{ cashIns: Json[]; cashOuts: Json[] }> {
    if (!this.last || Date.now() - this.last.at > 200) {
      this.last = {
        at: Date.now(),
        body: this.env.psp.control('GET', '/transactions').then(({ body }) => body),
      };
    }
    const body = await this.last.body;
    const mine = (records: Json[]) => records.filter((r) => r.externalReference === reference);
    return { cashIns: mine(body.cashIns), cashOuts: mine(body.cashOuts) };
  }
}

function script(faults: AttemptFault[]) {
  return faults.map((step) =>
    step === 'refuse' ? { step, status: 422, code: 'INVALID_SIGNATURE' } : { step },
  );
}

export async function runScenario(
  env: LifecycleEnv,
  view: PspView,
  scenario: Scenario,
): Promise<ScenarioResult> {
  const reference = env.unique(`chaos-${scenario.kind}`);
  const deadline = Date.now() + SCENARIO_DEADLINE_MS;
  const fault = (spec: Record<string, unknown>) => env.psp.control('POST', '/faults', { ...spec });
  if (scenario.create.length > 0) {
    await fault({
      kind: 'script',
      script: script(scenario.create),
      method: 'POST',
      path: scenario.kind === 'cash-out' ? '/cash-out' : '/cash-in',
      reference,
    });
  }
  const webhookFault = {
    deliver: null,
    duplicate: 'duplicateWebhook',
    reorder: 'outOfOrderWebhook',
    lose: 'withholdWebhook',
  }[scenario.webhook];
  if (webhookFault) await fault({ kind: webhookFault, reference, count: 1 });

  const result: Omit<ScenarioResult, 'final' | 'psp' | 'wallet'> = {
    scenario,
    reference,
    userId: '',
    fundedCents: 0,
    qrHandedOut: false,
    refundAnswer: null,
    operatorDecisions: [],
    problems: [],
  };
  const operator = new Operator(view, reference, result, deadline);
  let handle: WorkflowHandle;
  if (scenario.kind === 'cash-out') {
    const input = env.cashOutInput({
      reference,
      amountCents: scenario.amountCents,
      pspRetryWindowSeconds: 6,
    });
    result.userId = input.userId;
    result.fundedCents = scenario.amountCents;
    await env.fundUser(input.userId, scenario.amountCents);
    handle = await env.startCashOut(input);
    const psp = playThePsp(env, view, reference, scenario.outcome, () => operator.finished);
    await operator.untilDone(handle, (s) => isTerminalState(s.state));
    await psp;
  } else {
    const input = env.cashInInput({ reference, amountCents: scenario.amountCents, pspRetryWindowSeconds: 6 });
    result.userId = input.userId;
    const started = await env.startCashIn(input).catch((err: unknown) => err);
    handle = env.client.workflow.getHandle(`cash-in:${reference}`);
    if (!(started instanceof Error)) {
      result.qrHandedOut = true;
      const outcome = scenario.kind === 'cash-in' ? scenario.outcome : 'pay';
      await env.psp.control('POST', `/cash-in/${reference}/${outcome}`);
    }
    await operator.untilDone(handle, (s) => isTerminalState(s.state));
    if (scenario.kind === 'refund' && operator.final?.state === 'SETTLED') {
      await askForARefund(env, handle, operator, scenario.refund, result);
    }
  }
  const final = operator.final ?? ((await handle.query(statusQuery)) as LifecycleStatus);
  return {
    ...result,
    final,
    psp: await env.pspTransactions(reference),
    wallet: await env.wallet.balance(result.userId),
  };
}

/** The PSP's side of a cash-out: once it has the PIX, it completes or fails it. */
async function playThePsp(
  env: LifecycleEnv,
  view: PspView,
  reference: string,
  outcome: 'complete' | 'fail',
  lifecycleOver: () => boolean,
): Promise<void> {
  while (!lifecycleOver()) {
    const [record] = (await view.of(reference)).cashOuts;
    if (record?.status === 'PROCESSING') {
      await env.psp.control('POST', `/cash-out/${reference}/${outcome}`);
      return;
    }
    if (record) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function askForARefund(
  env: LifecycleEnv,
  handle: WorkflowHandle,
  operator: Operator,
  faults: AttemptFault[],
  result: Omit<ScenarioResult, 'final' | 'psp' | 'wallet'>,
): Promise<void> {
  const transactionId =
    operator.final && 'charge' in operator.final ? operator.final.charge?.transactionId : null;
  if (faults.length > 0) {
    await env.psp.control('POST', '/faults', {
      kind: 'script',
      script: script(faults),
      method: 'POST',
      path: `/cash-in/${transactionId}/refund`,
    });
  }
  let answered = false;
  const ask = handle
    .executeUpdate(refundCashInUpdate, { args: [{ reason: 'CUSTOMER_REQUEST' }] })
    .then(
      () => {
        result.refundAnswer = 'accepted';
      },
      () => {
        result.refundAnswer = 'refused';
      },
    )
    .finally(() => {
      answered = true;
    });
  await operator.untilDone(handle, (s) => s.state === 'REFUNDED' || (answered && s.state !== NEEDS_REVIEW));
  await ask;
  if (result.refundAnswer === 'accepted') await operator.untilDone(handle, (s) => s.state === 'REFUNDED');
}

/** Waits for the lifecycle to be done, resolving any NEEDS_REVIEW it stops in from the PSP's record. */
class Operator {
  final: LifecycleStatus | null = null;
  finished = false;

  constructor(
    private readonly view: PspView,
    private readonly reference: string,
    private readonly result: Omit<ScenarioResult, 'final' | 'psp' | 'wallet'>,
    private readonly deadline: number,
  ) {}

  async untilDone(handle: WorkflowHandle, done: (s: LifecycleStatus) => boolean): Promise<void> {
    try {
      for (;;) {
        const status = await this.status(handle);
        this.final = status;
        if (done(status)) return;
        if (Date.now() > this.deadline) {
          this.result.problems.push(`not done after ${SCENARIO_DEADLINE_MS} ms: ${status.state}`);
          return;
        }
        if (
          status.state === NEEDS_REVIEW &&
          status.review?.retryingUntil === null &&
          !status.review.resolution
        ) {
          await this.resolve(handle, status);
        } else if (status.state !== NEEDS_REVIEW || status.review?.retryingUntil) {
          await handle
            .executeUpdate(awaitStateUpdate, { args: [{ states: awaitedStates(status), waitSeconds: 2 }] })
            .catch(() => undefined);
        } else {
          await new Promise((resolve) => setTimeout(resolve, 300));
        }
      }
    } finally {
      this.finished = true;
    }
  }

  private async status(handle: WorkflowHandle): Promise<LifecycleStatus> {
    for (;;) {
      try {
        return (await handle.query(statusQuery)) as LifecycleStatus;
      } catch (err) {
        if (Date.now() > this.deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    }
  }

  /** What a real operator does: look the payment up in the PSP's back office and say what happened. */
  private async resolve(handle: WorkflowHandle, status: LifecycleStatus): Promise<void> {
    const { cashIns, cashOuts } = await this.view.of(this.reference);
    const review = status.review;
    let resolution: ReviewResolution;
    const common = { reason: 'checked the PSP back office', resolvedBy: 'chaos-operator@example.com' };
    if (review?.step === 'REFUND') {
      const refunded = cashIns[0]?.status === 'REFUNDED';
      resolution = { decision: refunded ? 'SENT' : 'NOT_SENT', ...common };
    } else {
      const record = status.kind === 'CASH_OUT' ? cashOuts[0] : cashIns[0];
      resolution = record
        ? { decision: 'SENT', pspTransactionId: String(record.transactionId), ...common }
        : { decision: 'NOT_SENT', ...common };
    }
    this.result.operatorDecisions.push(resolution);
    await handle.executeUpdate(resolveReviewUpdate, { args: [resolution] }).catch((err: unknown) => {
      const cause = err instanceof WorkflowUpdateFailedError ? err.cause?.message : String(err);
      if (cause?.endsWith(`not ${NEEDS_REVIEW}`)) {
        // The lifecycle decided by itself (a GET) while the operator looked: nothing to resolve any more.
        this.result.operatorDecisions.pop();
        return;
      }
      this.result.problems.push(`the operator's ${resolution.decision} (PSP record) was refused: ${cause}`);
    });
  }
}

/** Wake on any change of state: terminal, review, or leaving the current one. */
function awaitedStates(status: LifecycleStatus): string[] {
  const all = [
    'CREATING',
    'AWAITING_PAYMENT',
    'PAID',
    'REFUNDING',
    'HOLDING',
    'SENDING',
    'TOPPING_UP',
    'PROCESSING',
    NEEDS_REVIEW,
    'SETTLED',
    'EXPIRED',
    'REFUNDED',
    'FAILED',
  ];
  return all.filter((state) => state !== status.state);
}
