import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Payment } from '../../client/payments-client';
import { freePort } from '../../scripts/ports';
import { eventually, FAKE_WEB_UI, useCliStack } from '../helpers/cli-stack';
import { PAYEE_PIX_KEY, VALID_CPF } from '../helpers/lifecycle-env';
import { type RunResult, runNodeWithStdoutClosed } from '../helpers/processes';

// The compiled CLI (dist/client/cli/main.js, built by `npm test` before Vitest) as a user runs it,
// finding the stack through DATA_DIR/stack.json alone.
describe('the pix CLI against a running stack', () => {
  const stack = useCliStack();

  const payer = ['--payer-name', 'Ana Maria Souza', '--payer-document', '529.982.247-25'];
  const payee = ['--payee-name', 'Bruno Lima', '--payee-document', VALID_CPF];
  const ok = (result: RunResult) => {
    expect(result.code, `stdout: ${result.stdout}\nstderr: ${result.stderr}`).toBe(0);
    return result;
  };
  /** A one-line human error on stderr with this exit code. */
  const humanError = (result: RunResult, exitCode: number) => {
    expect(result.code, result.stdout + result.stderr).toBe(exitCode);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: /);
    return lines[0] as string;
  };
  type ErrorDocument = {
    error: { code: string; message: string; exitCode: number; problems?: unknown[]; service?: string };
  };
  const fundedUser = async (amountCents: number) => {
    const userId = stack.env.unique('user');
    const reference = stack.env.unique('fund');
    await stack.payments.startCashIn({
      reference,
      userId,
      amountCents,
      payer: { name: 'Ana Maria Souza', document: VALID_CPF },
    });
    await stack.payments.sandbox.payCashIn(reference);
    await stack.payments.waitForOutcome(reference, { timeoutMs: 20_000 });
    return userId;
  };

  it('cash-in prints the QR code, the copy-and-paste code and the Web UI link; the same --ref returns the same charge', async () => {
    const reference = stack.env.unique('ci');
    const userId = stack.env.unique('user');
    const args = ['cash-in', '--user', userId, '--amount', '25.00', ...payer, '--ref', reference];
    const human = ok(await stack.cli([...args, '--expires-in', '15']));
    expect(human.stdout).toContain(`Cash-in ${reference}: R$ 25,00, waiting for payment`);
    expect(human.stdout).toMatch(/[▄▀█]{7}/); // the terminal QR code
    expect(human.stdout).toMatch(/Copy and paste {2}000201\S+/);
    expect(human.stdout).toMatch(/Expires +\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ \(in 15 min\)/);
    expect(human.stdout).toContain(
      `Web UI          ${FAKE_WEB_UI}/namespaces/default/workflows/cash-in:${reference}`,
    );
    const transactionId = /transactionId (\S+),/.exec(human.stdout)?.[1];
    expect(transactionId).toBeTruthy();

    const again = await stack.cliJson<{
      transactionId: string;
      copyAndPaste: string;
      qrCodeImageBase64: string;
    }>(args);
    expect(again.code).toBe(0);
    expect(again.json.transactionId).toBe(transactionId);
    expect(human.stdout).toContain(again.json.copyAndPaste);
    expect(Buffer.from(again.json.qrCodeImageBase64, 'base64').subarray(1, 4).toString()).toBe('PNG');
    expect((await stack.env.pspTransactions(reference)).cashIns).toHaveLength(1);

    const taken = await stack.cliJson<ErrorDocument>([
      'cash-in',
      '--user',
      userId,
      '--amount',
      '26',
      ...payer,
      '--ref',
      reference,
    ]);
    expect(taken.code).toBe(6);
    expect(taken.json.error.code).toBe('ALREADY_EXISTS');
  });

  it('cash-in --open-finance --redirect-url: a payment URL; the payer pays in their bank, returns to the URL, SETTLED', async () => {
    const reference = stack.env.unique('of');
    const redirectUrl = `https://shop.example.com/pix/return?order=${reference}`;
    const args = [
      'cash-in',
      '--user',
      stack.env.unique('user'),
      '--amount',
      '30',
      ...payer,
      '--ref',
      reference,
    ];
    const human = ok(await stack.cli([...args, '--open-finance', '--redirect-url', redirectUrl]));
    const paymentUrl = /Payment URL +(\S+)/.exec(human.stdout)?.[1] as string;
    expect(paymentUrl).toMatch(/\/_sandbox\/open-finance\/\S+$/);

    const bank = await fetch(paymentUrl, { redirect: 'manual' });
    expect(bank.status).toBe(302);
    expect(bank.headers.get('location')).toBe(redirectUrl);
    const settled = await stack.cliJson<Payment>(['wait', reference, '--timeout', '20s']);
    expect(settled.json.state).toBe('SETTLED');

    const bad = humanError(
      await stack.cli([...args, '--open-finance', '--redirect-url', 'javascript:alert(1)']),
      2,
    );
    expect(bad).toBe(
      'error: invalid input: --redirect-url must be an absolute http:// or https:// URL, e.g. https://shop.example.com/pix/return',
    );
  });

  it('sandbox pay, wait, status, balance, list, refund and exposure follow one cash-in', async () => {
    const reference = stack.env.unique('ci');
    const userId = stack.env.unique('user');
    ok(
      await stack.cli([
        'cash-in',
        '--json',
        '--user',
        userId,
        '--amount',
        '30,00',
        ...payer,
        '--ref',
        reference,
      ]),
    );

    expect(ok(await stack.cli(['sandbox', 'pay', reference])).stdout).toContain(
      `${reference} is now PAID at the PSP`,
    );
    const waited = ok(await stack.cli(['wait', reference, '--timeout', '20s']));
    expect(waited.stdout).toMatch(new RegExp(`\\d\\dZ {2}${reference} {2}SETTLED`));
    expect(waited.stdout).toContain(`cash-in ${reference}: SETTLED`);

    // Independent reads, run side by side.
    const [statusHuman, statusJson, balanceHuman, balance] = await Promise.all([
      stack.cli(['status', reference]),
      stack.cliJson<Payment>(['status', reference]),
      stack.cli(['balance', userId]),
      stack.cliJson<{ availableCents: number; movements: Array<{ code: string }> }>(['balance', userId]),
    ]);
    const status = ok(statusHuman).stdout;
    expect(status).toContain(`cash-in ${reference}: SETTLED`);
    expect(status).toMatch(/Amount +R\$ 30,00/);
    expect(status).toMatch(/Ledger +credited/);
    expect(status.split('Timeline\n')[1]?.match(/ (CREATING|AWAITING_PAYMENT|PAID|SETTLED)$/gm)).toEqual([
      ' CREATING',
      ' AWAITING_PAYMENT',
      ' PAID',
      ' SETTLED',
    ]);
    expect(statusJson.json).toMatchObject({ kind: 'CASH_IN', state: 'SETTLED', amountCents: 30_00, userId });
    // `pix status <ref> | head -1`: the reader leaves early; like any Unix tool, pix stops quietly.
    for (const args of [['status', reference], ['--help']]) {
      const piped = await runNodeWithStdoutClosed('client/cli/main.js', args, stack.processEnv);
      expect([piped.code, piped.stderr], args.join(' ')).toEqual([0, '']);
    }
    expect(ok(balanceHuman).stdout).toMatch(/Available +R\$ 30,00/);
    expect(balance.json.availableCents).toBe(30_00);
    expect(balance.json.movements.map((m) => m.code)).toEqual(['CASH_IN']);

    await eventually(async () => {
      const page = await stack.payments.listPayments({ userId, status: 'SETTLED' });
      return page.payments.length === 1 ? true : undefined;
    });
    const table = ok(
      await stack.cli(['list', '--user', userId, '--kind', 'cash-in', '--status', 'settled']),
    ).stdout;
    expect(table.split('\n')[0]).toMatch(/^STARTED +KIND +REFERENCE +USER +AMOUNT +STATUS +TEMPORAL$/);
    expect(table).toMatch(new RegExp(`cash-in +${reference} +${userId} +R\\$ 30,00 +SETTLED +RUNNING`));
    const listed = await stack.cliJson<{ payments: Array<{ reference: string }> }>([
      'list',
      '--user',
      userId,
      '--since',
      '1h',
    ]);
    expect(listed.json.payments.map((p) => p.reference)).toEqual([reference]);

    const refund = ok(await stack.cli(['refund', reference, '--reason', 'CUSTOMER_REQUEST']));
    expect(refund.stdout).toMatch(/accepted by the PSP \(endToEndId D\w+\)/);
    const refunded = await stack.cliJson<Payment>([
      'wait',
      reference,
      '--until',
      'refunded',
      '--timeout',
      '20s',
    ]);
    expect(refunded.json).toMatchObject({ state: 'REFUNDED', ledger: { credited: true, reversed: true } });

    const exposure = await stack.cliJson<{ exposureCents: number }>(['exposure']);
    expect(exposure.json.exposureCents).toBe(await stack.payments.ledger.exposure());
    expect(ok(await stack.cli(['exposure'])).stdout).toMatch(/^Exposure .*: R\$ [\d.]+,\d\d\n$/);
  });

  it('cash-out to an inferred PIX key and to a bank account; sandbox complete, fail and a late return', async () => {
    const userId = await fundedUser(100_00);
    const toKey = stack.env.unique('co');
    const started = ok(
      await stack.cli([
        'cash-out',
        '--user',
        userId,
        '--amount',
        '30',
        ...payee,
        '--pix-key',
        '(11) 98765-4321',
        '--ref',
        toKey,
      ]),
    );
    expect(started.stdout).toContain(`Cash-out ${toKey} started`);
    expect(started.stdout).toMatch(/State +(SENDING|PROCESSING)\n/);
    expect(started.stdout).toContain(`${FAKE_WEB_UI}/namespaces/default/workflows/cash-out:${toKey}`);
    ok(await stack.cli(['wait', toKey, '--until', 'PROCESSING', '--timeout', '20s']));
    const [sent] = (await stack.env.pspTransactions(toKey)).cashOuts;
    expect(sent.payee.destination).toEqual({ type: 'PIX', pixKeyType: 'PHONE', pixKey: '+5511987654321' });
    ok(await stack.cli(['sandbox', 'complete', toKey]));
    expect((await stack.cliJson<Payment>(['wait', toKey, '--timeout', '20s'])).json.state).toBe('SETTLED');

    const toAccount = stack.env.unique('co');
    const account = await stack.cliJson<{ workflowId: string }>([
      'cash-out',
      ...[
        '--user',
        userId,
        '--amount',
        '20.00',
        ...payee,
        '--bank-account',
        '00000000/0001/123456/checking',
        '--ref',
        toAccount,
      ],
    ]);
    expect(account.json.workflowId).toBe(`cash-out:${toAccount}`);
    ok(await stack.cli(['wait', toAccount, '--until', 'PROCESSING', '--timeout', '20s']));
    const [sentToAccount] = (await stack.env.pspTransactions(toAccount)).cashOuts;
    expect(sentToAccount.payee.destination.bankAccount).toEqual({
      ispb: '00000000',
      branch: '0001',
      account: '123456',
      accountType: 'CHECKING',
    });
    const failed = await stack.cliJson<{ status: string; failure: { code: string } }>([
      ...['sandbox', 'fail', toAccount, '--code', 'INVALID_ACCOUNT'],
    ]);
    expect(failed.json).toMatchObject({ status: 'FAILED', failure: { code: 'INVALID_ACCOUNT' } });
    const given = await stack.cliJson<Payment>(['wait', toAccount, '--timeout', '20s']);
    expect(given.json).toMatchObject({ state: 'REFUNDED', failure: { code: 'INVALID_ACCOUNT' } });

    expect(ok(await stack.cli(['sandbox', 'return', toKey])).stdout).toContain('is now REFUNDED at the PSP');
    const returned = ok(await stack.cli(['wait', toKey, '--until', 'REFUNDED', '--timeout', '20s'])).stdout;
    expect(returned).toMatch(/Ledger +held, posted, returned/);
    expect((await stack.payments.ledger.balance(userId)).availableCents).toBe(100_00);
  });

  it('review list and review resolve: a payment in NEEDS_REVIEW, the operator decision recorded; bad or contradicted decisions refused', async () => {
    const userId = await fundedUser(50_00);
    await stack.env.psp.control('POST', '/faults', {
      kind: 'refuse',
      status: 422,
      code: 'NIGHT_LIMIT_EXCEEDED',
      method: 'POST',
      path: '/cash-out',
      rate: 1,
    });
    try {
      const reference = stack.env.unique('review');
      ok(
        await stack.cli([
          ...['cash-out', '--user', userId, '--amount', '20', ...payee, '--pix-key', PAYEE_PIX_KEY],
          ...['--ref', reference],
        ]),
      );
      ok(await stack.cli(['wait', reference, '--until', 'NEEDS_REVIEW', '--timeout', '20s']));
      const listed = await eventually(async () => {
        const page = await stack.cliJson<{ payments: Array<{ reference: string; status: string }> }>([
          ...['review', 'list', '--user', userId],
        ]);
        return page.json.payments.length > 0 ? page.json : undefined;
      });
      expect(listed.payments).toMatchObject([{ reference, status: 'NEEDS_REVIEW' }]);
      expect(ok(await stack.cli(['status', reference])).stdout).toMatch(
        /Review +SEND: POST \/cash-out: NIGHT_LIMIT_EXCEEDED, since /,
      );

      expect(
        humanError(await stack.cli(['review', 'resolve', reference, '--reason', 'checked']), 2),
      ).toContain('--sent / --not-sent');
      expect(humanError(await stack.cli(['review', 'resolve', reference, '--not-sent']), 2)).toContain(
        '--reason',
      );
      // SENT needs the PSP's id of a cash-out it never learnt: refused by the workflow (exit 6).
      expect(
        humanError(
          await stack.cli(['review', 'resolve', reference, '--sent', '--reason', 'paid by phone']),
          6,
        ),
      ).toContain('pspTransactionId');

      const resolved = ok(
        await stack.cli([
          ...['review', 'resolve', reference, '--not-sent', '--reason', 'PSP refused it: night limit'],
          ...['--by', 'ops@example.com'],
        ]),
      ).stdout;
      expect(resolved).toMatch(/resolved NOT_SENT by ops@example\.com at .*: PSP refused it: night limit/);
      const failed = await stack.cliJson<Payment>(['wait', reference, '--timeout', '20s']);
      expect(failed.json).toMatchObject({ state: 'FAILED', failure: { code: 'NOT_SENT' } });
      expect(
        humanError(await stack.cli(['review', 'resolve', reference, '--not-sent', '--reason', 'again']), 6),
      ).toContain('not NEEDS_REVIEW');
    } finally {
      await stack.env.psp.control('DELETE', '/faults');
    }
  });

  it('rebalance ensure, pause, resume, trigger and status', async () => {
    expect(ok(await stack.cli(['rebalance', 'ensure'])).stdout).toMatch(
      /^Created\nSchedule +rebalance:\S+: ACTIVE/,
    );
    expect(ok(await stack.cli(['rebalance', 'pause', '--note', 'maintenance'])).stdout).toMatch(
      /Schedule +rebalance:\S+: PAUSED\nNote +maintenance/,
    );
    const resumed = await stack.cliJson<{ paused: boolean }>(['rebalance', 'resume']);
    expect(resumed.json.paused).toBe(false);
    const run = await stack.cliJson<{ sources: string[]; exposureCents: number; outcome: string }>([
      ...['rebalance', 'trigger', '--force'],
    ]);
    expect(run.json.sources).toEqual(['MANUAL']);
    expect(run.json.exposureCents).toBe(await stack.payments.ledger.exposure());
    const status = ok(await stack.cli(['rebalance', 'status'])).stdout;
    expect(status).toMatch(/Schedule +rebalance:\S+: ACTIVE/);
    expect(status).toMatch(/^RUN +FINISHED +SOURCES +OUTCOME/m);
    expect(status).toMatch(new RegExp(`^1 +\\S+ \\S+ +MANUAL +${run.json.outcome}`, 'm'));
    ok(await stack.cli(['rebalance', 'pause']));
  });

  it('bet and win move a wallet; a bet beyond the balance is refused (exit 6)', async () => {
    const userId = await fundedUser(20_00);
    expect(ok(await stack.cli(['bet', '--user', userId, '--amount', '5'])).stdout).toMatch(
      /available R\$ 15,00$/m,
    );
    const win = await stack.cliJson<{ balance: { availableCents: number } }>([
      'win',
      '--user',
      userId,
      '--amount',
      '7.5',
    ]);
    expect(win.json.balance.availableCents).toBe(22_50);
    const refused = await stack.cliJson<ErrorDocument>(['bet', '--user', userId, '--amount', '100']);
    expect(refused.code).toBe(6);
    expect(refused.json.error.code).toBe('REJECTED');
  });

  describe('errors: one line naming the field and the rule, and the exit code', () => {
    it('invalid CPF, bad amount format and invalid PIX key (exit 2)', async () => {
      const cpf = [
        'cash-in',
        '--user',
        'u1',
        '--amount',
        '10',
        '--payer-name',
        'Ana',
        '--payer-document',
        '123.456.789-00',
      ];
      const amount = [
        'cash-out',
        '--user',
        'u1',
        '--amount',
        '10.999',
        ...payee,
        '--pix-key',
        'bruno@example.com',
      ];
      const key = ['cash-out', '--user', 'u1', '--amount', '10', ...payee, '--pix-key', '12345'];
      const [cpfHuman, cpfJson, amountHuman, amountJson, keyHuman, keyJson] = await Promise.all([
        stack.cli(cpf),
        stack.cliJson<ErrorDocument>(cpf),
        stack.cli(amount),
        stack.cliJson<ErrorDocument>(amount),
        stack.cli(key),
        stack.cliJson<ErrorDocument>(key),
      ]);

      expect(humanError(cpfHuman, 2)).toBe(
        'error: invalid input: --payer-document has wrong CPF check digits',
      );
      expect(cpfJson.code).toBe(2);
      expect(cpfJson.json.error).toMatchObject({
        code: 'INVALID_INPUT',
        exitCode: 2,
        problems: [
          { field: 'payer.document', option: '--payer-document', rule: 'has wrong CPF check digits' },
        ],
      });

      const amountRule = 'must be a positive number with at most 2 decimals, e.g. 25.00';
      expect(humanError(amountHuman, 2)).toBe(`error: invalid input: --amount ${amountRule}`);
      expect(amountJson.json.error.problems).toEqual([
        { field: 'amountCents', option: '--amount', rule: amountRule },
      ]);

      expect(humanError(keyHuman, 2)).toMatch(
        /^error: invalid input: --pix-key must be a PIX key: CPF, CNPJ/,
      );
      expect(keyJson.json.error.problems).toEqual([
        { field: 'payee.pixKey', option: '--pix-key', rule: expect.any(String) },
      ]);
    });

    it('unknown reference (exit 3)', async () => {
      expect(humanError(await stack.cli(['status', 'no-such-ref']), 3)).toBe(
        'error: no payment with reference "no-such-ref"',
      );
      const json = await stack.cliJson<ErrorDocument>(['refund', 'no-such-ref']);
      expect(json.code).toBe(3);
      expect(json.json.error).toMatchObject({ code: 'NOT_FOUND', exitCode: 3 });
      expect(humanError(await stack.cli(['sandbox', 'pay', 'no-such-ref']), 3)).toContain('no-such-ref');
    });

    it('Temporal down (exit 4); the ledger commands still work', async () => {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'pix-down-'));
      try {
        const port = await freePort();
        writeFileSync(
          path.join(dataDir, 'stack.json'),
          JSON.stringify({
            processes: [{ name: 'temporal', address: `127.0.0.1:${port}` }, stack.env.wallet.stackEntry()],
          }),
        );
        const env = { DATA_DIR: dataDir };
        const args = ['status', 'some-ref', '--connect-timeout', '500ms'];
        expect(humanError(await stack.cli(args, env), 4)).toMatch(
          new RegExp(`^error: Temporal is unreachable at 127\\.0\\.0\\.1:${port}: `),
        );
        const json = await stack.cliJson<ErrorDocument>(args, env);
        expect(json.code).toBe(4);
        expect(json.json.error).toMatchObject({ code: 'UNREACHABLE', service: 'Temporal', exitCode: 4 });

        const userId = stack.env.unique('player');
        ok(await stack.cli(['win', '--user', userId, '--amount', '5'], env));
        ok(await stack.cli(['bet', '--user', userId, '--amount', '2'], env));
        const balance = await stack.cliJson<{ availableCents: number }>(['balance', userId], env);
        expect([balance.code, balance.json.availableCents]).toEqual([0, 3_00]);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    });

    it('wait timeout (exit 5), refund of an unsettled cash-in (exit 6), sandbox with a real PSP and usage errors (exit 2)', async () => {
      const reference = stack.env.unique('ci');
      ok(
        await stack.cli([
          'cash-in',
          '--json',
          '--user',
          'u2',
          '--amount',
          '10',
          ...payer,
          '--ref',
          reference,
        ]),
      );
      const timedOut = await stack.cli(['wait', reference, '--timeout', '1s']);
      expect(timedOut.code).toBe(5);
      expect(timedOut.stdout).toMatch(new RegExp(`^\\S+ \\S+ {2}${reference} {2}AWAITING_PAYMENT\n$`)); // progress
      expect(timedOut.stderr).toBe(
        `error: ${reference} did not reach a terminal state within 1s (last status AWAITING_PAYMENT)\n`,
      );
      expect(
        (await stack.cliJson<ErrorDocument>(['wait', reference, '--timeout', '1s'])).json.error.code,
      ).toBe('TIMEOUT');

      expect(humanError(await stack.cli(['refund', reference]), 6)).toContain(
        'only a SETTLED cash-in can be refunded',
      );

      const realPsp = {
        CONNECTPSP_BASE_URL: 'https://api.homologacao.connectpsp.com',
        CONNECTPSP_CLIENT_ID: '1',
        CONNECTPSP_CLIENT_SECRET: 'secret',
        CONNECTPSP_APPLICATION_TOKEN: 'token',
        CONNECTPSP_CRYPTO_TOKEN: 'crypto',
      };
      expect(humanError(await stack.cli(['sandbox', 'pay', reference], realPsp), 2)).toBe(
        'error: CONNECTPSP_BASE_URL is set: the PSP is a real ConnectPSP, which has no sandbox control API',
      );
      expect(
        (await stack.cliJson<ErrorDocument>(['sandbox', 'pay', reference], realPsp)).json.error.code,
      ).toBe('SANDBOX_NOT_IN_USE');

      expect(humanError(await stack.cli(['cash-in', '--user', 'u2']), 2)).toBe(
        "error: required option '--amount <reais>' not specified",
      );
    });
  });
});
