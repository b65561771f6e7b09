/**
 * The PIX BR Code ("copia e cola"): EMV® QRCPS TLV text as the Manual do BR Code defines it.
 * Written here rather than taken from @brazilian-utils/brazilian-utils because that library
 * neither exports its CRC nor allows an amount or txid next to a PSP location (dynamic code),
 * both of which this project needs; its validator is used in the tests as an independent check.
 */

export const PIX_GUI = 'br.gov.bcb.pix';
export const MERCHANT_NAME_MAX = 25;
export const MERCHANT_CITY_MAX = 15;
export const TXID_MAX = 25;

const CRC_TAG = '6304';
const TXID_PATTERN = /^[A-Za-z0-9]{1,25}$/;
const ABSENT_TXID = '***';

/** CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) over the UTF-8 bytes, as 4 uppercase hex digits. */
export function crc16ccitt(text: string): string {
  let crc = 0xffff;
  for (const byte of Buffer.from(text, 'utf8')) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc.toString(16).toUpperCase().padStart(4, '0');
}

export interface BrCodeInput {
  /** Receiver's PIX key (static code). Exactly one of pixKey / url. */
  pixKey?: string;
  /** PSP location without scheme (dynamic code, point of initiation 12). */
  url?: string;
  merchantName: string;
  merchantCity: string;
  amountCents?: number;
  /** 1-25 characters [A-Za-z0-9]; omitted means the `***` marker. */
  txid?: string;
}

export interface BrCode {
  pixKey?: string;
  url?: string;
  merchantName: string;
  merchantCity: string;
  amountCents?: number;
  txid?: string;
  pointOfInitiation: 'static' | 'dynamic';
}

export class BrCodeError extends Error {
  override name = 'BrCodeError';
}

function tlv(tag: string, value: string): string {
  if (value.length > 99) throw new BrCodeError(`field ${tag} is longer than 99 characters`);
  return `${tag}${String(value.length).padStart(2, '0')}${value}`;
}

/** Accents dropped, only printable ASCII kept, runs of spaces folded. */
function toAscii(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[^\x20-\x7E]/g, '')
    .replace(/ {2,}/g, ' ')
    .trim();
}

function boundedText(field: string, raw: string, max: number): string {
  const text = toAscii(raw);
  if (text.length === 0) throw new BrCodeError(`${field} must not be empty`);
  if (text.length > max) throw new BrCodeError(`${field} must be at most ${max} characters`);
  return text;
}

/** Builds a BR Code, strictly: every rule of the manual is enforced and a violation throws BrCodeError. */
export function buildBrCode(input: BrCodeInput): string {
  if ((input.pixKey === undefined) === (input.url === undefined)) {
    throw new BrCodeError('exactly one of pixKey or url is required');
  }
  const merchantName = boundedText('merchantName', input.merchantName, MERCHANT_NAME_MAX);
  const merchantCity = boundedText('merchantCity', input.merchantCity, MERCHANT_CITY_MAX);
  if (input.txid !== undefined && !TXID_PATTERN.test(input.txid)) {
    throw new BrCodeError('txid must be 1-25 characters [A-Za-z0-9]');
  }
  if (
    input.amountCents !== undefined &&
    !(Number.isSafeInteger(input.amountCents) && input.amountCents > 0)
  ) {
    throw new BrCodeError('amountCents must be a positive integer');
  }
  const account =
    input.pixKey !== undefined
      ? tlv('00', PIX_GUI) + tlv('01', input.pixKey)
      : tlv('00', PIX_GUI) + tlv('25', input.url ?? '');
  const body =
    tlv('00', '01') +
    (input.url !== undefined ? tlv('01', '12') : '') +
    tlv('26', account) +
    tlv('52', '0000') +
    tlv('53', '986') +
    (input.amountCents !== undefined ? tlv('54', (input.amountCents / 100).toFixed(2)) : '') +
    tlv('58', 'BR') +
    tlv('59', merchantName) +
    tlv('60', merchantCity) +
    tlv('62', tlv('05', input.txid ?? ABSENT_TXID)) +
    CRC_TAG;
  return body + crc16ccitt(body);
}

function parseTlv(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  let at = 0;
  while (at < text.length) {
    const header = text.slice(at, at + 4);
    if (!/^\d{4}$/.test(header)) throw new BrCodeError(`malformed TLV at position ${at}`);
    const length = Number(header.slice(2));
    const value = text.slice(at + 4, at + 4 + length);
    if (value.length !== length) throw new BrCodeError(`field ${header.slice(0, 2)} is truncated`);
    if (!fields.has(header.slice(0, 2))) fields.set(header.slice(0, 2), value);
    at += 4 + length;
  }
  return fields;
}

function amountToCents(text: string): number {
  if (!/^\d{1,10}(\.\d{1,2})?$/.test(text)) throw new BrCodeError('field 54 (amount) is malformed');
  const [whole = '0', fraction = ''] = text.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

/**
 * Parses a BR Code leniently (lengths of name/city/txid, unknown tags and tag order are not
 * policed) but always checks the CRC, the TLV structure and the PIX template; throws BrCodeError.
 */
export function parseBrCode(raw: string): BrCode {
  const text = raw.trim();
  const crcAt = text.length - 8;
  if (crcAt < 0 || text.slice(crcAt, crcAt + 4) !== CRC_TAG) throw new BrCodeError('missing CRC field 63');
  const expected = crc16ccitt(text.slice(0, crcAt + 4));
  if (text.slice(crcAt + 4).toUpperCase() !== expected) throw new BrCodeError('CRC mismatch');
  const fields = parseTlv(text.slice(0, crcAt));
  if (fields.get('00') !== '01') throw new BrCodeError('payload format indicator (00) must be 01');
  if (fields.get('53') !== '986') throw new BrCodeError('currency (53) must be 986');
  if (fields.get('58') !== 'BR') throw new BrCodeError('country (58) must be BR');
  const merchantName = fields.get('59');
  const merchantCity = fields.get('60');
  if (!merchantName) throw new BrCodeError('merchant name (59) is missing');
  if (!merchantCity) throw new BrCodeError('merchant city (60) is missing');

  let account: Map<string, string> | undefined;
  for (let tag = 26; tag <= 51; tag++) {
    const template = fields.get(String(tag));
    if (template === undefined) continue;
    const inner = parseTlv(template);
    if (inner.get('00')?.toLowerCase() === PIX_GUI) {
      account = inner;
      break;
    }
  }
  if (!account) throw new BrCodeError(`no merchant account template with GUI ${PIX_GUI}`);
  const pixKey = account.get('01');
  const url = account.get('25');
  if ((pixKey === undefined) === (url === undefined))
    throw new BrCodeError('exactly one of key or url expected');

  const amount = fields.get('54');
  const additional = fields.get('62');
  const txid = additional === undefined ? undefined : parseTlv(additional).get('05');
  const result: BrCode = {
    merchantName,
    merchantCity,
    pointOfInitiation: url !== undefined || fields.get('01') === '12' ? 'dynamic' : 'static',
  };
  if (pixKey !== undefined) result.pixKey = pixKey;
  if (url !== undefined) result.url = url;
  if (amount !== undefined) result.amountCents = amountToCents(amount);
  if (txid !== undefined && txid !== ABSENT_TXID) result.txid = txid;
  return result;
}
