import { randomInt, randomUUID } from 'node:crypto';

const LOWER_ALNUM = '0123456789abcdefghijklmnopqrstuvwxyz';
const UPPER_ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function randomText(alphabet: string, length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += alphabet[randomInt(alphabet.length)];
  return text;
}

/** Retries until `isFree` accepts the candidate (collisions are astronomically rare, but never allowed). */
function unique(generate: () => string, isFree: (id: string) => boolean): string {
  for (;;) {
    const id = generate();
    if (isFree(id)) return id;
  }
}

export const newCashInTransactionId = (isFree: (id: string) => boolean): string =>
  unique(() => randomText(LOWER_ALNUM, 35), isFree);
export const newCashInInternalCode = (isFree: (id: string) => boolean): string =>
  unique(() => randomText(UPPER_ALNUM, 7), isFree);
export const newCashOutTransactionId = (isFree: (id: string) => boolean): string =>
  unique(randomUUID, isFree);
export const newCashOutInternalCode = (isFree: (id: string) => boolean): string =>
  unique(() => randomText(UPPER_ALNUM, 10), isFree);
