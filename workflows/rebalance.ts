/**
 * Rebalance. Every trigger (the Schedule, a cash-out top-up, an operator) reaches the one
 * coordinator of the task queue, `rebalance:<taskQueue>`, through update-with-start (or
 * signal-with-start); the coordinator runs one rebalance at a time and answers every trigger that
 * queued during a run with the next run's result. So there are never two `POST /account/rebalance`
 * in flight, however many triggers arrive.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { formatBrl } from '../domain/money';
import { rebalance } from './activity-proxies';
import type { RebalanceWorkflowInput, ScheduledRebalanceInput } from './inputs';
import { expectActivityFailure, nowIso } from './lifecycle';
import {
  type RebalanceRunResult,
  type RebalanceState,
  type RebalanceTrigger,
  rebalanceTriggerSignal,
  requestRebalanceUpdate,
  statusQuery,
} from './messages';

const RECENT_RUNS_KEPT = 20;
/** Starts a fresh history now and then; handlers' state is carried, nothing is in flight at that point. */
const RUNS_PER_EXECUTION = 200;

export async function rebalanceWorkflow(input: RebalanceWorkflowInput = {}): Promise<void> {
  let runs = input.runs ?? 0;
  const recent = [...(input.recent ?? [])];
  let state: RebalanceState = 'IDLE';
  let runsThisExecution = 0;
  let nextTicket = 0;
  const queue: Array<{ ticket: number; trigger: RebalanceTrigger }> = [];
  const results = new Map<number, RebalanceRunResult>();

  const enqueue = (trigger: RebalanceTrigger): number => {
    const ticket = nextTicket++;
    queue.push({ ticket, trigger });
    return ticket;
  };
  setHandler(statusQuery, () => ({ kind: 'REBALANCE', state, pending: queue.length, runs, recent }));
  setHandler(
    requestRebalanceUpdate,
    async (trigger) => {
      const ticket = enqueue(trigger);
      await condition(() => results.has(ticket));
      const result = results.get(ticket) as RebalanceRunResult;
      results.delete(ticket);
      return result;
    },
    { validator: validateTrigger },
  );
  setHandler(rebalanceTriggerSignal, (trigger) => {
    // A signal cannot be refused; a malformed one is dropped rather than failing the task forever.
    if (triggerProblem(trigger)) log.warn('rebalance trigger ignored', { problem: triggerProblem(trigger) });
    else enqueue(trigger);
  });

  const timeForNewHistory = () =>
    workflowInfo().continueAsNewSuggested ||
    runsThisExecution >= (input.runsPerExecution ?? RUNS_PER_EXECUTION);
  for (;;) {
    await condition(() => queue.length > 0 || timeForNewHistory());
    if (queue.length === 0) {
      await condition(allHandlersFinished);
      if (queue.length === 0) return continueAsNew<typeof rebalanceWorkflow>({ ...input, runs, recent });
      continue;
    }
    const batch = queue.splice(0);
    runs += 1;
    runsThisExecution += 1;
    state = 'RUNNING';
    const result = await runOnce(
      runs,
      batch.map((b) => b.trigger),
    );
    for (const { ticket } of batch) results.set(ticket, result);
    recent.push(result);
    if (recent.length > RECENT_RUNS_KEPT) recent.shift();
    setCurrentDetails(describe(result));
    state = 'IDLE';
  }
}

async function runOnce(run: number, triggers: RebalanceTrigger[]): Promise<RebalanceRunResult> {
  const thresholdCents = Math.min(...triggers.map((t) => t.thresholdCents));
  const sources = [...new Set(triggers.map((t) => t.source))];
  const startedAt = nowIso();
  try {
    const outcome = await rebalance.rebalanceToExposure({
      // Unique per run of this coordinator chain (continue-as-new keeps the first run id).
      operationId: `${workflowInfo().firstExecutionRunId}:${run}`,
      thresholdCents,
    });
    return { run, sources, thresholdCents, ...outcome, startedAt, finishedAt: nowIso() };
  } catch (err) {
    return {
      run,
      sources,
      thresholdCents,
      outcome: 'FAILED',
      exposureCents: 0,
      beforeCents: 0,
      targetCents: 0,
      afterCents: 0,
      movedCents: 0,
      failure: expectActivityFailure(err),
      startedAt,
      finishedAt: nowIso(),
    };
  }
}

function triggerProblem(trigger: RebalanceTrigger | undefined): string | null {
  if (!trigger || !Number.isSafeInteger(trigger.thresholdCents) || trigger.thresholdCents < 0) {
    return 'thresholdCents must be a non-negative integer';
  }
  return null;
}

function validateTrigger(trigger: RebalanceTrigger): void {
  const problem = triggerProblem(trigger);
  if (problem) throw new Error(problem);
}

function describe(result: RebalanceRunResult): string {
  const amounts = `exposure ${formatBrl(result.exposureCents)}, PSP ${formatBrl(result.beforeCents)} → ${formatBrl(result.afterCents)}`;
  return `Run ${result.run} (${result.sources.join(', ')}): ${result.outcome}; ${amounts}${
    result.failure ? `; ${result.failure.code}` : ''
  }`;
}

/**
 * The Schedule's action. A schedule cannot target a fixed workflow id, so each scheduled run goes
 * through the same door as every other trigger (the coordinator) and returns that run's result.
 */
export async function scheduledRebalanceWorkflow(
  input: ScheduledRebalanceInput,
): Promise<RebalanceRunResult> {
  const { workflowId } = workflowInfo();
  return rebalance.requestRebalance({
    trigger: { source: 'SCHEDULE', thresholdCents: input.thresholdCents, requestedBy: workflowId },
    updateId: workflowId,
  });
}
