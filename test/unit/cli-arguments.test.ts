import { describe, expect, it } from 'vitest';
import {
  InputProblems,
  newReference,
  parseAmount,
  parseBankAccount,
  parseDuration,
  parseExpiryMinutes,
  parseKind,
  parsePositiveInteger,
  parseSince,
} from '../../client/cli/arguments';
import { cashInRequest } from '../../client/cli/commands/cash-in';
import { cashOutRequest } from '../../client/cli/commands/cash-out';
import { listFilter } from '../../client/cli/commands/payments';
import { ID_CHARACTERS, ValidationError } from '../../domain/validation';

const NOW = new Date('2026-03-01T12:00:00Z');
const VALID_CPF = '52998224725';

function problemsOf(run: () => unknown) {
  try {
    run();
  } catch (err) {
    if (err instanceof ValidationError) return err.problems;
    throw err;
  }
  throw new Error('expected a ValidationError');
}

describe('argument parsers', () => {
  it('amounts: reais with a dot or a comma, at most two decimals, above zero', () => {
    expect(parseAmount('25')).toEqual({ ok: true, value: 25_00 });
    expect(parseAmount('25.5')).toEqual({ ok: true, value: 25_50 });
    expect(parseAmount(' 1234,56 ')).toEqual({ ok: true, value: 1234_56 });
    expect(parseAmount('10.999')).toEqual({
      ok: false,
      rule: 'must be a positive number with at most 2 decimals, e.g. 25.00',
    });
    expect(parseAmount('-1').ok).toBe(false);
    expect(parseAmount('1e3').ok).toBe(false);
    expect(parseAmount('0.00')).toEqual({ ok: false, rule: 'must be greater than zero' });
  });

  it('durations: a bare number in the default unit, or ms/s/m/h/d', () => {
    expect(parseDuration('90', 's')).toEqual({ ok: true, value: 90_000 });
    expect(parseDuration('250ms', 's')).toEqual({ ok: true, value: 250 });
    expect(parseDuration('5m', 's')).toEqual({ ok: true, value: 300_000 });
    expect(parseDuration('1.5h', 's')).toEqual({ ok: true, value: 5_400_000 });
    expect(parseDuration('2', 'm')).toEqual({ ok: true, value: 120_000 });
    expect(parseDuration('soon', 's').ok).toBe(false);
    expect(parseDuration('0s', 's')).toEqual({ ok: false, rule: 'must be greater than zero' });
  });

  it('charge expiry in whole minutes', () => {
    expect(parseExpiryMinutes('30')).toEqual({ ok: true, value: 30 });
    expect(parseExpiryMinutes('2h')).toEqual({ ok: true, value: 120 });
    expect(parseExpiryMinutes('1d')).toEqual({ ok: true, value: 1440 });
    expect(parseExpiryMinutes('90s')).toEqual({ ok: false, rule: 'must be a whole number of minutes' });
  });

  it('bank accounts: ispb/branch/account/type, type case-insensitive', () => {
    expect(parseBankAccount('00000000/0001/123456/checking')).toEqual({
      ok: true,
      value: { ispb: '00000000', branch: '0001', account: '123456', accountType: 'CHECKING' },
    });
    expect(parseBankAccount('123/4').ok).toBe(false);
    expect(parseBankAccount('00000000//123456/PAYMENT').ok).toBe(false);
  });

  it('since: an ISO date/time or a duration ago', () => {
    expect(parseSince('2h', NOW)).toEqual({ ok: true, value: new Date('2026-03-01T10:00:00Z') });
    expect(parseSince('7d', NOW)).toEqual({ ok: true, value: new Date('2026-02-22T12:00:00Z') });
    expect(parseSince('2026-02-01', NOW)).toEqual({ ok: true, value: new Date('2026-02-01T00:00:00Z') });
    expect(parseSince('2026-02-01T08:30:00Z', NOW)).toEqual({
      ok: true,
      value: new Date('2026-02-01T08:30:00Z'),
    });
    expect(parseSince('yesterday', NOW).ok).toBe(false);
    expect(parseSince('2026-13-45', NOW).ok).toBe(false);
  });

  it('kinds, counts and generated references', () => {
    expect(parseKind('cash-in')).toEqual({ ok: true, value: 'CASH_IN' });
    expect(parseKind('CASH_OUT')).toEqual({ ok: true, value: 'CASH_OUT' });
    expect(parseKind('refund')).toEqual({ ok: false, rule: 'must be cash-in or cash-out' });
    expect(parsePositiveInteger('50', 1000)).toEqual({ ok: true, value: 50 });
    expect(parsePositiveInteger('0', 1000).ok).toBe(false);
    expect(parsePositiveInteger('1001', 1000).ok).toBe(false);
    expect(parsePositiveInteger('2.5', 1000).ok).toBe(false);
    const reference = newReference('ci', NOW);
    expect(reference).toMatch(/^ci-[0-9a-z]+-[0-9a-f]{6}$/);
    expect(ID_CHARACTERS.test(reference)).toBe(true);
    expect(newReference('ci', NOW)).not.toBe(reference);
  });

  it('InputProblems reports a field once: a value the CLI could not parse is not also reported by the domain', () => {
    const problems = new InputProblems();
    problems.take('payee.bankAccount', { ok: false, rule: 'must be ispb/branch/account/type' });
    problems.validate(() => {
      throw new ValidationError([
        { field: 'payee', rule: 'must have exactly one of pixKey or bankAccount' },
        { field: 'payee.bankAccount.ispb', rule: 'must be 8 characters' },
        { field: 'payee.name', rule: 'must not be blank' },
      ]);
    });
    expect(problemsOf(() => problems.throwIfAny())).toEqual([
      { field: 'payee.bankAccount', rule: 'must be ispb/branch/account/type' },
      { field: 'payee.name', rule: 'must not be blank' },
    ]);
    expect(() => new InputProblems().throwIfAny()).not.toThrow();
    expect(() =>
      new InputProblems().validate(() => {
        throw new TypeError('bug');
      }),
    ).toThrow(TypeError);
  });
});

