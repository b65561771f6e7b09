/** `npm run bench` refuses a bad `--burst` or `--only` before anything runs. */
import { describe, expect, it } from 'vitest';
import { chosenBenches } from '../../bench/bench-choice';
import { burstSizeFrom } from '../../bench/burst';
import { runConcurrently } from '../../bench/concurrency';

const KNOWN = ['relay', 'burst', 'lifecycle'];

describe('bench arguments', () => {
  it('--only picks benchmarks by name, in the order asked; without it, all', () => {
    expect(chosenBenches([], KNOWN)).toEqual(KNOWN);
    expect(chosenBenches(['--only', 'lifecycle,burst'], KNOWN)).toEqual(['lifecycle', 'burst']);
    expect(chosenBenches(['--only=relay'], KNOWN)).toEqual(['relay']);
  });

  it('--only refuses an unknown or empty name, listing the known ones', () => {
    expect(() => chosenBenches(['--only', 'relay,nope'], KNOWN)).toThrow(
      '--only must name benchmarks among relay, burst, lifecycle; got "relay,nope"',
    );
    expect(() => chosenBenches(['--only='], KNOWN)).toThrow('--only must name benchmarks');
    expect(() => chosenBenches(['--only'], KNOWN)).toThrow('--only must name benchmarks');
  });

  it('--burst takes a whole number within bounds', () => {
    expect(burstSizeFrom(['--burst', '200'])).toBe(200);
    expect(burstSizeFrom(['--burst=5'])).toBe(5);
    expect(() => burstSizeFrom(['--burst', '0'])).toThrow('--burst must be a whole number');
    expect(() => burstSizeFrom(['--burst', '1.5'])).toThrow('--burst must be a whole number');
  });
});

describe('runConcurrently', () => {
  it('on a failure takes no new work, lets the calls in flight end, then names the failed call', async () => {
    const started: number[] = [];
    let inFlight = 0;
    let endedAfterFailure = 0;
    let failed = false;
    const run = runConcurrently(20, 4, async (index) => {
      started.push(index);
      inFlight++;
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      if (index === 2) {
        failed = true;
        throw new Error('the PSP said no');
      }
      if (failed) endedAfterFailure++;
    });
    await expect(run).rejects.toThrow('call 3 of 20 failed: the PSP said no');
    expect(inFlight).toBe(0);
    expect(endedAfterFailure).toBeGreaterThan(0);
    expect(started.length).toBeLessThan(20);
  });
});
