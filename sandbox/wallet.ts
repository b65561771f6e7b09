import type { BalanceResponse } from '../domain/connectpsp';
import { type Cents, centsToReais, formatBrl } from '../domain/money';
import { ProblemError } from './problem';
import type { BankAccounts, BankMovement } from './records';
import { saoPauloDate, utcIso } from './time';

/** Totals a fresh sandbox's wallet starts with; spread over the three partner banks. */
export interface InitialWallet {
  transactionalCents: Cents;
  proprietaryCents: Cents;
}

/**
 * ConnectPSP's documented balance example: R$ 500,000.00 transactional and R$ 1,000,000.00
 * proprietary in total, so its first-cash-out tutorial works against a fresh sandbox.
 */
export const DOCUMENTED_INITIAL_WALLET: InitialWallet = {
  transactionalCents: 500_000_00,
  proprietaryCents: 1_000_000_00,
};

/** Each bank's share of the totals, in percent (the remainder of a split goes to the first). */
const BANK_SHARES = [40, 30, 30];

function spread(totalCents: Cents): Cents[] {
  const shares = BANK_SHARES.map((percent) => Math.floor((totalCents * percent) / 100));
  shares[0] = (shares[0] as number) + totalCents - shares.reduce((sum, cents) => sum + cents, 0);
  return shares;
}

/** The three partner banks (real ISPBs; Delbank's legal entity is Delfinance SCD, code 435); branch/account numbers are the sandbox's own. */
export function initialBanks(wallet: InitialWallet = DOCUMENTED_INITIAL_WALLET): BankAccounts[] {
  const transactional = spread(wallet.transactionalCents);
  const proprietary = spread(wallet.proprietaryCents);
  return [
    {
      ispb: '38224857',
      bank: 'DELFINANCE SCD S.A.',
      transactional: { branch: '0001', account: '4350001-1', cents: transactional[0] as Cents },
      proprietary: { branch: '0001', account: '4350002-0', cents: proprietary[0] as Cents },
    },
    {
      ispb: '13935893',
      bank: 'CELCOIN IP S.A.',
      transactional: { branch: '0001', account: '5090001-7', cents: transactional[1] as Cents },
      proprietary: { branch: '0001', account: '5090002-5', cents: proprietary[1] as Cents },
    },
    {
      ispb: '20018183',
      bank: 'STARK BANK S.A.',
      transactional: { branch: '0001', account: '6650001-3', cents: transactional[2] as Cents },
      proprietary: { branch: '0001', account: '6650002-1', cents: proprietary[2] as Cents },
    },
  ];
}

type Side = 'transactional' | 'proprietary';

const total = (banks: BankAccounts[], side: Side): Cents =>
  banks.reduce((sum, bank) => sum + bank[side].cents, 0);

/** Takes `cents` from one side of the banks, fullest first; returns where it came from. */
function take(banks: BankAccounts[], side: Side, cents: Cents): BankMovement[] {
  const movements: BankMovement[] = [];
  let left = cents;
  for (const bank of [...banks].sort((a, b) => b[side].cents - a[side].cents)) {
    if (left === 0) break;
    const part = Math.min(left, bank[side].cents);
    if (part === 0) continue;
    bank[side].cents -= part;
    left -= part;
    movements.push({ ispb: bank.ispb, cents: part });
  }
  return movements;
}

export class Wallet {
  constructor(private readonly banks: () => BankAccounts[]) {}

  bank(ispb: string): BankAccounts {
    const bank = this.banks().find((b) => b.ispb === ispb);
    if (!bank) throw new Error(`unknown partner bank ${ispb}`);
    return bank;
  }

  transactionalCents(): Cents {
    return total(this.banks(), 'transactional');
  }

  credit(movements: BankMovement[]): void {
    for (const { ispb, cents } of movements) this.bank(ispb).transactional.cents += cents;
  }

  /** Debits the transactional side or throws 422 INSUFFICIENT_FUNDS naming requested vs available. */
  debitTransactional(cents: Cents): BankMovement[] {
    const available = this.transactionalCents();
    if (available < cents) {
      throw new ProblemError(
        422,
        'INSUFFICIENT_FUNDS',
        `Requested amount ${formatBrl(cents)} exceeds the available transactional balance ${formatBrl(available)}`,
      );
    }
    return take(this.banks(), 'transactional', cents);
  }

  /**
   * Money the PSP takes back whatever the balance (refunds, MED reversals): transactional first,
   * the rest from the proprietary side, never below zero.
   */
  reclaim(preferredIspb: string, cents: Cents): void {
    const preferred = this.bank(preferredIspb);
    const fromPreferred = Math.min(cents, preferred.transactional.cents);
    preferred.transactional.cents -= fromPreferred;
    const left = cents - fromPreferred;
    const fromOthers = take(this.banks(), 'transactional', left);
    const stillLeft = left - fromOthers.reduce((sum, m) => sum + m.cents, 0);
    take(this.banks(), 'proprietary', stillLeft);
  }

  /** Moves money so the total transactional balance equals `targetCents`; returns a human message. */
  rebalance(targetCents: Cents): string {
    const banks = this.banks();
    const current = total(banks, 'transactional');
    if (targetCents > current) {
      const needed = targetCents - current;
      const proprietary = total(banks, 'proprietary');
      if (proprietary < needed) {
        throw new ProblemError(
          422,
          'INSUFFICIENT_FUNDS',
          `Requested top-up ${formatBrl(needed)} exceeds the available proprietary balance ${formatBrl(proprietary)}`,
        );
      }
      for (const { ispb, cents } of take(banks, 'proprietary', needed))
        this.bank(ispb).transactional.cents += cents;
      return `Moved ${formatBrl(needed)} from proprietary to transactional accounts`;
    }
    if (targetCents < current) {
      const surplus = current - targetCents;
      for (const { ispb, cents } of take(banks, 'transactional', surplus))
        this.bank(ispb).proprietary.cents += cents;
      return `Swept ${formatBrl(surplus)} from transactional to proprietary accounts`;
    }
    return 'Transactional balance already at target; nothing moved';
  }

  view(now: number): BalanceResponse {
    const banks = this.banks();
    const transactional = total(banks, 'transactional');
    const proprietary = total(banks, 'proprietary');
    const side = (s: BankAccounts[Side]) => ({
      branch: s.branch,
      account: s.account,
      balance: centsToReais(s.cents),
    });
    return {
      currency: 'BRL',
      referenceDate: saoPauloDate(now),
      consolidated: {
        totalBalance: centsToReais(transactional + proprietary),
        transactionalBalance: centsToReais(transactional),
        proprietaryBalance: centsToReais(proprietary),
      },
      banks: banks.map((bank) => ({
        ispb: bank.ispb,
        bank: bank.bank,
        accounts: { transactional: side(bank.transactional), proprietary: side(bank.proprietary) },
      })),
      updatedAt: utcIso(now),
    };
  }
}
