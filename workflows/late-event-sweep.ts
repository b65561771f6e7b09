/**
 * The late-event sweep (Schedule `late-event-sweep:<taskQueue>`): catches a refund, MED reversal
 * or return of a closed lifecycle whose webhook was lost, without one open workflow per payment.
 * It pages through lifecycles that closed SETTLED, many per activity, checking each with the PSP at
 * a bounded pace. Cadence by age: every sweep checks the payments settled in the last week; older
 * ones (up to `watchDays`) are checked once a week, on the sweep that falls on their weekly
 * anniversary, which keeps the PSP load at about a fifth of checking every payment every day.
 */
import { continueAsNew, workflowInfo } from '@temporalio/workflow';
import type { SweepWindow } from '../activities/late-event-sweep';
import { sweep } from './activity-proxies';

export interface LateEventSweepInput {
  intervalHours: number;
  watchDays: number;
  requestsPerSecond: number;
  /** Payments per activity. */
  pageSize?: number;
  /** Carried over continue-as-new. */
  resume?: { windows: SweepWindow[]; window: number; pageToken: string | null; totals: LateEventSweepResult };
}

export interface LateEventSweepResult {
  checked: number;
  woken: number;
  unanswered: number;
}

const DAY_MS = 86_400_000;
const WEEK_DAYS = 7;

export async function lateEventSweepWorkflow(input: LateEventSweepInput): Promise<LateEventSweepResult> {
  const windows = input.resume?.windows ?? sweepWindows(Date.now(), input.intervalHours, input.watchDays);
  const totals = input.resume?.totals ?? { checked: 0, woken: 0, unanswered: 0 };
  let pageToken = input.resume?.pageToken ?? null;
  for (let index = input.resume?.window ?? 0; index < windows.length; index++) {
    const window = windows[index] as SweepWindow;
    do {
      const page = await sweep.sweepSettledPage({
        window,
        pageToken,
        pageSize: input.pageSize ?? 200,
        requestsPerSecond: input.requestsPerSecond,
      });
      totals.checked += page.checked;
      totals.woken += page.woken;
      totals.unanswered += page.unanswered;
      pageToken = page.nextPageToken;
      if (pageToken && workflowInfo().continueAsNewSuggested) {
        return continueAsNew<typeof lateEventSweepWorkflow>({
          ...input,
          resume: { windows, window: index, pageToken, totals },
        });
      }
    } while (pageToken);
  }
  return totals;
}

/**
 * The close-time windows one sweep covers: the last week whole, then, for each earlier week within
 * `watchDays`, the `intervalHours` slice that turned a whole number of weeks old since the last sweep.
 */
export function sweepWindows(nowMs: number, intervalHours: number, watchDays: number): SweepWindow[] {
  const window = (fromMs: number, toMs: number) => ({
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
  });
  const windows = [window(nowMs - WEEK_DAYS * DAY_MS, nowMs)];
  const sliceMs = Math.min(intervalHours * 3_600_000, WEEK_DAYS * DAY_MS);
  for (let weeks = 1; weeks * WEEK_DAYS < watchDays; weeks++) {
    const endMs = nowMs - weeks * WEEK_DAYS * DAY_MS;
    windows.push(window(endMs - sliceMs, endMs));
  }
  return windows;
}
