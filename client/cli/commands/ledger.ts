import type { Command } from 'commander';
import { formatBrl } from '../../../domain/money';
import { InputProblems, parseAmount, parsePositiveInteger } from '../arguments';
import { EXIT_CODES, type OptionNames } from '../exit-codes';
import { renderLedgerCheck } from '../operations-output';
import { renderBalance, renderExposure } from '../output';
import type { CliSession } from '../session';

const MOVEMENT_OPTIONS: OptionNames = { userId: '--user', amountCents: '--amount', id: '--id' };

interface MovementOptions {
  user: string;
  amount: string;
  id?: string;
}

export function registerLedgerCommands(program: Command, session: CliSession): void {
  program
    .command('ledger')
    .summary("the ledger's own health")
    .command('verify')
    .summary('check the ledger: it balances, no hold is stale or orphaned, exposure matches the PSP')
    .description(
      'Runs the integrity check on the worker (the same as the daily Schedule ledger-check:<task queue>): ' +
        'debits equal credits and every account matches its journal; no hold is older than its lifecycle ' +
        'allows (PSP_RETRY_WINDOW_SECONDS + PSP_OUTCOME_DEADLINE_SECONDS); no hold belongs to a lifecycle ' +
        "that is no longer running; the PSP's transactional balance is within REBALANCE_THRESHOLD_CENTS of " +
        'the exposure. Prints what differs and exits 9 when anything does.',
    )
    .option('--timeout <seconds>', 'how long to wait for the worker to run it', '60')
    .action((options: { timeout: string }) =>
      session.run({ timeoutSeconds: '--timeout' }, async () => {
        const problems = new InputProblems();
        const timeoutSeconds = problems.take('timeoutSeconds', parsePositiveInteger(options.timeout, 3600));
        problems.throwIfAny();
        const report = await (await session.payments()).verifyLedger((timeoutSeconds as number) * 1000);
        return {
          data: report,
          human: renderLedgerCheck(report),
          exitCode: report.ok ? EXIT_CODES.ok : EXIT_CODES.checkFailed,
        };
      }),
    );

  program
    .command('balance')
    .summary("a user's wallet: available, held by cash-outs, recent movements")
    .argument('<user>', 'user id')
    .option('--movements <n>', 'how many recent movements to show', '10')
    .action((userId: string, options: { movements: string }) =>
      session.run({ userId: '<user>', limit: '--movements' }, async () => {
        const problems = new InputProblems();
        const limit = problems.take('limit', parsePositiveInteger(options.movements, 1000));
        problems.throwIfAny();
        const ledger = session.ledger();
        const [balance, movements] = await Promise.all([
          ledger.balance(userId),
          ledger.movements({ userId, limit: limit as number }),
        ]);
        return { data: { ...balance, movements }, human: renderBalance(balance, movements) };
      }),
    );

  program
    .command('exposure')
    .summary('what the platform owes its users (the rebalance target)')
    .action(() =>
      session.run({}, async () => {
        const exposureCents = await session.ledger().exposure();
        return { data: { exposureCents }, human: renderExposure(exposureCents) };
      }),
    );

  for (const kind of ['bet', 'win'] as const) {
    program
      .command(kind)
      .summary(
        kind === 'bet'
          ? 'record a bet: the stake leaves the wallet'
          : 'record a win: the prize enters the wallet',
      )
      .requiredOption('--user <id>', 'user id')
      .requiredOption('--amount <reais>', 'amount in reais')
      .option('--id <id>', `unique id of the ${kind} (idempotency key); default a new one`)
      .action((options: MovementOptions) =>
        session.run(MOVEMENT_OPTIONS, async () => {
          const problems = new InputProblems();
          const amountCents = problems.take('amountCents', parseAmount(options.amount));
          problems.throwIfAny();
          const ledger = session.ledger();
          const movement = {
            userId: options.user,
            amountCents: amountCents as number,
            ...(options.id === undefined ? {} : { id: options.id }),
          };
          const outcome =
            kind === 'bet' ? await ledger.recordBet(movement) : await ledger.recordWin(movement);
          const balance = await ledger.balance(options.user);
          const verb = kind === 'bet' ? 'Bet' : 'Win';
          const replay = outcome.created ? '' : ' (already recorded: nothing changed)';
          return {
            data: { ...outcome, balance },
            human: `${verb} ${outcome.transfer.id} of ${formatBrl(outcome.transfer.amountCents)} for ${options.user}${replay}; available ${formatBrl(balance.availableCents)}`,
          };
        }),
      );
  }
}
