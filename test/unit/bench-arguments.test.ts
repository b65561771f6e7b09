/** `npm run bench` refuses a bad `--burst` or `--only` before anything runs. */
import { describe, expect, it } from 'vitest';
import { chosenBenches } from '../../bench/bench-choice';
import { burstSizeFrom } from '../../bench/burst';

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
