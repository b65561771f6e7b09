/**
 * Creates a Temporal Schedule, or brings an existing one to the given spec and action: safe to call
 * on every start of the worker. Overlap SKIP: a run still going when the next is due is not doubled.
 */
import {
  type Client,
  ScheduleAlreadyRunning,
  type ScheduleOptionsAction,
  ScheduleOverlapPolicy,
  type ScheduleSpec,
} from '@temporalio/client';

export interface EnsuredSchedule {
  scheduleId: string;
  spec: ScheduleSpec;
  action: ScheduleOptionsAction;
  note: string;
  /** Left as it is on an existing schedule when undefined. */
  paused?: boolean;
}

export async function ensureSchedule(
  client: Client,
  schedule: EnsuredSchedule,
): Promise<{ scheduleId: string; created: boolean }> {
  const { scheduleId, spec, action } = schedule;
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' as const };
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action,
      policies,
      state: { paused: schedule.paused ?? false, note: schedule.note },
    });
    return { scheduleId, created: true };
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await client.schedule.getHandle(scheduleId).update((previous) => ({
    ...previous,
    spec,
    action,
    policies: { ...previous.policies, ...policies },
    state: { ...previous.state, ...(schedule.paused === undefined ? {} : { paused: schedule.paused }) },
  }));
  return { scheduleId, created: false };
}
