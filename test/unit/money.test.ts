import { describe, expect, it } from 'vitest';
import {
  centsToReais,
  formatBrl,
  hasAtMostTwoDecimals,
  MAX_AMOUNT_CENTS,
  parseAmountText,
  reaisToCents,
} from '../../domain/money';

describe('reaisToCents / centsToReais', () => {
  it.each([
    [0, 0],
    [0.01, 1],
    [0.1, 10],
    [1, 100],
    [19.99, 1999],
    [1234.56, 123456],
    [1_500_000, 150_000_000],
    [10_000_000, MAX_AMOUNT_CENTS],
    [12_345_678_901.23, 1_234_567_890_123], // above R$ 1 billion: `* 100` noise exceeds a fixed tolerance
    [-25.5, -2550],
  ])('%d reais ⇄ %d centavos', (reais, cents) => {
    expect(reaisToCents(reais)).toBe(cents);
    expect(centsToReais(cents)).toBe(reais);
  });

  it.each([
    [0.1 + 0.2, 30],
    [19.99 * 3, 5997],
    [0.07 * 3, 21],
    [1.1 * 1.1, 121],
    [100.1 - 100, 10],
  ])('tolerates float noise: %d → %d centavos', (reais, cents) => {
    expect(reaisToCents(reais)).toBe(cents);
  });

  it('round-trips every centavo amount of a wide sample', () => {
    for (let cents = 0; cents < 100_000; cents += 7) expect(reaisToCents(centsToReais(cents))).toBe(cents);
    for (let cents = 1e12; cents < 1e12 + 10_000; cents += 13)
      expect(reaisToCents(centsToReais(cents))).toBe(cents);
  });

  it.each([1.005, 0.001, 19.999, 12_345_678_901.234, Number.NaN, Number.POSITIVE_INFINITY])(
    'rejects %d (more than 2 decimals or not finite)',
    (reais) => {
      expect(hasAtMostTwoDecimals(reais)).toBe(false);
      expect(() => reaisToCents(reais)).toThrow(RangeError);
    },
  );

  it('rejects amounts beyond safe integer centavos', () => {
    expect(() => reaisToCents(1e20)).toThrow(/too large/);
  });

  it('never returns negative zero', () => {
    expect(Object.is(reaisToCents(-0), 0)).toBe(true);
  });

  it.each([0.5, Number.NaN, 2 ** 53])('centsToReais rejects non-integer centavos %d', (cents) => {
    expect(() => centsToReais(cents)).toThrow(RangeError);
  });
});

describe('parseAmountText', () => {
  it.each([
    ['25', 2500],
    ['25.5', 2550],
    ['25.00', 2500],
    ['1234,56', 123456],
    [' 0.01 ', 1],
    ['10000000.00', MAX_AMOUNT_CENTS],
  ])('%j → %d centavos', (text, cents) => {
    expect(parseAmountText(text)).toEqual({ ok: true, cents });
  });

  it.each([
    ['25.001', /at most 2 decimals/],
    ['1.234,56', /at most 2 decimals/],
    ['-5', /positive number/],
    ['1e3', /positive number/],
    ['', /positive number/],
    ['25.', /positive number/],
    ['abc', /positive number/],
    ['0', /greater than zero/],
    ['0.00', /greater than zero/],
    ['10000000.01', /at most R\$ 10\.000\.000,00/],
    // Beyond exact centavos (2^53): the rule is the maximum, not the format.
    ['90071992547409.93', /at most R\$ 10\.000\.000,00/],
    ['9'.repeat(400), /at most R\$ 10\.000\.000,00/],
  ])('%j is rejected', (text, rule) => {
    const result = parseAmountText(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.rule).toMatch(rule);
  });
});

describe('formatBrl', () => {
  it.each([
    [0, 'R$ 0,00'],
    [1, 'R$ 0,01'],
    [150, 'R$ 1,50'],
    [123456, 'R$ 1.234,56'],
    [100_000_000, 'R$ 1.000.000,00'],
    [-2550, '-R$ 25,50'],
  ])('%d → %s', (cents, text) => {
    expect(formatBrl(cents)).toBe(text);
  });

  it('rejects non-integer centavos', () => {
    expect(() => formatBrl(1.5)).toThrow(RangeError);
  });
});
