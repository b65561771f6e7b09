/** How often the late-event sweep's windows (workflows/late-event-sweep.ts) cover one settled payment. */
import { sweepWindows } from '../../workflows/late-event-sweep';

const HOUR_MS = 3_600_000;

/**
 * The sweeps, one every `intervalHours` from a sweep at `firstSweepMs`, whose windows contain a
 * payment that closed half an interval after it: every sweep that could still check it.
 */
export function sweepsCovering(firstSweepMs: number, intervalHours: number, watchDays: number): number {
  const intervalMs = intervalHours * HOUR_MS;
  const closedAt = firstSweepMs + intervalMs / 2;
  const sweepsInWatch = Math.ceil((watchDays * 24) / intervalHours) + 2;
  let covering = 0;
  for (let n = 1; n <= sweepsInWatch; n++) {
    const covered = sweepWindows(firstSweepMs + n * intervalMs, intervalHours, watchDays).some(
      (w) => Date.parse(w.from) <= closedAt && closedAt < Date.parse(w.to),
    );
    if (covered) covering++;
  }
  return covering;
}
