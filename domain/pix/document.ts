import {
  isValidCnpj as libraryIsValidCnpj,
  isValidCpf as libraryIsValidCpf,
} from '@brazilian-utils/brazilian-utils';

export type DocumentKind = 'CPF' | 'CNPJ';

export const CPF_PATTERN = /^\d{11}$/;
/** Numeric or alphanumeric (from July 2026) CNPJ; the two check digits stay numeric. */
export const CNPJ_PATTERN = /^[0-9A-Z]{12}\d{2}$/;

export type DocumentResult = { ok: true; kind: DocumentKind; value: string } | { ok: false; rule: string };

/** Strips the usual mask characters (`.`, `-`, `/`, whitespace) and uppercases letters (alphanumeric CNPJ). */
export function normaliseDocument(raw: string): string {
  return raw.replace(/[.\-/\s]/g, '').toUpperCase();
}

/** Valid CPF, formatted or not; the ten repeated-digit CPFs are rejected (checked by the library). */
export function isValidCpf(raw: string): boolean {
  const value = normaliseDocument(raw);
  return CPF_PATTERN.test(value) && libraryIsValidCpf(value);
}

/** Valid CNPJ, numeric or alphanumeric (char value = ASCII − 48, mod-11; the library's `version: 2`). */
export function isValidCnpj(raw: string): boolean {
  const value = normaliseDocument(raw);
  return CNPJ_PATTERN.test(value) && libraryIsValidCnpj(value, { version: 2 });
}

/** Normalises a CPF or CNPJ and tells which it is, or the rule it breaks. */
export function parseDocument(raw: string): DocumentResult {
  const value = normaliseDocument(raw);
  if (CPF_PATTERN.test(value)) {
    if (/^(\d)\1{10}$/.test(value)) return { ok: false, rule: 'must not be a repeated-digit CPF' };
    return isValidCpf(value)
      ? { ok: true, kind: 'CPF', value }
      : { ok: false, rule: 'has wrong CPF check digits' };
  }
  if (CNPJ_PATTERN.test(value)) {
    return isValidCnpj(value)
      ? { ok: true, kind: 'CNPJ', value }
      : { ok: false, rule: 'has wrong CNPJ check digits' };
  }
  return { ok: false, rule: 'must be a CPF (11 digits) or a CNPJ (12 characters [0-9A-Z] + 2 digits)' };
}
