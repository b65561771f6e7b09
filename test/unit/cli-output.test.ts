import { describe, expect, it } from 'vitest';
import {
  formatTable,
  formatTime,
  renderBalance,
  renderCashInStarted,
  renderError,
  renderPayment,
  renderPaymentPage,
  renderProgress,
  renderRebalanceOverview,
} from '../../client/cli/output';
import type { CashInStarted, Payment } from '../../client/payments-client';
import { scheduleUiUrl, workflowUiUrl } from '../../client/web-ui';
import type { RebalanceRunResult } from '../../workflows/messages';

const cashOut: Payment = {
  kind: 'CASH_OUT',
  reference: 'co-1',
  userId: 'alice',
  amountCents: 1234_56,
  state: 'REFUNDED',
  psp: { transactionId: 'tx-1', internalCode: 'ABCDEFGHIJ', endToEndId: null, status: 'FAILED' },
  topUps: 1,
  ledger: { held: true, posted: false, voided: true, returned: false },
  failure: { code: 'PIX_KEY_NOT_FOUND', message: 'The PIX key was not found in the DICT' },
  watchingUntil: null,
  timeline: [
    { state: 'HOLDING', at: '2026-03-01T12:00:00.000Z' },
    { state: 'SENDING', at: '2026-03-01T12:00:00.250Z' },
    { state: 'PROCESSING', at: '2026-03-01T12:00:01.000Z' },
    { state: 'REFUNDED', at: '2026-03-01T12:00:05.000Z', note: 'PIX_KEY_NOT_FOUND' },
  ],
  workflowId: 'cash-out:co-1',
  webUiUrl: 'http://localhost:8233/namespaces/default/workflows/cash-out:co-1',
};

