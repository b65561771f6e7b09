// The floor the lifecycle benchmark measures against: bare Temporal workflows of the same shape as
// cash-in and cash-out (the same local activity, activities, signal, updates and timers, in the same
// order) whose activities do nothing. What the real lifecycles take beyond these is ours: the PSP,
// the relay, the ledger, validation, search attributes, history size.
import {
  condition,
  defineSignal,
  defineUpdate,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
} from '@temporalio/workflow';
import type { BareActivities } from './bare-activities';

export interface BareLifecycleInput {
  /** The lifecycle's reconciliation pause while it waits for the PSP (its timer). */
  reconcileIntervalSeconds: number;
  /** How long it stays open once settled (the real lifecycle's late-event timer or grace window). */
  settledWindowSeconds: number;
}

export const bareStartUpdate = defineUpdate<string>('bareStart');
export const bareEventSignal = defineSignal('bareEvent');
export const bareAwaitStateUpdate = defineUpdate<string, [{ state: string; waitSeconds: number }]>(
  'bareAwaitState',
);

const local = proxyLocalActivities<BareActivities>({ startToCloseTimeout: '10 seconds' });
const activities = proxyActivities<BareActivities>({ startToCloseTimeout: '15 seconds' });

/**
 * Validate; cash-in: create the charge, which answers the starting update; cash-out: hold, which
 * answers it, then send. Then wait for the PSP's event (or a reconciliation timer), confirm by GET,
 * one ledger move, SETTLED, and stay open for the settled window.
 */
async function bareLifecycle(input: BareLifecycleInput, kind: 'cash-in' | 'cash-out'): Promise<string> {
  let state = 'CREATING';
  let answer: string | null = null;
  let event = false;
  setHandler(bareStartUpdate, async () => {
    await condition(() => answer !== null);
    return answer as string;
  });
  setHandler(bareEventSignal, () => {
    event = true;
  });
  setHandler(bareAwaitStateUpdate, async ({ state: wanted, waitSeconds }) => {
    await condition(() => state === wanted, waitSeconds * 1000);
    return state;
  });

  await local.bareValidate();
  if (kind === 'cash-in') answer = await activities.bareCreate();
  else {
    answer = await activities.bareMove();
    await activities.bareCreate();
  }
  state = 'WAITING';
  while (!(await condition(() => event, input.reconcileIntervalSeconds * 1000))) {
    if ((await activities.bareRead()) === 'DONE') break;
  }
  await activities.bareRead();
  await activities.bareMove();
  state = 'SETTLED';
  await sleep(input.settledWindowSeconds * 1000);
  return state;
}

export function bareCashIn(input: BareLifecycleInput): Promise<string> {
  return bareLifecycle(input, 'cash-in');
}

export function bareCashOut(input: BareLifecycleInput): Promise<string> {
  return bareLifecycle(input, 'cash-out');
}
