import type { Command } from 'commander';
import type { CashIn, CashOut } from '../../../domain/connectpsp';
import type { SandboxControl } from '../../sandbox-control';
import { InputProblems, parseAmount } from '../arguments';
import { renderSandboxTransaction } from '../output';
import type { CliSession } from '../session';

interface SandboxAction {
  name: string;
  summary: string;
  options?: Array<[flags: string, description: string]>;
  perform(
    sandbox: SandboxControl,
    reference: string,
    options: Record<string, string | undefined>,
  ): Promise<CashIn | CashOut>;
}

const ACTIONS: SandboxAction[] = [
  {
    name: 'pay',
    summary: 'the payer pays a cash-in (CASHIN_PAID)',
    options: [['--amount <reais>', 'pay another amount than charged (the workflow refunds it)']],
    perform: (sandbox, reference, options) => {
      if (options.amount === undefined) return sandbox.payCashIn(reference);
      const problems = new InputProblems();
      const amountCents = problems.take('amountCents', parseAmount(options.amount));
      problems.throwIfAny();
      return sandbox.payCashIn(reference, { amountCents: amountCents as number });
    },
  },
  {
    name: 'expire',
    summary: 'a cash-in expires unpaid',
    perform: (sandbox, reference) => sandbox.expireCashIn(reference),
  },
  {
    name: 'complete',
    summary: 'a cash-out reaches the payee (CASHOUT_COMPLETED)',
    perform: (sandbox, reference) => sandbox.completeCashOut(reference),
  },
  {
    name: 'fail',
    summary: 'the PSP fails a cash-out (CASHOUT_FAILED)',
    options: [
      ['--code <code>', 'failure code (default PIX_KEY_NOT_FOUND)'],
      ['--message <text>', 'failure message'],
    ],
    perform: (sandbox, reference, options) =>
      sandbox.failCashOut(reference, {
        ...(options.code === undefined ? {} : { code: options.code }),
        ...(options.message === undefined ? {} : { message: options.message }),
      }),
  },
  {
    name: 'return',
    summary: "the payee's bank returns a completed cash-out (CASHOUT_REFUNDED)",
    perform: (sandbox, reference) => sandbox.returnCashOut(reference),
  },
];

export function registerSandbox(program: Command, session: CliSession): void {
  const sandbox = program
    .command('sandbox')
    .summary('play the PSP, the payer and the banks on the local sandbox')
    .description(
      'Drives the local ConnectPSP sandbox through its control API, as the outside world would: the ' +
        'payer paying, a charge expiring, the PSP completing or failing a cash-out, a bank returning one. ' +
        'Only with the local sandbox (not when CONNECTPSP_BASE_URL names a real ConnectPSP).',
    );
  for (const action of ACTIONS) {
    const command = sandbox
      .command(action.name)
      .summary(action.summary)
      .argument('<ref>', 'business reference (or the PSP transactionId / internalCode)');
    for (const [flags, description] of action.options ?? []) command.option(flags, description);
    command.action((reference: string, options: Record<string, string | undefined>) =>
      session.run({ amountCents: '--amount', reference: '<ref>' }, async () => {
        const transaction = await action.perform(session.sandbox(), reference, options);
        return { data: transaction, human: renderSandboxTransaction(action.name, transaction) };
      }),
    );
  }
}
