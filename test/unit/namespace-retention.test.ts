/** Closed lifecycles must outlive the late-event window: what the worker warns about at start. */
import { describe, expect, it } from 'vitest';
import { requiredRetentionDays, retentionShortfall } from '../../runtime/namespace-retention';

describe('namespace retention against the late-event window', () => {
  it('requires the watch days plus a margin', () => {
    expect(requiredRetentionDays(90)).toBe(93);
    expect(requiredRetentionDays(0.5)).toBe(4);
  });

  it('is silent when the retention covers it, and names both figures and the fix when it does not', () => {
    expect(retentionShortfall(93 * 86_400, 90)).toBeNull();
    expect(retentionShortfall(86_400, 90)).toBe(
      'the namespace keeps closed workflows 1 days, less than LATE_EVENT_WATCH_DAYS (90) + 3: a late refund ' +
        'or return of a payment closed longer ago is parked for an operator and the late-event sweep cannot ' +
        'see it; set the namespace retention to at least 93 days',
    );
    expect(retentionShortfall(93 * 86_400 - 1, 90)).not.toBeNull();
  });
});