describe('human output', () => {
  it('tables: columns padded to the widest cell, no trailing spaces', () => {
    expect(
      formatTable(
        ['A', 'LONG HEADER'],
        [
          ['wide cell', 'x'],
          ['b', ''],
        ],
      ),
    ).toBe(['A          LONG HEADER', 'wide cell  x', 'b'].join('\n'));
  });

  it('times: UTC to the second', () => {
    expect(formatTime('2026-03-01T12:00:05.123Z')).toBe('2026-03-01 12:00:05Z');
    expect(formatTime('2026-03-01T09:00:05-03:00')).toBe('2026-03-01 12:00:05Z');
    expect(formatTime(null)).toBe('-');
    expect(formatTime('not a date')).toBe('not a date');
  });

  it('a payment: summary, PSP ids, ledger effects, failure, timeline and link', () => {
    expect(renderPayment(cashOut)).toBe(
      [
        'cash-out co-1: REFUNDED',
        'User     alice',
        'Amount   R$ 1.234,56',
        'PSP      status FAILED, transactionId tx-1, internalCode ABCDEFGHIJ',
        'Ledger   held, voided',
        'Failure  PIX_KEY_NOT_FOUND: The PIX key was not found in the DICT',
        'Top-ups  1',
        'Web UI   http://localhost:8233/namespaces/default/workflows/cash-out:co-1',
        'Timeline',
        '  2026-03-01 12:00:00Z  HOLDING',
        '  2026-03-01 12:00:00Z  SENDING',
        '  2026-03-01 12:00:01Z  PROCESSING',
        '  2026-03-01 12:00:05Z  REFUNDED  PIX_KEY_NOT_FOUND',
      ].join('\n'),
    );
    expect(renderProgress(cashOut)).toBe('2026-03-01 12:00:05Z  co-1  REFUNDED (PIX_KEY_NOT_FOUND)');
  });

  it('a new charge: QR code, copy and paste, expiry in minutes, PSP ids, links', () => {
    const started: CashInStarted = {
      reference: 'ci-1',
      transactionId: 'kk6g232xel65a0daee4dd13kk2912714964',
      internalCode: 'US7B1JQ',
      amountCents: 25_00,
      copyAndPaste: '00020101021226...6304ABCD',
      qrCodeImageBase64: 'iVBOR',
      requestedAt: '2026-03-01T09:00:00-03:00',
      expiresAt: '2026-03-01T12:30:00.000Z',
      workflowId: 'cash-in:ci-1',
      webUiUrl: 'http://ui/namespaces/default/workflows/cash-in:ci-1',
    };
    const text = renderCashInStarted(started, '█▀▀█\n█▄▄█\n', new Date('2026-03-01T12:00:00Z'));
    expect(text).toBe(
      [
        'Cash-in ci-1: R$ 25,00, waiting for payment',
        '',
        '█▀▀█\n█▄▄█',
        '',
        'Copy and paste  00020101021226...6304ABCD',
        'Expires         2026-03-01 12:30:00Z (in 30 min)',
        'PSP             transactionId kk6g232xel65a0daee4dd13kk2912714964, internalCode US7B1JQ',
        'Workflow        cash-in:ci-1',
        'Web UI          http://ui/namespaces/default/workflows/cash-in:ci-1',
      ].join('\n'),
    );
  });

  it('a page of payments, with the token of the next one', () => {
    const text = renderPaymentPage({
      payments: [
        {
          kind: 'CASH_IN',
          reference: 'ci-1',
          userId: 'alice',
          amountCents: 25_00,
          status: 'SETTLED',
          pspTransactionId: 'tx',
          workflowId: 'cash-in:ci-1',
          executionStatus: 'RUNNING',
          startedAt: '2026-03-01T12:00:00.000Z',
          closedAt: null,
        },
      ],
      nextPageToken: 'abc_-',
    });
    expect(text).toBe(
      [
        'STARTED               KIND     REFERENCE  USER   AMOUNT    STATUS   TEMPORAL',
        '2026-03-01 12:00:00Z  cash-in  ci-1       alice  R$ 25,00  SETTLED  RUNNING',
        '',
        'More: --page-token abc_-',
      ].join('\n'),
    );
    expect(renderPaymentPage({ payments: [] })).toBe('No payments match.');
  });

  it('a wallet with its recent movements, each signed by its effect on what the user can spend', () => {
    const text = renderBalance(
      { userId: 'alice', postedCents: 70_00, pendingDebitCents: 10_00, availableCents: 60_00 },
      [
        {
          id: 'cash-out:co-2:void',
          debitAccount: 'user:alice',
          creditAccount: 'system:psp-settlement',
          amountCents: 5_00,
          kind: 'void_pending',
          pendingId: 'cash-out:co-2:hold',
          code: 'CASH_OUT_VOID',
          createdAt: '2026-03-01T12:03:00.000Z',
        },
        {
          id: 'cash-out:co-3:post',
          debitAccount: 'user:alice',
          creditAccount: 'system:psp-settlement',
          amountCents: 7_00,
          kind: 'post_pending',
          pendingId: 'cash-out:co-3:hold',
          code: 'CASH_OUT_POST',
          createdAt: '2026-03-01T12:02:00.000Z',
        },
        {
          id: 'cash-out:co-1:hold',
          debitAccount: 'user:alice',
          creditAccount: 'system:psp-settlement',
          amountCents: 10_00,
          kind: 'pending',
          code: 'CASH_OUT_HOLD',
          metadata: { reference: 'co-1' },
          createdAt: '2026-03-01T12:01:00.000Z',
        },
        {
          id: 'cash-in:ci-1:credit',
          debitAccount: 'system:psp-settlement',
          creditAccount: 'user:alice',
          amountCents: 70_00,
          kind: 'posted',
          code: 'CASH_IN',
          createdAt: '2026-03-01T12:00:00.000Z',
        },
      ],
    );
    expect(text).toContain(
      'Available  R$ 60,00\nHeld       R$ 10,00 (pending cash-outs)\nPosted     R$ 70,00',
    );
    expect(text).toMatch(/CASH_OUT_HOLD +pending +-R\$ 10,00 +co-1/);
    expect(text).toMatch(/CASH_IN +posted +\+R\$ 70,00 +cash-in:ci-1:credit/);
    // A voided hold gives the money back; a posted hold takes nothing more.
    expect(text).toMatch(/CASH_OUT_VOID +void_pending +\+R\$ 5,00 \(hold released\)/);
    expect(text).toMatch(/CASH_OUT_POST +post_pending +R\$ 7,00 \(hold settled\)/);
  });

  it('the rebalance overview: schedule state and runs, newest first', () => {
    const run = (n: number): RebalanceRunResult => ({
      run: n,
      sources: ['MANUAL'],
      outcome: 'REBALANCED',
      thresholdCents: 0,
      exposureCents: 500_00,
      beforeCents: 400_00,
      targetCents: 500_00,
      afterCents: 500_00,
      movedCents: 100_00,
      failure: null,
      startedAt: '2026-03-01T12:00:00.000Z',
      finishedAt: `2026-03-01T12:0${n}:00.000Z`,
    });
    const text = renderRebalanceOverview({
      schedule: {
        scheduleId: 'rebalance:payments',
        paused: true,
        note: 'maintenance',
        nextRunsAt: [],
        recentActions: [],
        actionsTaken: 3,
        skippedOverlap: 1,
      },
      coordinator: {
        kind: 'REBALANCE',
        state: 'IDLE',
        pending: 0,
        runs: 2,
        recent: [run(1), run(2)],
        workflowId: 'rebalance:payments',
      },
    });
    expect(text).toContain(
      'Schedule      rebalance:payments: PAUSED\nNote          maintenance\nRuns started  3 (1 skipped: overlap)',
    );
    expect(text).toContain('Coordinator rebalance:payments: IDLE, 2 runs, 0 waiting');
    const rows = text.split('\n').filter((line) => /^\d /.test(line));
    expect(rows.map((row) => row.slice(0, 1))).toEqual(['2', '1']);
    expect(rows[0]).toMatch(/MANUAL +REBALANCED +R\$ 500,00 +R\$ 400,00 +R\$ 500,00 +R\$ 100,00$/);
    expect(renderRebalanceOverview({ schedule: null, coordinator: null })).toBe(
      'Schedule: not created\n\nNo rebalance has run yet.',
    );
  });

  it('errors: one line for people, {"error": ...} for scripts', () => {
    const error = { exitCode: 3, code: 'NOT_FOUND', message: 'no payment with reference "x"' };
    expect(renderError(error, false)).toBe('error: no payment with reference "x"');
    expect(JSON.parse(renderError(error, true))).toEqual({
      error: { code: 'NOT_FOUND', message: 'no payment with reference "x"', exitCode: 3 },
    });
  });

  it('Web UI links keep the colon of business workflow ids readable and encode the rest', () => {
    expect(workflowUiUrl('http://localhost:8233/', 'default', 'cash-in:order 1')).toBe(
      'http://localhost:8233/namespaces/default/workflows/cash-in:order%201',
    );
    expect(scheduleUiUrl('http://ui', 'payments.a1b2c', 'rebalance:payments')).toBe(
      'http://ui/namespaces/payments.a1b2c/schedules/rebalance:payments',
    );
  });
});
