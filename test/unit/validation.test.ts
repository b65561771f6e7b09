import { describe, expect, it } from 'vitest';
import {
  type CashInInput,
  type CashOutInput,
  ValidationError,
  validateCashInInput,
  validateCashInRequest,
  validateCashOutInput,
} from '../../domain/validation';

const cashIn: CashInInput = {
  reference: 'ref-1',
  userId: 'user.42',
  amountCents: 2500,
  payer: { name: ' Maria Silva ', document: '123.456.789-09' },
  expiresInMinutes: 30,
};

const cashOut: CashOutInput = {
  reference: 'order:2026-07-01_1',
  userId: 'user-42',
  amountCents: 1999,
  payee: { name: 'Empresa X', document: '12.abc.345/01de-35', pixKey: '(11) 98765-4321' },
  description: 'saque',
};

function problemsOf(run: () => unknown): { field: string; rule: string }[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return [...(error as ValidationError).problems];
  }
  throw new Error('expected a ValidationError');
}

function fieldsOf(run: () => unknown): string[] {
  return problemsOf(run).map((p) => p.field);
}

describe('validateCashInInput', () => {
  it('returns a normalised copy of a valid input without mutating it', () => {
    const before = structuredClone(cashIn);
    expect(validateCashInInput(cashIn)).toEqual({
      ...cashIn,
      payer: { name: 'Maria Silva', document: '12345678909' },
    });
    expect(cashIn).toEqual(before);
  });

  it('accepts an input without expiry and an alphanumeric CNPJ payer', () => {
    const { expiresInMinutes: _, ...noExpiry } = cashIn;
    const result = validateCashInInput({ ...noExpiry, payer: { name: 'X', document: '12abc34501de35' } });
    expect(result.payer.document).toBe('12ABC34501DE35');
    expect('expiresInMinutes' in result).toBe(false);
  });

  it.each<[string, Partial<CashInInput>, string[]]>([
    ['empty reference', { reference: '' }, ['reference']],
    ['reference with a space', { reference: 'ref 1' }, ['reference']],
    ['reference with a slash', { reference: 'a/b' }, ['reference']],
    ['reference of 101 chars', { reference: 'r'.repeat(101) }, ['reference']],
    ['userId of 65 chars', { userId: 'u'.repeat(65) }, ['userId']],
    ['userId with an accent', { userId: 'joão' }, ['userId']],
    ['zero amount', { amountCents: 0 }, ['amountCents']],
    ['negative amount', { amountCents: -1 }, ['amountCents']],
    ['fractional amount', { amountCents: 10.5 }, ['amountCents']],
    ['amount above the maximum', { amountCents: 10_000_000_01 }, ['amountCents']],
    ['blank payer name', { payer: { name: '   ', document: '12345678909' } }, ['payer.name']],
    [
      'payer name of 201 chars',
      { payer: { name: 'n'.repeat(201), document: '12345678909' } },
      ['payer.name'],
    ],
    ['wrong CPF check digits', { payer: { name: 'X', document: '123.456.789-00' } }, ['payer.document']],
    ['repeated-digit CPF', { payer: { name: 'X', document: '111.111.111-11' } }, ['payer.document']],
    ['wrong CNPJ check digits', { payer: { name: 'X', document: '11222333000180' } }, ['payer.document']],
    ['expiry 0', { expiresInMinutes: 0 }, ['expiresInMinutes']],
    ['expiry above 30 days', { expiresInMinutes: 43_201 }, ['expiresInMinutes']],
    ['fractional expiry', { expiresInMinutes: 1.5 }, ['expiresInMinutes']],
  ])('rejects %s', (_, change, fields) => {
    expect(fieldsOf(() => validateCashInInput({ ...cashIn, ...change }))).toEqual(fields);
  });

  it.each([
    ['reference', 'r'.repeat(100)],
    ['userId', 'u'.repeat(64)],
  ])('accepts %s at its maximum length', (field, value) => {
    expect(validateCashInInput({ ...cashIn, [field]: value })).toMatchObject({ [field]: value });
  });

  it.each([1, 43_200])('accepts expiry %d minutes (up to 30 days)', (minutes) => {
    expect(validateCashInInput({ ...cashIn, expiresInMinutes: minutes }).expiresInMinutes).toBe(minutes);
  });

  it.each([0, 43_201, 525_600])('refuses expiry %d minutes, naming the range', (minutes) => {
    expect(() => validateCashInInput({ ...cashIn, expiresInMinutes: minutes })).toThrow(
      'expiresInMinutes: must be 1..43200',
    );
  });

  it('reports every problem at once, each with its field, in the error message too', () => {
    const bad = {
      reference: '',
      userId: 'a b',
      amountCents: 0,
      payer: { name: '', document: '1' },
      expiresInMinutes: 0,
    };
    const problems = problemsOf(() => validateCashInInput(bad));
    expect(problems.map((p) => p.field)).toEqual([
      'reference',
      'userId',
      'amountCents',
      'payer.name',
      'payer.document',
      'expiresInMinutes',
    ]);
    expect(() => validateCashInInput(bad)).toThrow(/reference: must not be empty; userId: must contain only/);
  });

  it('reports missing fields of an untyped input instead of crashing', () => {
    const fields = fieldsOf(() => validateCashInInput({} as CashInInput));
    expect(fields).toEqual(['reference', 'userId', 'amountCents', 'payer.name', 'payer.document']);
  });
});

