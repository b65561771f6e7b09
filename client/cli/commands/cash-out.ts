import { type Command, Option } from 'commander';
import { PIX_KEY_TYPES, type PixKeyType } from '../../../domain/pix/pix-key';
import { type CashOutInput, validateCashOutInput } from '../../../domain/validation';
import {
  BANK_ACCOUNT_FORMAT,
  InputProblems,
  newReference,
  parseAmount,
  parseBankAccount,
} from '../arguments';
import type { OptionNames } from '../exit-codes';
import { renderCashOutStarted } from '../output';
import type { CliSession } from '../session';

export const CASH_OUT_OPTIONS: OptionNames = {
  reference: '--ref',
  userId: '--user',
  amountCents: '--amount',
  'payee.name': '--payee-name',
  'payee.document': '--payee-document',
  'payee.pixKey': '--pix-key',
  'payee.pixKeyType': '--pix-key-type',
  'payee.bankAccount': '--bank-account',
  payee: '--pix-key or --bank-account',
  description: '--description',
};

interface CashOutOptions {
  user: string;
  amount: string;
  payeeName: string;
  payeeDocument: string;
  pixKey?: string;
  pixKeyType?: PixKeyType;
  bankAccount?: string;
  ref?: string;
  description?: string;
}

/** Parses and validates the command line into a cash-out request (PIX key type inferred and normalised). */
export function cashOutRequest(options: CashOutOptions, now: Date): CashOutInput {
  const problems = new InputProblems();
  const amountCents = problems.take('amountCents', parseAmount(options.amount));
  const bankAccount =
    options.bankAccount === undefined
      ? undefined
      : problems.take('payee.bankAccount', parseBankAccount(options.bankAccount));
  const request: CashOutInput = {
    reference: options.ref ?? newReference('co', now),
    userId: options.user,
    amountCents: amountCents ?? Number.NaN,
    payee: {
      name: options.payeeName,
      document: options.payeeDocument,
      ...(options.pixKey === undefined ? {} : { pixKey: options.pixKey }),
      ...(options.pixKeyType === undefined ? {} : { pixKeyType: options.pixKeyType }),
      ...(bankAccount === undefined ? {} : { bankAccount }),
    },
    ...(options.description === undefined ? {} : { description: options.description }),
  };
  // An unparsable --bank-account is already reported; do not also report "no destination".
  const valid = problems.validate(() => validateCashOutInput(request));
  problems.throwIfAny();
  return valid as CashOutInput;
}

export function registerCashOut(program: Command, session: CliSession): void {
  program
    .command('cash-out')
    .summary("send a PIX from a user's wallet")
    .description(
      'Holds the amount on the wallet and sends a PIX to a PIX key (type inferred and normalised: CPF, CNPJ, ' +
        'e-mail, +55 mobile, EVP) or to a bank account. Follow it with `wait <ref>` or `status <ref>`.',
    )
    .requiredOption('--user <id>', 'user whose wallet pays')
    .requiredOption('--amount <reais>', 'amount in reais, e.g. 10.00')
    .requiredOption('--payee-name <name>', "payee's full name")
    .requiredOption('--payee-document <cpf|cnpj>', "payee's CPF or CNPJ")
    .option('--pix-key <key>', 'destination PIX key, in any usual form')
    .addOption(
      new Option(
        '--pix-key-type <type>',
        'force the key type (e.g. an 11-digit phone that is also a CPF)',
      ).choices(PIX_KEY_TYPES),
    )
    .option('--bank-account <account>', `destination bank account: ${BANK_ACCOUNT_FORMAT}`)
    .option('--ref <reference>', 'business reference (idempotency key); default a new one')
    .option('--description <text>', "shown on the payee's statement (at most 140 characters)")
    .action((options: CashOutOptions) =>
      session.run(CASH_OUT_OPTIONS, async () => {
        const request = cashOutRequest(options, session.io.now());
        const payments = await session.payments();
        const started = await payments.startCashOut(request);
        return { data: started, human: renderCashOutStarted(started) };
      }),
    );
}
