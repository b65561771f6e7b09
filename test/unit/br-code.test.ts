import { getPixPayloadInfo, isValidPixPayload } from '@brazilian-utils/brazilian-utils';
import { describe, expect, it } from 'vitest';
import { BrCodeError, buildBrCode, crc16ccitt, parseBrCode } from '../../domain/pix/br-code';

const KEY = '123e4567-e12b-12d1-a456-426655440000';

describe('crc16ccitt', () => {
  it('matches the CRC-16/CCITT-FALSE check value', () => {
    expect(crc16ccitt('123456789')).toBe('29B1');
  });

  it('matches the Bacen manual example payload', () => {
    const payload =
      '00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-426655440000' +
      '5204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***6304';
    expect(crc16ccitt(payload)).toBe('1D3D');
  });
});

describe('buildBrCode', () => {
  it('writes every mandatory field in order and a valid CRC', () => {
    const code = buildBrCode({
      pixKey: KEY,
      merchantName: 'Fulano de Tal',
      merchantCity: 'Brasília',
      amountCents: 12345,
      txid: 'US7B1JQ',
    });
    const body =
      '00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-426655440000' +
      '5204000053039865406123.45' +
      '5802BR5913Fulano de Tal6008Brasilia62110507US7B1JQ6304';
    expect(code).toBe(body + crc16ccitt(body));
  });

  it('is accepted by @brazilian-utils as an independent validator', () => {
    const code = buildBrCode({
      pixKey: KEY,
      merchantName: 'Loja',
      merchantCity: 'Sao Paulo',
      amountCents: 2500,
      txid: 'ABC123',
    });
    expect(isValidPixPayload(code)).toBe(true);
    expect(getPixPayloadInfo(code)).toMatchObject({
      key: KEY,
      amount: 25,
      txid: 'ABC123',
      merchantCity: 'Sao Paulo',
    });
  });

  it('writes a dynamic code with a location and point of initiation 12', () => {
    const code = buildBrCode({
      url: 'pix.example.com/qr/v2/abc',
      merchantName: 'Loja',
      merchantCity: 'Recife',
    });
    expect(code.startsWith('000201010212')).toBe(true);
    expect(isValidPixPayload(code)).toBe(true);
  });

  it('refuses what the manual forbids', () => {
    const base = { pixKey: KEY, merchantCity: 'Recife' };
    expect(() => buildBrCode({ ...base, merchantName: 'A'.repeat(26) })).toThrow(BrCodeError);
    expect(() => buildBrCode({ ...base, merchantName: 'Loja', merchantCity: 'C'.repeat(16) })).toThrow(
      BrCodeError,
    );
    expect(() => buildBrCode({ ...base, merchantName: 'Loja', txid: 'has space' })).toThrow(BrCodeError);
    expect(() => buildBrCode({ ...base, merchantName: 'Loja', amountCents: 0 })).toThrow(BrCodeError);
    expect(() => buildBrCode({ merchantName: 'Loja', merchantCity: 'Recife' })).toThrow(BrCodeError);
  });
});

describe('parseBrCode', () => {
  it('round-trips what buildBrCode wrote', () => {
    const input = {
      pixKey: KEY,
      merchantName: 'Fulano de Tal',
      merchantCity: 'BRASILIA',
      amountCents: 1,
      txid: 'X1',
    };
    expect(parseBrCode(buildBrCode(input))).toEqual({ ...input, pointOfInitiation: 'static' });
    const dynamic = {
      url: 'pix.example.com/qr/v2/abc',
      merchantName: 'Loja',
      merchantCity: 'Recife',
      amountCents: 990,
      txid: 'T9',
    };
    expect(parseBrCode(buildBrCode(dynamic))).toEqual({ ...dynamic, pointOfInitiation: 'dynamic' });
  });

  it('reads the Bacen manual example (no amount, *** txid, uppercase GUI tolerated)', () => {
    const body =
      '00020126580014BR.GOV.BCB.PIX0136123e4567-e12b-12d1-a456-426655440000' +
      '5204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***6304';
    expect(parseBrCode(body + crc16ccitt(body))).toEqual({
      pixKey: KEY,
      merchantName: 'Fulano de Tal',
      merchantCity: 'BRASILIA',
      pointOfInitiation: 'static',
    });
  });

  it('rejects a CRC mismatch', () => {
    const code = buildBrCode({ pixKey: KEY, merchantName: 'Loja', merchantCity: 'Recife', amountCents: 100 });
    const tampered = code.replace('54041.00', '54041.01');
    expect(() => parseBrCode(tampered)).toThrow(/CRC mismatch/);
    const badCrc = `${code.slice(0, -4)}${code.endsWith('0000') ? '0001' : '0000'}`;
    expect(() => parseBrCode(badCrc)).toThrow(/CRC mismatch/);
  });

  it('rejects text without the PIX template or with a broken structure', () => {
    const noPix = '000201520400005303986' + '5802BR5904Loja6006Recife6304';
    expect(() => parseBrCode(noPix + crc16ccitt(noPix))).toThrow(/br\.gov\.bcb\.pix/);
    const truncated = '0002012699' + '6304';
    expect(() => parseBrCode(truncated + crc16ccitt(truncated))).toThrow(BrCodeError);
    expect(() => parseBrCode('hello')).toThrow(BrCodeError);
  });
});