describe('command lines into requests', () => {
  const cashIn = {
    user: 'alice',
    amount: '25.00',
    payerName: ' Ana Souza ',
    payerDocument: '529.982.247-25',
  };

  it('cash-in: normalised, with a generated reference when none is given', () => {
    const request = cashInRequest({ ...cashIn, expiresIn: '2h' }, NOW);
    expect(request).toEqual({
      reference: expect.stringMatching(/^ci-/),
      userId: 'alice',
      amountCents: 25_00,
      payer: { name: 'Ana Souza', document: VALID_CPF },
      expiresInMinutes: 120,
    });
    expect(cashInRequest({ ...cashIn, ref: 'order-1' }, NOW).reference).toBe('order-1');
  });

  it('cash-in: every problem at once, each named by its field', () => {
    const problems = problemsOf(() =>
      cashInRequest(
        { user: 'a b', amount: '1,234', payerName: '', payerDocument: '123.456.789-00', expiresIn: 'x' },
        NOW,
      ),
    );
    expect(problems.map((p) => p.field)).toEqual([
      'amountCents',
      'expiresInMinutes',
      'userId',
      'payer.name',
      'payer.document',
    ]);
    expect(problems.find((p) => p.field === 'payer.document')?.rule).toBe('has wrong CPF check digits');
  });

  it('cash-in --open-finance --redirect-url: the OpenFinance flow, the URL checked', () => {
    const url = 'https://shop.example.com/pix/return';
    expect(
      cashInRequest({ ...cashIn, openFinance: true, redirectUrl: url }, NOW).openFinanceRedirectUrl,
    ).toBe(url);
    expect(cashInRequest(cashIn, NOW)).not.toHaveProperty('openFinanceRedirectUrl');
    expect(
      problemsOf(() => cashInRequest({ ...cashIn, openFinance: true, redirectUrl: 'javascript:x' }, NOW)),
    ).toEqual([
      {
        field: 'openFinanceRedirectUrl',
        rule: 'must be an absolute http:// or https:// URL, e.g. https://shop.example.com/pix/return',
      },
    ]);
    expect(problemsOf(() => cashInRequest({ ...cashIn, openFinance: true }, NOW))).toEqual([
      {
        field: 'openFinanceRedirectUrl',
        rule: 'is required with --open-finance: where the payer returns after paying',
      },
    ]);
    expect(problemsOf(() => cashInRequest({ ...cashIn, redirectUrl: url }, NOW))).toEqual([
      {
        field: 'openFinance',
        rule: 'is required with --redirect-url (the redirect URL is for the OpenFinance flow only)',
      },
    ]);
  });

  const cashOut = { user: 'alice', amount: '10', payeeName: 'Bruno Lima', payeeDocument: VALID_CPF };

  it('cash-out: the PIX key type is inferred and the key normalised', () => {
    expect(cashOutRequest({ ...cashOut, pixKey: '(11) 98765-4321' }, NOW).payee).toMatchObject({
      pixKey: '+5511987654321',
      pixKeyType: 'PHONE',
    });
    expect(cashOutRequest({ ...cashOut, pixKey: ' Bruno@Example.COM ' }, NOW).payee).toMatchObject({
      pixKey: 'bruno@example.com',
      pixKeyType: 'EMAIL',
    });
    expect(cashOutRequest({ ...cashOut, pixKey: '529.982.247-25' }, NOW).payee).toMatchObject({
      pixKey: VALID_CPF,
      pixKeyType: 'CPF',
    });
    expect(
      cashOutRequest({ ...cashOut, bankAccount: '00000000/0001/123456/payment' }, NOW).payee.bankAccount,
    ).toEqual({
      ispb: '00000000',
      branch: '0001',
      account: '123456',
      accountType: 'PAYMENT',
    });
  });

  it('cash-out: an invalid key, a malformed account, none or both destinations are reported by field', () => {
    expect(problemsOf(() => cashOutRequest({ ...cashOut, pixKey: '12345' }, NOW))).toEqual([
      { field: 'payee.pixKey', rule: expect.stringMatching(/^must be a PIX key/) },
    ]);
    expect(problemsOf(() => cashOutRequest({ ...cashOut, bankAccount: '1/2' }, NOW))).toEqual([
      { field: 'payee.bankAccount', rule: expect.stringMatching(/^must be ispb\/branch\/account\/type/) },
    ]);
    expect(problemsOf(() => cashOutRequest({ ...cashOut, bankAccount: 'ABC/0001/1/CHECKING' }, NOW))).toEqual(
      [{ field: 'payee.bankAccount.ispb', rule: 'must be 8 characters [0-9A-Z]' }],
    );
    expect(problemsOf(() => cashOutRequest(cashOut, NOW))).toEqual([
      { field: 'payee', rule: 'must have exactly one of pixKey or bankAccount' },
    ]);
    const both = { ...cashOut, pixKey: 'a@b.com', bankAccount: '00000000/0001/1/CHECKING' };
    expect(problemsOf(() => cashOutRequest(both, NOW)).map((p) => p.field)).toEqual(['payee']);
  });

  it('list: filters parsed, problems named', () => {
    expect(
      listFilter({ kind: 'cash-out', status: 'settled', user: 'alice', since: '1h', limit: '20' }, NOW),
    ).toEqual({
      kind: 'CASH_OUT',
      status: 'SETTLED',
      userId: 'alice',
      since: new Date('2026-03-01T11:00:00Z'),
      limit: 20,
    });
    expect(
      problemsOf(() => listFilter({ kind: 'x', since: 'soon', limit: '5000' }, NOW)).map((p) => p.field),
    ).toEqual(['kind', 'since', 'limit']);
  });
});
