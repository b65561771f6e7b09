import { describe, expect, it } from 'vitest';
import { inferPixKeyType, normalisePixKey, type PixKeyType } from '../../domain/pix/pix-key';

const EMAIL_77 = `${'a'.repeat(64)}@${'b'.repeat(8)}.com`;
const EMAIL_78 = `${'a'.repeat(65)}@${'b'.repeat(8)}.com`;

describe('normalisePixKey accepts human forms and returns the canonical key', () => {
  it.each<[PixKeyType, string, string]>([
    ['CPF', '12345678909', '12345678909'],
    ['CPF', '123.456.789-09', '12345678909'],
    ['CNPJ', '11.222.333/0001-81', '11222333000181'],
    ['CNPJ', '12.abc.345/01de-35', '12ABC34501DE35'],
    ['EMAIL', ' Fulano.De-Tal@Example.COM ', 'fulano.de-tal@example.com'],
    ['EMAIL', EMAIL_77, EMAIL_77],
    ['PHONE', '(11) 98765-4321', '+5511987654321'],
    ['PHONE', '11987654321', '+5511987654321'],
    ['PHONE', '+55 11 98765 4321', '+5511987654321'],
    ['PHONE', '+55 (21) 99876-5432', '+5521998765432'],
    ['PHONE', '+5511987654321', '+5511987654321'],
    ['PHONE', '5511987654321', '+5511987654321'],
    ['PHONE', '005511987654321', '+5511987654321'],
    ['PHONE', '11 98765.4321', '+5511987654321'],
    ['PHONE', '51998259765', '+5551998259765'], // also a valid CPF: the explicit type decides
    ['EVP', '71C7D9BE-4B85-4E43-9F1C-1F3B8B4E9A2D', '71c7d9be-4b85-4e43-9f1c-1f3b8b4e9a2d'],
    ['EVP', '123e4567-e12b-12d1-a456-426655440000', '123e4567-e12b-12d1-a456-426655440000'], // version 1 nibble
  ])('%s %j → %s', (type, raw, key) => {
    const result = normalisePixKey(type, raw);
    expect(result).toEqual({ ok: true, type, key });
    if (result.ok) expect(result.key.length).toBeLessThanOrEqual(77);
  });
});

describe('normalisePixKey rejects', () => {
  it.each<[PixKeyType, string, RegExp]>([
    ['CPF', '12345678900', /valid CPF/],
    ['CPF', '11111111111', /valid CPF/],
    ['CPF', '11222333000181', /valid CPF/],
    ['CNPJ', '11222333000180', /valid CNPJ/],
    ['CNPJ', '12345678909', /valid CNPJ/],
    ['EMAIL', 'fulano@', /e-mail/],
    ['EMAIL', 'fulano.example.com', /e-mail/],
    ['EMAIL', 'a b@example.com', /e-mail/],
    ['EMAIL', EMAIL_78, /at most 77/],
    ['PHONE', '(11) 3333-4444', /mobile/], // landline
    ['PHONE', '1133334444', /mobile/],
    ['PHONE', '(11) 8765-4321', /mobile/], // 8-digit subscriber number
    ['PHONE', '(00) 98765-4321', /mobile/], // no such DDD
    ['PHONE', '(11) 98765-43210', /mobile/],
    ['PHONE', '+1 415 555 1234', /mobile/],
    ['PHONE', '+11 98765-4321', /mobile/], // a country code other than 55
    ['PHONE', '+44 11 98765-4321', /mobile/], // foreign number with a Brazilian-looking tail
    ['PHONE', '+55 11 98765-4321 ext 2', /mobile/],
    ['PHONE', 'fulano@example.com', /mobile/],
    ['EVP', '71c7d9be4b854e439f1c1f3b8b4e9a2d', /UUID/], // no hyphens
    ['EVP', '71c7d9be-4b85-4e43-9f1c-1f3b8b4e9a2', /UUID/],
    ['EVP', 'g1c7d9be-4b85-4e43-9f1c-1f3b8b4e9a2d', /UUID/],
  ])('%s %j', (type, raw, rule) => {
    const result = normalisePixKey(type, raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.rule).toMatch(rule);
  });

  it('rejects an unknown type at run time', () => {
    expect(normalisePixKey('IBAN' as PixKeyType, 'x')).toEqual({
      ok: false,
      rule: 'key type must be one of CPF, CNPJ, EMAIL, PHONE, EVP',
    });
  });
});

describe('inferPixKeyType', () => {
  it.each<[string, PixKeyType, string]>([
    ['123.456.789-09', 'CPF', '12345678909'],
    ['12345678909', 'CPF', '12345678909'],
    ['51998259765', 'CPF', '51998259765'], // valid as CPF and phone: bare digits read as CPF
    ['+5551998259765', 'PHONE', '+5551998259765'], // written as a phone
    ['11222333000181', 'CNPJ', '11222333000181'],
    ['12.ABC.345/01DE-35', 'CNPJ', '12ABC34501DE35'],
    ['12abc34501de35', 'CNPJ', '12ABC34501DE35'],
    ['Fulano@Example.com', 'EMAIL', 'fulano@example.com'],
    ['(11) 98765-4321', 'PHONE', '+5511987654321'],
    ['11987654321', 'PHONE', '+5511987654321'],
    ['+55 11 98765 4321', 'PHONE', '+5511987654321'],
    ['71C7D9BE-4B85-4E43-9F1C-1F3B8B4E9A2D', 'EVP', '71c7d9be-4b85-4e43-9f1c-1f3b8b4e9a2d'],
  ])('%j → %s %s', (raw, type, key) => {
    expect(inferPixKeyType(raw)).toEqual({ ok: true, type, key });
  });

  it.each([
    ['not a key', /must be a PIX key/],
    ['', /must be a PIX key/],
    ['12345678900', /must be a PIX key/], // neither a valid CPF nor a mobile
    ['(11) 3333-4444', /must be a PIX key/],
    ['fulano@', /e-mail/],
    [EMAIL_78, /at most 77/],
  ])('%j is rejected', (raw, rule) => {
    const result = inferPixKeyType(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.rule).toMatch(rule);
  });
});
