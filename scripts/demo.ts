/**
 * `npm run demo`: the first run of the whole system, against the local stack `npm start` runs
 * (found through DATA_DIR/stack.json). Three users go through cash-ins (the sandbox plays the
 * payer), bets and wins on the ledger, cash-outs (one failed by the PSP), a late return and a
 * rebalance; each step is printed, then the final balances. Everything stays in the Web UI.
 */

import { describeError } from '../client/cli/exit-codes';
import { formatTable } from '../client/cli/output';
import { connectPaymentsClient } from '../client/connect';
import { SandboxNotInUseError } from '../client/errors';
import type { Payment, PaymentsClient } from '../client/payments-client';
import { formatBrl } from '../domain/money';
import { loadDotEnv } from '../runtime/config';

export interface DemoUser {
  /** Short name, in user ids and references. */
  key: string;
  name: string;
  userId: string;
  document: string;
  cashInCents: number;
  betCents: number;
  winCents: number;
  cashOut: {
    cents: number;
    destination: { pixKey: string } | { bankAccount: BankAccount };
    label: string;
    /** The PSP fails it (sandbox fail): the hold is released. */
    pspFails?: boolean;
    /** Completed, then sent back by the payee's bank (sandbox return): credited again. */
    returnedLater?: boolean;
  };
}
type BankAccount = { ispb: string; branch: string; account: string; accountType: 'CHECKING' };

const WAIT_MS = 60_000;

export function demoUsers(run: string): DemoUser[] {
  return [
    {
      key: 'ana',
      name: 'Ana Souza',
      userId: `ana-${run}`,
      document: '52998224725',
      cashInCents: 100_00,
      betCents: 30_00,
      winCents: 0,
      cashOut: {
        cents: 40_00,
        destination: { pixKey: 'Ana.Souza@Example.com' },
        label: 'PIX key Ana.Souza@Example.com',
      },
    },
    {
      key: 'bruno',
      name: 'Bruno Lima',
      userId: `bruno-${run}`,
      document: '11144477735',
      cashInCents: 50_00,
      betCents: 20_00,
      winCents: 45_00,
      cashOut: {
        cents: 60_00,
        destination: { pixKey: '(11) 98765-4321' },
        label: 'PIX key (11) 98765-4321',
        pspFails: true,
      },
    },
    {
      key: 'carla',
      name: 'Carla Dias',
      userId: `carla-${run}`,
      document: '11222333000181',
      cashInCents: 80_00,
      betCents: 10_00,
      winCents: 0,
      cashOut: {
        cents: 50_00,
        destination: {
          bankAccount: { ispb: '00000000', branch: '0001', account: '123456', accountType: 'CHECKING' },
        },
        label: 'bank account 00000000/0001/123456',
        returnedLater: true,
      },
    },
  ];
}

/** Available balance of each demo user once the demo is over (what the test asserts). */
export function expectedFinalBalances(run: string): Record<string, number> {
  return Object.fromEntries(
    demoUsers(run).map(({ userId, cashInCents, betCents, winCents, cashOut }) => {
      const cashedOut = cashOut.pspFails || cashOut.returnedLater ? 0 : cashOut.cents;
      return [userId, cashInCents - betCents + winCents - cashedOut];
    }),
  );
}

