import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { checkReference } from '../../payments-client';
import { InputProblems, parseKind } from '../arguments';
import { renderHoldResolution, renderReviewPage } from '../operations-output';
import { renderPayment } from '../output';
import type { CliSession } from '../session';
import { LIST_OPTIONS, listFilter } from './payments';

const RESOLVE_OPTIONS = {
  reference: '<ref>',
  decision: '--sent / --not-sent',
  reason: '--reason',
  resolvedBy: '--by',
  pspTransactionId: '--psp-transaction-id',
  kind: '--kind',
};

const RESOLVE_HOLD_OPTIONS = {
  holdTransferId: '<hold>',
  reason: '--reason',
  resolvedBy: '--by',
  pspTransactionId: '--psp-transaction-id',
};

interface ResolveOptions {
  sent?: boolean;
  notSent?: boolean;
  pspTransactionId?: string;
  reason?: string;
  by?: string;
  kind?: string;
}

/** Who the operator is when --by is not given: the login running the command. */
function defaultOperator(): string {
  try {
    return userInfo().username;
  } catch {
    return '';
  }
}

export function registerReview(program: Command, session: CliSession): void {
  const review = program
    .command('review')
    .summary('payments waiting for an operator (NEEDS_REVIEW), and their resolution')
    .description(
      "A payment goes to NEEDS_REVIEW when the PSP's answers cannot prove what happened (a lost or " +
        'unreadable answer, a refusal after one), when its verdict is overdue, or when the wallet refused a ' +
        'movement the PSP requires. The money stays where it is; the lifecycle keeps asking the PSP while that ' +
        'is safe. docs/lifecycles.md, "NEEDS_REVIEW", says what each resolution does.',
    );

  review
    .command('list')
    .summary('the payments in NEEDS_REVIEW, newest first, and the orphaned holds')
    .option('--kind <kind>', 'cash-in or cash-out')
    .option('--user <id>', 'payments of this user')
    .option('--since <when>', 'started at or after: ISO date/time, or a duration ago (30m, 2h, 7d)')
    .option('--limit <n>', 'page size', '50')
    .option('--page-token <token>', 'the next page, as printed after the previous one')
    .action((options: { kind?: string; user?: string; since?: string; limit?: string; pageToken?: string }) =>
      session.run(LIST_OPTIONS, async () => {
        const { status: _status, ...filter } = listFilter(options, session.io.now());
        const page = await (await session.payments()).listReviews(filter);
        return { data: page, human: renderReviewPage(page) };
      }),
    );

  review
    .command('resolve')
    .summary("record an operator's decision about a payment in NEEDS_REVIEW")
    .description(
      'SENT: the money movement asked of the PSP happened (for a cash-out whose PSP id was never learnt, name ' +
        'it with --psp-transaction-id: the lifecycle checks it with GET). NOT_SENT: it did not; the hold is given ' +
        "back. The decision, who made it and why go into the timeline; one the PSP's own record contradicts is " +
        'refused (exit 6).',
    )
    .argument('<ref>', 'business reference of the cash-in or cash-out')
    .option('--sent', 'the PSP did it')
    .option('--not-sent', 'the PSP did not do it')
    .option('--psp-transaction-id <id>', "the PSP's transaction id of the cash-out, when it was never learnt")
    .option('--reason <text>', 'why: what was checked, with whom (required)')
    .option('--by <who>', 'who decides (default: the login running the command)')
    .option('--kind <kind>', 'cash-in or cash-out, when the reference names both')
    .action((reference: string, options: ResolveOptions) =>
      session.run(RESOLVE_OPTIONS, async () => {
        checkReference(reference);
        const problems = new InputProblems();
        if (options.sent === options.notSent)
          problems.add('decision', 'give exactly one of --sent or --not-sent');
        if (!options.reason?.trim()) problems.add('reason', 'is required: what was checked, with whom');
        const resolvedBy = (options.by ?? defaultOperator()).trim();
        if (!resolvedBy) problems.add('resolvedBy', 'is required when the login cannot be read');
        const kind = options.kind === undefined ? undefined : problems.take('kind', parseKind(options.kind));
        problems.throwIfAny();
        const payment = await (await session.payments()).resolveReview(
          reference,
          {
            decision: options.sent ? 'SENT' : 'NOT_SENT',
            reason: options.reason as string,
            resolvedBy,
            ...(options.pspTransactionId === undefined ? {} : { pspTransactionId: options.pspTransactionId }),
          },
          kind,
        );
        return { data: payment, human: renderPayment(payment) };
      }),
    );

  review
    .command('resolve-hold')
    .summary("settle an orphaned hold as the PSP's own record says")
    .description(
      'A hold whose lifecycle is no longer running (terminated, or ended by a bug; pix review list shows them) ' +
        "is settled from the PSP's record, read by the worker: posted when the PSP completed it (and the return " +
        'credited when the payee bank sent it back), voided when the PSP failed it or the lifecycle provably never ' +
        'asked the PSP; otherwise nothing moves and the command says why (exit 6). Who and why are recorded in ' +
        "the resolution's workflow history (orphaned-hold:<hold>).",
    )
    .argument(
      '<hold>',
      'the hold as pix review list shows it: cash-out:<ref>:hold or cash-in:<ref>:refund-hold',
    )
    .option('--psp-transaction-id <id>', "the PSP's transaction id, when the lifecycle never learnt it")
    .option('--reason <text>', 'why: what was checked, with whom (required)')
    .option('--by <who>', 'who decides (default: the login running the command)')
    .action((hold: string, options: { pspTransactionId?: string; reason?: string; by?: string }) =>
      session.run(RESOLVE_HOLD_OPTIONS, async () => {
        const problems = new InputProblems();
        if (!options.reason?.trim()) problems.add('reason', 'is required: what was checked, with whom');
        const resolvedBy = (options.by ?? defaultOperator()).trim();
        if (!resolvedBy) problems.add('resolvedBy', 'is required when the login cannot be read');
        problems.throwIfAny();
        const outcome = await (await session.payments()).resolveOrphanedHold({
          holdTransferId: hold,
          reason: options.reason as string,
          resolvedBy,
          ...(options.pspTransactionId === undefined ? {} : { pspTransactionId: options.pspTransactionId }),
        });
        return { data: outcome, human: renderHoldResolution(outcome) };
      }),
    );
}
