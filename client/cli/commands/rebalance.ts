import type { Command } from 'commander';
import { InputProblems, parseDuration } from '../arguments';
import { renderRebalanceOverview, renderRebalanceRun, renderSchedule } from '../output';
import type { CliSession } from '../session';

export function registerRebalance(program: Command, session: CliSession): void {
  const rebalance = program
    .command('rebalance')
    .summary('the rebalance of the PSP account: schedule and runs')
    .description(
      "Rebalancing moves money between the PSP account's proprietary and transactional sides so the\n" +
        'transactional balance covers the exposure (what the platform owes its users). A Temporal Schedule ' +
        'asks for a run every REBALANCE_INTERVAL_SECONDS; every run goes through one coordinator workflow, ' +
        'so two never overlap.',
    );

  rebalance
    .command('status')
    .summary('the schedule and the most recent runs')
    .action(() =>
      session.run({}, async () => {
        const overview = await (await session.payments()).rebalance.status();
        return { data: overview, human: renderRebalanceOverview(overview) };
      }),
    );

  rebalance
    .command('trigger')
    .summary('run a rebalance now and print what it did')
    .option('--force', 'rebalance even when the difference is below REBALANCE_THRESHOLD_CENTS')
    .option('--timeout <duration>', 'stop waiting for the result after: seconds, or 90s, 5m', '60s')
    .action((options: { force?: boolean; timeout: string }) =>
      session.run({ timeoutMs: '--timeout' }, async () => {
        const problems = new InputProblems();
        const timeoutMs = problems.take('timeoutMs', parseDuration(options.timeout, 's'));
        problems.throwIfAny();
        const run = await (await session.payments()).rebalance.trigger({
          force: options.force === true,
          timeoutMs: timeoutMs as number,
        });
        return { data: run, human: renderRebalanceRun(run) };
      }),
    );

  rebalance
    .command('ensure')
    .summary('create the schedule, or bring it to the current settings')
    .action(() =>
      session.run({}, async () => {
        const schedule = await (await session.payments()).rebalance.ensureSchedule();
        return {
          data: schedule,
          human: `${schedule.created ? 'Created' : 'Updated'}\n${renderSchedule(schedule)}`,
        };
      }),
    );

  rebalance
    .command('pause')
    .summary('pause the schedule (triggers still run)')
    .option('--note <text>', 'why, shown in the Web UI')
    .action((options: { note?: string }) =>
      session.run({}, async () => {
        const schedule = await (await session.payments()).rebalance.pauseSchedule(options.note);
        return { data: schedule, human: renderSchedule(schedule) };
      }),
    );

  rebalance
    .command('resume')
    .summary('resume the schedule')
    .option('--note <text>', 'why, shown in the Web UI')
    .action((options: { note?: string }) =>
      session.run({}, async () => {
        const schedule = await (await session.payments()).rebalance.resumeSchedule(options.note);
        return { data: schedule, human: renderSchedule(schedule) };
      }),
    );
}