export async function runDemo(
  payments: PaymentsClient,
  run: string,
  print: (...lines: string[]) => void,
): Promise<void> {
  const sandbox = payments.sandbox;
  const ledger = payments.ledger;
  const users = demoUsers(run);
  const width = Math.max(...users.map((u) => u.userId.length));
  const who = (user: DemoUser) => user.userId.padEnd(width);
  const waitFor = (reference: string, until?: string[]) =>
    payments.waitForOutcome(reference, {
      timeoutMs: WAIT_MS,
      pollIntervalMs: 250,
      ...(until ? { until } : {}),
    });

  print('1. Cash-ins: each user gets a PIX QR code; the sandbox plays the payer');
  for (const user of users) {
    const reference = `demo-${run}-${user.key}-in`;
    const charge = await payments.startCashIn({
      reference,
      userId: user.userId,
      amountCents: user.cashInCents,
      payer: { name: user.name, document: user.document },
    });
    await sandbox.payCashIn(reference);
    const settled = await waitFor(reference);
    const qr = `${charge.copyAndPaste.slice(0, 20)}...`;
    print(
      `   ${who(user)}  ${formatBrl(user.cashInCents).padStart(10)}  QR ${qr}  paid → ${settled.state}, wallet credited`,
    );
  }

  print('', '2. Bets and wins, straight on the wallet');
  for (const user of users) {
    await ledger.recordBet({
      userId: user.userId,
      amountCents: user.betCents,
      id: `demo-${run}-bet-${user.userId}`,
    });
    let line = `   ${who(user)}  bets ${formatBrl(user.betCents)}`;
    if (user.winCents > 0) {
      await ledger.recordWin({
        userId: user.userId,
        amountCents: user.winCents,
        id: `demo-${run}-win-${user.userId}`,
      });
      line += `, wins ${formatBrl(user.winCents)}`;
    }
    const balance = await ledger.balance(user.userId);
    print(`${line}  → available ${formatBrl(balance.availableCents)}`);
  }

  print(
    '',
    '3. Cash-outs: hold on the wallet → PIX → the PSP completes it, or fails it and the hold is released',
  );
  const cashOutRefs = new Map<string, string>();
  for (const user of users) {
    const reference = `demo-${run}-${user.key}-out`;
    cashOutRefs.set(user.userId, reference);
    await payments.startCashOut({
      reference,
      userId: user.userId,
      amountCents: user.cashOut.cents,
      payee: { name: user.name, document: user.document, ...user.cashOut.destination },
    });
    await waitFor(reference, ['PROCESSING', 'REFUNDED', 'FAILED']);
    if (user.cashOut.pspFails) await sandbox.failCashOut(reference, { code: 'PIX_KEY_NOT_FOUND' });
    else await sandbox.completeCashOut(reference);
    const outcome = await waitFor(reference);
    print(
      `   ${who(user)}  ${formatBrl(user.cashOut.cents)} to ${user.cashOut.label} → ${describeOutcome(outcome)}`,
    );
  }

  print('', "4. A late return: the payee's bank sends a completed cash-out back, days later in real life");
  for (const user of users.filter((u) => u.cashOut.returnedLater)) {
    const reference = cashOutRefs.get(user.userId) as string;
    await sandbox.returnCashOut(reference);
    const returned = await waitFor(reference, ['REFUNDED']);
    print(`   ${who(user)}  ${reference} → ${describeOutcome(returned)}, wallet credited again`);
  }

  print('', '5. Rebalance: move money so the PSP transactional balance covers what users are owed');
  const rebalance = await payments.rebalance.trigger({ force: true, timeoutMs: WAIT_MS });
  print(
    `   run ${rebalance.run}: ${rebalance.outcome}; exposure ${formatBrl(rebalance.exposureCents)}, ` +
      `PSP transactional ${formatBrl(rebalance.beforeCents)} → ${formatBrl(rebalance.afterCents)}` +
      (rebalance.failure ? ` (${rebalance.failure.code}: ${rebalance.failure.message})` : ''),
  );

  print('', 'Final balances');
  const rows: string[][] = [];
  for (const user of users) {
    const balance = await ledger.balance(user.userId);
    rows.push([user.userId, formatBrl(balance.availableCents), formatBrl(balance.pendingDebitCents)]);
  }
  print(
    ...formatTable(['USER', 'AVAILABLE', 'HELD'], rows)
      .split('\n')
      .map((line) => `   ${line}`),
  );
  const list = payments.workflowListUrl(`UserId IN (${users.map((u) => `'${u.userId}'`).join(', ')})`);
  if (list) print('', `Every workflow of this run in the Web UI: ${list}`);
  print(
    '',
    'Try next:',
    `   npm run cli -- status ${cashOutRefs.get(users[2]?.userId ?? '')}`,
    `   npm run cli -- list --user ${users[1]?.userId}`,
    `   npm run cli -- balance ${users[0]?.userId}`,
  );
}

function describeOutcome(payment: Payment): string {
  return payment.failure ? `${payment.state} (${payment.failure.code})` : payment.state;
}

async function main(): Promise<number> {
  loadDotEnv();
  const run = Date.now().toString(36);
  let payments: PaymentsClient | undefined;
  try {
    // Short reconciliation so the demo never waits long for a webhook the local stack may not deliver.
    payments = await connectPaymentsClient({
      settings: {
        cashInReconcileIntervalSeconds: 2,
        cashOutReconcileIntervalSeconds: 2,
        lateEventReconcileHours: 2 / 3600,
      },
    });
    process.stdout.write(
      `PIX payments demo, run ${run}: Temporal ${payments.temporalAddress}, namespace ${payments.namespace}, task queue ${payments.settings.taskQueue}\n\n`,
    );
    await runDemo(payments, run, (...lines: string[]) => process.stdout.write(`${lines.join('\n')}\n`));
    return 0;
  } catch (err) {
    const described = describeError(err);
    const hint =
      described.code === 'UNREACHABLE'
        ? '\nIs the stack running? Start it with `npm start` in another terminal.'
        : err instanceof SandboxNotInUseError
          ? '\nThe demo plays the payer and the banks through the local sandbox.'
          : '';
    process.stderr.write(`demo failed: ${described.message}${hint}\n`);
    return described.exitCode;
  } finally {
    await payments?.close();
  }
}

if (require.main === module) {
  main().then((code) => {
    process.exitCode = code;
  });
}
