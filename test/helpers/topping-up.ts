/**
 * A cash-out cancelled while it tops the PSP account up (TOPPING_UP): the PSP refused the send for
 * its balance (the caller makes the PSP account short), and a slow `POST /account/rebalance` keeps
 * the lifecycle there long enough to cancel it. The caller clears the faults.
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { CashOutStatus } from '../../workflows/messages';
import type { LifecycleEnv } from './lifecycle-env';

type Env = Pick<LifecycleEnv, 'psp' | 'waitForState'>;

/** Every top-up of the PSP account takes 2 s from now on. */
export async function slowTopUps(env: Env): Promise<void> {
  await env.psp.control('POST', '/faults', {
    kind: 'latency',
    latencyMs: 2_000,
    method: 'POST',
    path: '/account/rebalance',
    rate: 1,
  });
}

/** Cancels the cash-out once it is TOPPING_UP (started after `slowTopUps`). */
export async function cancelWhenToppingUp(env: Env, handle: WorkflowHandle): Promise<void> {
  await env.waitForState<CashOutStatus>(handle, 'TOPPING_UP');
  await handle.cancel();
}