describe('validateCashInRequest (the library and the CLI)', () => {
  it('accepts an OpenFinance redirect URL over http(s), keeping it', () => {
    for (const url of ['https://shop.example.com/pix/return?order=1', 'http://localhost:3000/back']) {
      expect(validateCashInRequest({ ...cashIn, openFinanceRedirectUrl: url }).openFinanceRedirectUrl).toBe(
        url,
      );
    }
    expect(validateCashInRequest(cashIn)).toEqual(validateCashInInput(cashIn));
  });

  it.each([
    'shop.example.com/back',
    '/back',
    'javascript:alert(1)',
    'data:text/html,hi',
    'ftp://files.example.com/x',
    'https://shop.example.com/a b',
    `https://shop.example.com/${'a'.repeat(2048)}`,
  ])(
    'refuses %s as openFinanceRedirectUrl, naming the field and the rule, with the other problems',
    (url) => {
      const problems = problemsOf(() =>
        validateCashInRequest({ ...cashIn, userId: 'a b', openFinanceRedirectUrl: url }),
      );
      expect(problems.map((p) => p.field)).toEqual(['userId', 'openFinanceRedirectUrl']);
      expect(problems[1]?.rule).toMatch(
        /^must be (an absolute http:\/\/ or https:\/\/ URL|at most 2048 characters)/,
      );
    },
  );

  it('is not part of validateCashInInput, which running cash-in workflows replay', () => {
    expect(
      validateCashInInput({ ...cashIn, openFinanceRedirectUrl: 'not a url' }).openFinanceRedirectUrl,
    ).toBe('not a url');
  });
});

describe('validateCashOutInput', () => {
  it('returns a normalised copy with the PIX key canonical and its type inferred', () => {
    expect(validateCashOutInput(cashOut)).toEqual({
      ...cashOut,
      payee: { name: 'Empresa X', document: '12ABC34501DE35', pixKey: '+5511987654321', pixKeyType: 'PHONE' },
    });
  });

  it('uses the given key type to read an ambiguous key', () => {
    const payee = { ...cashOut.payee, pixKey: '51998259765' };
    expect(validateCashOutInput({ ...cashOut, payee }).payee).toMatchObject({
      pixKey: '51998259765',
      pixKeyType: 'CPF',
    });
    expect(
      validateCashOutInput({ ...cashOut, payee: { ...payee, pixKeyType: 'PHONE' } }).payee,
    ).toMatchObject({
      pixKey: '+5551998259765',
      pixKeyType: 'PHONE',
    });
  });

  it('accepts a bank account destination', () => {
    const bankAccount = {
      ispb: '00000000',
      branch: '0001',
      account: '123456',
      accountType: 'CHECKING' as const,
    };
    const result = validateCashOutInput({
      ...cashOut,
      payee: { name: 'X', document: '11222333000181', bankAccount },
    });
    expect(result.payee).toEqual({ name: 'X', document: '11222333000181', bankAccount });
  });

  it.each<[string, Partial<CashOutInput>, string[]]>([
    ['no destination', { payee: { name: 'X', document: '12345678909' } }, ['payee']],
    [
      'both destinations',
      {
        payee: {
          name: 'X',
          document: '12345678909',
          pixKey: 'a@b.com',
          bankAccount: { ispb: '00000000', branch: '1', account: '1', accountType: 'PAYMENT' },
        },
      },
      ['payee'],
    ],
    [
      'key type without a key',
      { payee: { name: 'X', document: '12345678909', pixKeyType: 'EVP' } },
      ['payee', 'payee.pixKeyType'],
    ],
    [
      'unrecognisable PIX key',
      { payee: { name: 'X', document: '12345678909', pixKey: 'nope' } },
      ['payee.pixKey'],
    ],
    [
      'key not of its type',
      { payee: { name: 'X', document: '12345678909', pixKey: 'a@b.com', pixKeyType: 'PHONE' } },
      ['payee.pixKey'],
    ],
    [
      'unknown key type',
      { payee: { name: 'X', document: '12345678909', pixKey: 'a@b.com', pixKeyType: 'IBAN' as never } },
      ['payee.pixKeyType'],
    ],
    [
      'bad bank account',
      {
        payee: {
          name: 'X',
          document: '12345678909',
          bankAccount: { ispb: '0', branch: 'x', account: '', accountType: 'LOAN' as never },
        },
      },
      [
        'payee.bankAccount.ispb',
        'payee.bankAccount.branch',
        'payee.bankAccount.account',
        'payee.bankAccount.accountType',
      ],
    ],
    ['description over 140 chars', { description: 'd'.repeat(141) }, ['description']],
    [
      'invalid payee document',
      { payee: { ...cashOut.payee, document: '12ABC34501DE36' } },
      ['payee.document'],
    ],
  ])('rejects %s', (_, change, fields) => {
    expect(fieldsOf(() => validateCashOutInput({ ...cashOut, ...change }))).toEqual(fields);
  });

  it('reports every problem at once with its field', () => {
    const bad: CashOutInput = {
      reference: 'ref#1',
      userId: '',
      amountCents: 1.5,
      payee: { name: '', document: '00000000000', pixKey: 'fulano@' },
      description: 'd'.repeat(141),
    };
    expect(problemsOf(() => validateCashOutInput(bad))).toEqual([
      { field: 'reference', rule: 'must contain only letters, digits and . _ : -' },
      { field: 'userId', rule: 'must not be empty' },
      { field: 'amountCents', rule: 'must be an integer number of centavos' },
      { field: 'payee.name', rule: 'must not be blank' },
      { field: 'payee.document', rule: 'must not be a repeated-digit CPF' },
      { field: 'description', rule: 'must be at most 140 characters' },
      { field: 'payee.pixKey', rule: 'must be a valid e-mail address' },
    ]);
  });
});
