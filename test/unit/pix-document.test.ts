import { describe, expect, it } from 'vitest';
import { isValidCnpj, isValidCpf, normaliseDocument, parseDocument } from '../../domain/pix/document';
import { isValidIspb } from '../../domain/pix/ispb';

describe('CPF', () => {
  it.each([
    ['12345678909', true],
    ['123.456.789-09', true],
    ['123 456 789 09', true],
    [' 123.456.789-09 ', true],
    ['52998224725', true],
    ['12345678900', false], // wrong second check digit
    ['12345678919', false], // wrong first check digit
    ['1234567890', false], // 10 digits
    ['123456789091', false], // 12 digits
    ['1234567890a', false],
    ['abc12345678909', false],
    ['', false],
  ])('isValidCpf(%j) is %s', (raw, valid) => {
    expect(isValidCpf(raw)).toBe(valid);
  });

  it.each(Array.from({ length: 10 }, (_, d) => String(d).repeat(11)))(
    'rejects repeated-digit CPF %s',
    (cpf) => {
      expect(isValidCpf(cpf)).toBe(false);
      expect(parseDocument(cpf)).toEqual({ ok: false, rule: 'must not be a repeated-digit CPF' });
    },
  );
});

describe('CNPJ', () => {
  it.each([
    ['11222333000181', true],
    ['11.222.333/0001-81', true],
    ['12ABC34501DE35', true],
    ['12.ABC.345/01DE-35', true],
    ['A1B2C3D4E5F668', true],
    ['ZZZZZZZZZZZZ62', true],
    ['00000000000A04', true],
    ['12abc34501de35', true], // lowercase is normalised to uppercase, not rejected
    ['11222333000180', false], // wrong check digit
    ['11222333000191', false],
    ['12ABC34501DE36', false],
    ['12ABC34501DE53', false], // check digits swapped
    ['12ABC34501DEA5', false], // check digits must be numeric
    ['00000000000000', false], // reserved (checksum 00 would match)
    ['11111111111111', false],
    ['1122233300018', false], // 13 chars
    ['12ABC34501DE3', false],
    ['12ABC*34501DE35', false],
  ])('isValidCnpj(%j) is %s', (raw, valid) => {
    expect(isValidCnpj(raw)).toBe(valid);
  });
});

describe('normaliseDocument / parseDocument', () => {
  it.each([
    ['123.456.789-09', '12345678909'],
    ['12.abc.345/01de-35', '12ABC34501DE35'],
    [' 11 222 333 0001 81 ', '11222333000181'],
  ])('normaliseDocument(%j) = %s', (raw, expected) => {
    expect(normaliseDocument(raw)).toBe(expected);
  });

  it.each([
    ['123.456.789-09', { ok: true, kind: 'CPF', value: '12345678909' }],
    ['12.abc.345/01de-35', { ok: true, kind: 'CNPJ', value: '12ABC34501DE35' }],
    ['11222333000181', { ok: true, kind: 'CNPJ', value: '11222333000181' }],
    ['12345678900', { ok: false, rule: 'has wrong CPF check digits' }],
    ['11222333000180', { ok: false, rule: 'has wrong CNPJ check digits' }],
    [
      '123456789',
      { ok: false, rule: 'must be a CPF (11 digits) or a CNPJ (12 characters [0-9A-Z] + 2 digits)' },
    ],
    [
      '1234567890a',
      { ok: false, rule: 'must be a CPF (11 digits) or a CNPJ (12 characters [0-9A-Z] + 2 digits)' },
    ],
  ])('parseDocument(%j)', (raw, expected) => {
    expect(parseDocument(raw)).toEqual(expected);
  });
});

describe('ISPB', () => {
  it.each([
    ['00000000', true], // Banco do Brasil: leading zeros are the value
    ['60701190', true],
    ['ABCD1234', true],
    ['0000000', false],
    ['000000000', false],
    ['abcd1234', false],
    [' 0000000', false],
    ['0000-000', false],
    [0, false], // a number loses the leading zeros
    [undefined, false],
  ])('isValidIspb(%j) is %s', (value, valid) => {
    expect(isValidIspb(value)).toBe(valid);
  });
});
