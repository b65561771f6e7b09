import { describe, expect, it } from 'vitest';
import { sweepWindows } from '../../workflows/late-event-sweep';
import { sweepsCovering } from '../helpers/sweep-cadence';

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-30T12:00:00Z');

describe('the late-event sweep windows', () => {
  it('covers the last week whole, then one interval-wide slice per earlier week within the watch', () => {
    const windows = sweepWindows(NOW, 24, 90).map((w) => [Date.parse(w.from), Date.parse(w.to)]);
    expect(windows[0]).toEqual([NOW - 7 * DAY, NOW]);
    expect(windows.slice(1)).toEqual(
      Array.from({ length: 12 }, (_, i) => [NOW - 7 * (i + 1) * DAY - DAY, NOW - 7 * (i + 1) * DAY]),
    );
  });

  it('checks each payment about 19 times over 90 days with daily sweeps, not 90', () => {
    expect(sweepsCovering(NOW, 24, 90)).toBe(7 + 12);
  });

  it('never lets a slice be wider than a week, whatever the interval', () => {
    const [, slice] = sweepWindows(NOW, 24 * 30, 30);
    expect(Date.parse(slice?.to ?? '') - Date.parse(slice?.from ?? '')).toBe(7 * DAY);
  });
});
