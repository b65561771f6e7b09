import { randomInt } from 'node:crypto';

/** `E` for a payment, `D` for a return (devolução). */
export type EndToEndKind = 'E' | 'D';

/** Kind + ISPB (8) + yyyyMMddHHmm UTC (12) + 11 alphanumerics = 32 characters. */
export const END_TO_END_ID_PATTERN =
  /^([ED])([0-9A-Z]{8})(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})([0-9A-Za-z]{11})$/;

const ALPHANUMERIC = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function pad2(value: number): string {
  return String(value).padStart(2, '0');
}

export function newEndToEndId(kind: EndToEndKind, ispb: string, at: Date): string {
  if (!/^[0-9A-Z]{8}$/.test(ispb)) throw new RangeError('ispb must be 8 characters [0-9A-Z]');
  const stamp =
    String(at.getUTCFullYear()).padStart(4, '0') +
    pad2(at.getUTCMonth() + 1) +
    pad2(at.getUTCDate()) +
    pad2(at.getUTCHours()) +
    pad2(at.getUTCMinutes());
  let suffix = '';
  for (let i = 0; i < 11; i++) suffix += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return `${kind}${ispb}${stamp}${suffix}`;
}

/** True for a well-formed end-to-end id (of the given kind, if any) whose timestamp is a real UTC minute. */
export function isEndToEndId(value: unknown, kind?: EndToEndKind): value is string {
  if (typeof value !== 'string') return false;
  const match = END_TO_END_ID_PATTERN.exec(value);
  if (!match) return false;
  if (kind !== undefined && match[1] !== kind) return false;
  const [year, month, day, hour, minute] = match.slice(3, 8).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute));
  return (
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute
  );
}
