/**
 * Money inside the project is integer centavos. ConnectPSP speaks reais (JSON numbers with at
 * most 2 decimals); convert only at that edge, with these two functions.
 */

export type Cents = number;

/** The largest single amount the project accepts (R$ 10,000,000.00): a sanity bound, not a PSP rule. */
export const MAX_AMOUNT_CENTS: Cents = 10_000_000_00;

export function isValidCents(value: unknown): value is Cents {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

/** True when a reais number has at most two decimal places (tolerating binary float noise). */
export function hasAtMostTwoDecimals(reais: number): boolean {
  if (!Number.isFinite(reais)) return false;
  const scaled = reais * 100;
  const cents = Math.round(scaled);
  // The absolute tolerance absorbs arithmetic noise (0.1 + 0.2); the exact comparison keeps large
  // amounts (>= R$ 1 billion), whose `* 100` error exceeds that tolerance, valid.
  return Math.abs(scaled - cents) < 1e-6 || cents / 100 === reais;
}

/** Converts a wire amount in reais to integer centavos; throws when it has more than 2 decimals. */
export function reaisToCents(reais: number): Cents {
  if (!hasAtMostTwoDecimals(reais)) throw new RangeError(`amount ${reais} has more than 2 decimal places`);
  const cents = Math.round(reais * 100) + 0; // + 0 turns -0 into 0
  if (!Number.isSafeInteger(cents)) throw new RangeError(`amount ${reais} is too large`);
  return cents;
}

/** Converts integer centavos to the wire amount in reais. */
export function centsToReais(cents: Cents): number {
  if (!Number.isSafeInteger(cents))
    throw new RangeError(`amount ${cents} is not an integer number of centavos`);
  return cents / 100;
}

/** "R$ 1.234,56" (Brazilian format) for people; never parsed back. */
export function formatBrl(cents: Cents): string {
  if (!Number.isSafeInteger(cents))
    throw new RangeError(`amount ${cents} is not an integer number of centavos`);
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const reais = Math.floor(abs / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  return `${sign}R$ ${reais},${String(abs % 100).padStart(2, '0')}`;
}

/**
 * Parses a human decimal amount ("25", "25.5", "25.00", "1234,56") into centavos.
 * Returns an error string naming the rule when the text is not a valid amount.
 */
export function parseAmountText(text: string): { ok: true; cents: Cents } | { ok: false; rule: string } {
  const trimmed = text.trim();
  const match = /^(\d+)(?:[.,](\d{1,2}))?$/.exec(trimmed);
  if (!match) return { ok: false, rule: 'must be a positive number with at most 2 decimals, e.g. 25.00' };
  // Past 12 digits of reais it is beyond the maximum anyway (and beyond exact centavos past 2^53).
  if ((match[1] ?? '').replace(/^0+/, '').length > 12) {
    return { ok: false, rule: `must be at most ${formatBrl(MAX_AMOUNT_CENTS)}` };
  }
  const cents = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  if (cents <= 0) return { ok: false, rule: 'must be greater than zero' };
  if (cents > MAX_AMOUNT_CENTS) return { ok: false, rule: `must be at most ${formatBrl(MAX_AMOUNT_CENTS)}` };
  return { ok: true, cents };
}
