import { describe, expect, it } from 'vitest';
import { MAX_RECONCILE_INTERVAL_MS, reconcileBackoff } from '../../workflows/lifecycle';

describe('reconcileBackoff', () => {
  it('starts at the configured interval and doubles up to an hour', () => {
    const next = reconcileBackoff(60);
    const pauses = Array.from({ length: 9 }, () => next() / 1000);
    expect(pauses).toEqual([60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
    expect(MAX_RECONCILE_INTERVAL_MS).toBe(3_600_000);
  });

  it('keeps an interval configured above an hour as it is', () => {
    const next = reconcileBackoff(7200);
    expect([next(), next()]).toEqual([7_200_000, 7_200_000]);
  });

  it('bounds a 30-day wait to a few hundred reconciliations, not one a minute', () => {
    const next = reconcileBackoff(60);
    let waited = 0;
    let ticks = 0;
    while (waited < 30 * 86_400_000) {
      waited += next();
      ticks += 1;
    }
    expect(ticks).toBeLessThan(30 * 24 + 10);
  });
});
