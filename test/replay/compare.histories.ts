/**
 * `npm run histories:compare`: each recording that `npm run histories:record` could not write
 * (its fixture exists) against the committed fixture, step by step (`businessSteps`). A difference means
 * the workflow now runs that branch another way: version the change with `patched()` and keep the
 * committed fixture; add the new recording under a new name if the new branch needs one.
 */
import { describe, expect, it } from 'vitest';
import { businessSteps, fixtureNames, HISTORIES_DIR, loadHistory, RERECORDED_DIR } from './histories';

const rerecorded = fixtureNames(RERECORDED_DIR);

describe('re-recorded histories against the committed fixtures', () => {
  it('finds recordings to compare (run npm run histories:record first)', () => {
    expect(rerecorded.length).toBeGreaterThan(0);
  });

  it.each(rerecorded)('%s runs the same steps as committed', (name) => {
    expect(fixtureNames(HISTORIES_DIR)).toContain(name);
    expect(businessSteps(loadHistory(name, RERECORDED_DIR))).toEqual(businessSteps(loadHistory(name)));
  });
});
