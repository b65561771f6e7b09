import { randomInt } from 'node:crypto';

/** Banks simulated payers pay from and payees receive at (real ISPBs). */
const EXTERNAL_BANKS = [
  { ispb: '00000000', bank: 'BCO DO BRASIL S.A.' },
  { ispb: '18236120', bank: 'NU PAGAMENTOS S.A.' },
  { ispb: '60701190', bank: 'ITAÚ UNIBANCO S.A.' },
  { ispb: '00416968', bank: 'BANCO INTER S.A.' },
] as const;

function digits(count: number): string {
  let text = '';
  for (let i = 0; i < count; i++) text += String(randomInt(10));
  return text;
}

export function randomExternalAccount(): { ispb: string; bank: string; branch: string; account: string } {
  const bank = EXTERNAL_BANKS[randomInt(EXTERNAL_BANKS.length)] ?? EXTERNAL_BANKS[0];
  return { ...bank, branch: digits(4), account: `${digits(7)}-${digits(1)}` };
}
