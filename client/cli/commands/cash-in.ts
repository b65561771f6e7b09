import type { Command } from 'commander';
import QRCode from 'qrcode';
import { type CashInInput, validateCashInRequest } from '../../../domain/validation';
import { InputProblems, newReference, parseAmount, parseExpiryMinutes } from '../arguments';
import type { OptionNames } from '../exit-codes';
import { renderCashInStarted } from '../output';
import type { CliSession } from '../session';

export const CASH_IN_OPTIONS: OptionNames = {
  reference: '--ref',
  userId: '--user',
  amountCents: '--amount',
  'payer.name': '--payer-name',
  'payer.document': '--payer-document',
  expiresInMinutes: '--expires-in',
  openFinance: '--open-finance',
  openFinanceRedirectUrl: '--redirect-url',
};

interface CashInOptions {
  user: string;
  amount: string;
  payerName: string;
  payerDocument: string;
  ref?: string;
  expiresIn?: string;
  openFinance?: boolean;
  redirectUrl?: string;
}

/** Parses and validates the command line into a cash-in request; every problem at once, as ValidationError. */
export function cashInRequest(options: CashInOptions, now: Date): CashInInput {
  const problems = new InputProblems();
  const amountCents = problems.take('amountCents', parseAmount(options.amount));
  const expiresInMinutes =
    options.expiresIn === undefined
      ? undefined
      : problems.take('expiresInMinutes', parseExpiryMinutes(options.expiresIn));
  if (options.openFinance && options.redirectUrl === undefined)
    problems.add(
      'openFinanceRedirectUrl',
      'is required with --open-finance: where the payer returns after paying',
    );
  if (!options.openFinance && options.redirectUrl !== undefined)
    problems.add(
      'openFinance',
      'is required with --redirect-url (the redirect URL is for the OpenFinance flow only)',
    );
  const request: CashInInput = {
    reference: options.ref ?? newReference('ci', now),
    userId: options.user,
    amountCents: amountCents ?? Number.NaN,
    payer: { name: options.payerName, document: options.payerDocument },
    ...(expiresInMinutes === undefined ? {} : { expiresInMinutes }),
    ...(options.openFinance && options.redirectUrl !== undefined
      ? { openFinanceRedirectUrl: options.redirectUrl }
      : {}),
  };
  const valid = problems.validate(() => validateCashInRequest(request));
  problems.throwIfAny();
  return valid as CashInInput;
}

export function registerCashIn(program: Command, session: CliSession): void {
  program
    .command('cash-in')
    .summary('charge a user through a PIX QR code')
    .description(
      'Creates a PIX charge for a user and prints its QR code, the copy-and-paste code and the Web UI link of ' +
        'its workflow. Running it again with the same --ref returns the same charge and starts nothing new. ' +
        'With --open-finance the payer pays in their own bank app instead (OpenFinance): the charge also ' +
        'has a payment URL, and the bank sends the payer back to --redirect-url.',
    )
    .requiredOption('--user <id>', 'user whose wallet is credited once paid')
    .requiredOption('--amount <reais>', 'amount in reais, e.g. 25.00 or 25,00')
    .requiredOption('--payer-name <name>', "payer's full name")
    .requiredOption('--payer-document <cpf|cnpj>', "payer's CPF or CNPJ, formatted or not")
    .option('--ref <reference>', 'business reference (idempotency key); default a new one')
    .option(
      '--expires-in <duration>',
      'charge lifetime: minutes, or 30m, 2h, 1d; default CASHIN_DEFAULT_EXPIRATION_MINUTES',
    )
    .option('--open-finance', 'the OpenFinance flow: the charge gets a payment URL (needs --redirect-url)')
    .option('--redirect-url <url>', 'with --open-finance: http(s) URL the payer returns to after paying')
    .action((options: CashInOptions) =>
      session.run(CASH_IN_OPTIONS, async () => {
        const request = cashInRequest(options, session.io.now());
        const payments = await session.payments();
        const started = await payments.startCashIn(request);
        const qrCode = session.json
          ? undefined
          : await QRCode.toString(started.copyAndPaste, { type: 'terminal', small: true });
        return { data: started, human: renderCashInStarted(started, qrCode, session.io.now()) };
      }),
    );
}
