import { type Client, ScheduleAlreadyRunning, type ScheduleOptions } from '@temporalio/client';

export interface EnsuredSchedule {
  scheduleId: string;
  spec: ScheduleOptions['spec'];
  action: ScheduleOptions['action'];
  policies: NonNullable<ScheduleOptions['policies']>;
  /** Shown with the Schedule in the Web UI and `temporal schedule describe`. */
  note: string;
  /** Create it paused (tests, maintenance); an existing one keeps its pause state unless given. */
  paused?: boolean;
}

/**
 * Creates a Schedule, or brings an existing one to this spec, action and policies: safe to call
 * on every start of every worker replica.
 */
export async function ensureSchedule(
  client: Client,
  schedule: EnsuredSchedule,
): Promise<{ scheduleId: string; created: boolean }> {
  const { scheduleId, spec, action, policies, note, paused } = schedule;
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action,
      policies,
      state: { paused: paused ?? false, note },
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
    state: { ...previous.state, ...(paused === undefined ? {} : { paused }) },
  }));
  return { scheduleId, created: false };
}
