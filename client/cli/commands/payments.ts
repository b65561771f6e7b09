import { type Command, Option } from 'commander';
import { REFUND_REASONS, type RefundReason } from '../../../domain/connectpsp/cash-in';
import type { ListPaymentsFilter } from '../../payment-list';
import { MAX_LIST_LIMIT } from '../../payment-list';
import { checkReference } from '../../payments-client';
import { InputProblems, parseDuration, parseKind, parsePositiveInteger, parseSince } from '../arguments';
import type { OptionNames } from '../exit-codes';
import { renderPayment, renderPaymentPage, renderProgress } from '../output';
import type { CliSession } from '../session';

const KIND_OPTION = ['--kind <kind>', 'cash-in or cash-out, when the reference names both'] as const;

export const LIST_OPTIONS: OptionNames = {
  kind: '--kind',
  status: '--status',
  userId: '--user',
  since: '--since',
  limit: '--limit',
  pageToken: '--page-token',
};

interface ListOptions {
  kind?: string;
  status?: string;
  user?: string;
  since?: string;
  limit?: string;
  pageToken?: string;
}

/** The visibility filter of `list`'s options; all problems at once. */
export function listFilter(options: ListOptions, now: Date): ListPaymentsFilter {
  const problems = new InputProblems();
  const filter: ListPaymentsFilter = {};
  if (options.kind !== undefined) filter.kind = problems.take('kind', parseKind(options.kind));
  if (options.status !== undefined) filter.status = options.status.trim().toUpperCase();
  if (options.user !== undefined) filter.userId = options.user;
  if (options.since !== undefined) filter.since = problems.take('since', parseSince(options.since, now));
  if (options.limit !== undefined)
    filter.limit = problems.take('limit', parsePositiveInteger(options.limit, MAX_LIST_LIMIT));
  if (options.pageToken !== undefined) filter.pageToken = options.pageToken;
  problems.throwIfAny();
  return filter;
}

function kindOf(text: string | undefined) {
  if (text === undefined) return undefined;
  const problems = new InputProblems();
  const kind = problems.take('kind', parseKind(text));
  problems.throwIfAny();
  return kind;
}

export function registerPaymentCommands(program: Command, session: CliSession): void {
  program
    .command('status')
    .summary('show a payment: state, PSP ids, ledger effects, timeline')
    .argument('<ref>', 'business reference of the cash-in or cash-out')
    .option(...KIND_OPTION)
    .action((reference: string, options: { kind?: string }) =>
      session.run({ kind: '--kind', reference: '<ref>' }, async () => {
        checkReference(reference);
        const kind = kindOf(options.kind);
        const payment = await (await session.payments()).getPayment(reference, kind);
        return { data: payment, human: renderPayment(payment) };
      }),
    );

  program
    .command('wait')
    .summary('follow a payment until it reaches a terminal state')
    .description(
      'Prints each state change until SETTLED, EXPIRED, REFUNDED or FAILED. Exits 0 at any terminal state ' +
        '(the state tells the outcome), 5 when --timeout passes first (the payment goes on).',
    )
    .argument('<ref>', 'business reference of the cash-in or cash-out')
    .option('--timeout <duration>', 'give up after: seconds, or 90s, 5m, 1h', '60s')
    .option('--until <states>', 'stop at one of these states instead (comma-separated), e.g. REFUNDED')
    .option(...KIND_OPTION)
    .action((reference: string, options: { timeout: string; until?: string; kind?: string }) =>
      session.run({ kind: '--kind', timeoutMs: '--timeout', reference: '<ref>' }, async () => {
        checkReference(reference);
        const problems = new InputProblems();
        const timeoutMs = problems.take('timeoutMs', parseDuration(options.timeout, 's'));
        problems.throwIfAny();
        const kind = kindOf(options.kind);
        const payments = await session.payments();
        const payment = await payments.waitForOutcome(reference, {
          timeoutMs: timeoutMs as number,
          ...(kind ? { kind } : {}),
          ...(options.until
            ? { until: options.until.split(',').map((state) => state.trim().toUpperCase()) }
            : {}),
          onProgress: (p) => session.progress(renderProgress(p)),
        });
        return { data: payment, human: renderPayment(payment) };
      }),
    );

  program
    .command('list')
    .summary('list payments by kind, status, user and start time')
    .description(
      'Reads Temporal visibility (search attributes PaymentKind, PaymentStatus, UserId), in its order: ' +
        'running payments first, newest first, then finished ones. A payment started a moment ago may take ' +
        'a second to appear.',
    )
    .option(...KIND_OPTION)
    .option('--status <state>', 'lifecycle state, e.g. AWAITING_PAYMENT, SETTLED, FAILED')
    .option('--user <id>', 'payments of this user')
    .option('--since <when>', 'started at or after: ISO date/time, or a duration ago (30m, 2h, 7d)')
    .option('--limit <n>', `page size, 1..${MAX_LIST_LIMIT}`, '50')
    .option('--page-token <token>', 'the next page, as printed after the previous one')
    .action((options: ListOptions) =>
      session.run(LIST_OPTIONS, async () => {
        const filter = listFilter(options, session.io.now());
        const page = await (await session.payments()).listPayments(filter);
        return { data: page, human: renderPaymentPage(page) };
      }),
    );

  program
    .command('refund')
    .summary('refund a settled cash-in in full')
    .description(
      'Asks the PSP for a full refund of a SETTLED cash-in. Returns once the PSP accepted it; the wallet is ' +
        'debited when the PSP confirms (follow with `wait` or `status`). Asking again returns the first answer.',
    )
    .argument('<ref>', 'business reference of the cash-in')
    .addOption(
      new Option('--reason <reason>', 'refund reason').choices(REFUND_REASONS).default('CUSTOMER_REQUEST'),
    )
    .option('--description <text>', 'internal note sent to the PSP')
    .action((reference: string, options: { reason: RefundReason; description?: string }) =>
      session.run({ reference: '<ref>', reason: '--reason', description: '--description' }, async () => {
        checkReference(reference);
        const payments = await session.payments();
        const accepted = await payments.refundCashIn(reference, {
          reason: options.reason,
          ...(options.description === undefined ? {} : { description: options.description }),
        });
        return {
          data: { reference, ...accepted },
          human: `Refund of ${reference} accepted by the PSP (endToEndId ${accepted.endToEndId}); the wallet is debited when the PSP confirms.`,
        };
      }),
    );
}
