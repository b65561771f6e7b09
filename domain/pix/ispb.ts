/** ISPB: 8 characters [0-9A-Z], always a string (leading zeros matter: Banco do Brasil is `00000000`). */
export const ISPB_PATTERN = /^[0-9A-Z]{8}$/;

export function isValidIspb(value: unknown): value is string {
  return typeof value === 'string' && ISPB_PATTERN.test(value);
}
