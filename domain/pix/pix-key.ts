import { getPixKeyInfo, isValidEmail, isValidMobilePhone } from '@brazilian-utils/brazilian-utils';
import { PIX_KEY_TYPES, type PixKeyType } from '../connectpsp/cash-out';
import { isValidCnpj, isValidCpf, normaliseDocument } from './document';

export { PIX_KEY_TYPES, type PixKeyType };

export const PIX_KEY_MAX_LENGTH = 77;

export type PixKeyResult = { ok: true; type: PixKeyType; key: string } | { ok: false; rule: string };

const PHONE_RULE = 'must be a Brazilian mobile number: +55, DDD and 9 digits, e.g. +5511987654321';
// The library has no standalone EVP check; the DICT pattern is any lowercase UUID, version nibble unchecked.
const EVP_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The canonical DICT form of a key of the given type (human forms accepted), or the rule it breaks. */
export function normalisePixKey(type: PixKeyType, raw: string): PixKeyResult {
  const trimmed = raw.trim();
  switch (type) {
    case 'CPF': {
      const key = normaliseDocument(trimmed);
      return isValidCpf(key) ? { ok: true, type, key } : { ok: false, rule: 'must be a valid CPF' };
    }
    case 'CNPJ': {
      const key = normaliseDocument(trimmed);
      return isValidCnpj(key) ? { ok: true, type, key } : { ok: false, rule: 'must be a valid CNPJ' };
    }
    case 'EMAIL': {
      const key = trimmed.toLowerCase();
      if (key.length > PIX_KEY_MAX_LENGTH)
        return { ok: false, rule: `must be at most ${PIX_KEY_MAX_LENGTH} characters` };
      return isValidEmail(key)
        ? { ok: true, type, key }
        : { ok: false, rule: 'must be a valid e-mail address' };
    }
    case 'PHONE': {
      const national = nationalMobileNumber(trimmed);
      return national ? { ok: true, type, key: `+55${national}` } : { ok: false, rule: PHONE_RULE };
    }
    case 'EVP': {
      const key = trimmed.toLowerCase();
      return EVP_PATTERN.test(key)
        ? { ok: true, type, key }
        : { ok: false, rule: 'must be a UUID (EVP random key)' };
    }
    default:
      return { ok: false, rule: `key type must be one of ${PIX_KEY_TYPES.join(', ')}` };
  }
}

/**
 * Recognises the type of a key written in any usual human form and returns it canonical.
 * Ambiguity (the library's rule): 11 digits valid as a CPF are a CPF unless written as a phone
 * (`+55…`, `(11) …`); pass the type to normalisePixKey to force another reading.
 */
export function inferPixKeyType(raw: string): PixKeyResult {
  const info = getPixKeyInfo(raw);
  if (info) return normalisePixKey(info.type.toUpperCase() as PixKeyType, raw);
  if (raw.includes('@')) return normalisePixKey('EMAIL', raw);
  return {
    ok: false,
    rule: 'must be a PIX key: CPF, CNPJ, e-mail, Brazilian mobile (+55 DDD 9XXXX-XXXX) or EVP (UUID)',
  };
}

/** DDD + 9-digit mobile from `(11) 98765-4321`, `11987654321`, `+55 11 98765 4321`, `005511…`; else null. */
function nationalMobileNumber(text: string): string | null {
  if (!/^\+?[\d ().-]+$/.test(text)) return null;
  const digits = text.replace(/\D/g, '');
  let national = digits;
  if (text.startsWith('+')) {
    if (!digits.startsWith('55')) return null;
    national = digits.slice(2);
  } else if (digits.length === 13 && digits.startsWith('55')) {
    national = digits.slice(2);
  } else if (digits.length === 15 && digits.startsWith('0055')) {
    national = digits.slice(4);
  }
  // The library knows the valid DDDs; version 2 is the current Anatel rule (mobile starts 7/8/9, no 700 series).
  return national.length === 11 && isValidMobilePhone(national, { version: 2 }) ? national : null;
}
