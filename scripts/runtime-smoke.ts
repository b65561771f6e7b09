/**
 * `node dist/scripts/runtime-smoke.js`: proves the code on the Node.js that runs this script (CI runs
 * it on the machine's Node.js and on the image's, see .ci/run). It starts the whole local stack with
 * that Node.js (every project process is spawned with process.execPath), the worker in production
 * mode on the prebuilt workflow bundle as in the image, then moves a cash-in and a cash-out to
 * SETTLED through the webhook relay, and stops the stack. One line of figures; exit 1 on failure.
 */

import { existsSync, realpathSync } from 'node:fs';
import { request } from 'undici';
import { connectPaymentsClient } from '../client/connect';
import type { PaymentsClient } from '../client/payments-client';
import { workflowBundlePath } from '../worker/workflow-source';
import { startStackChild } from './stack-child';

const SETTLE_TIMEOUT_MS = 60_000;

/** Linux tells which executable a process runs; elsewhere, nothing to check. */
function runsThisNode(pid: number): boolean {
  const exe = `/proc/${pid}/exe`;
  return !existsSync(exe) || realpathSync(exe) === realpathSync(process.execPath);
}

async function deliveredWebhooks(relayUrl: string): Promise<number> {
  const response = await request(`${relayUrl}/metrics`);
  const text = await response.body.text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('relay_webhook_requests_total{outcome="delivered"}'));
  return Number(line?.split(' ')[1] ?? 0);
}

async function lifecycles(
  payments: PaymentsClient,
  run: string,
): Promise<{ cashInMs: number; cashOutMs: number }> {
  const userId = `smoke-${run}`;
  let started = Date.now();
  await payments.startCashIn({
    reference: `smoke-${run}-in`,
    userId,
    amountCents: 25_00,
    payer: { name: 'Ana Souza', document: '52998224725' },
  });
  await payments.sandbox.payCashIn(`smoke-${run}-in`);
  const cashIn = await payments.waitForOutcome(`smoke-${run}-in`, { timeoutMs: SETTLE_TIMEOUT_MS });
  if (cashIn.state !== 'SETTLED') throw new Error(`cash-in ended ${cashIn.state}, expected SETTLED`);
  const cashInMs = Date.now() - started;

  started = Date.now();
  await payments.startCashOut({
    reference: `smoke-${run}-out`,
    userId,
    amountCents: 10_00,
    payee: { name: 'Ana Souza', document: '52998224725', pixKey: 'ana.souza@example.com' },
  });
  await payments.waitForOutcome(`smoke-${run}-out`, { timeoutMs: SETTLE_TIMEOUT_MS, until: ['PROCESSING'] });
  await payments.sandbox.completeCashOut(`smoke-${run}-out`);
  const cashOut = await payments.waitForOutcome(`smoke-${run}-out`, { timeoutMs: SETTLE_TIMEOUT_MS });
  if (cashOut.state !== 'SETTLED') throw new Error(`cash-out ended ${cashOut.state}, expected SETTLED`);
  return { cashInMs, cashOutMs: Date.now() - started };
}

async function main(): Promise<void> {
  if (!existsSync(workflowBundlePath(false)))
    throw new Error(`${workflowBundlePath(false)} is missing; run 'npm run build'`);
  // Nothing but the relay's webhooks can settle a payment within the smoke test's minute.
  const stack = await startStackChild('pix-runtime-smoke');
  let payments: PaymentsClient | undefined;
  let stopped = false;
  let succeeded = false;
  try {
    for (const name of ['worker', 'relay', 'sandbox', 'ledger-db']) {
      if (!runsThisNode(stack.pid(name))) throw new Error(`${name} does not run on ${process.execPath}`);
    }
    const relayUrl = stack.url('relay');

    payments = await connectPaymentsClient({ env: stack.env, stackFile: stack.stackFile });
    const { cashInMs, cashOutMs } = await lifecycles(payments, Date.now().toString(36));
    const webhooks = await deliveredWebhooks(relayUrl);
    if (webhooks < 2)
      throw new Error(`the relay delivered ${webhooks} webhooks; expected the cash-in's and the cash-out's`);
    await payments.close();
    payments = undefined;

    stopped = true;
    const code = await stack.stop();
    if (code !== 0) throw new Error(`the launcher stopped with ${code}`);
    process.stdout.write(
      `runtime smoke on Node.js ${process.version}: stack up in ${(stack.upMs / 1000).toFixed(1)} s, ` +
        `cash-in SETTLED in ${(cashInMs / 1000).toFixed(1)} s, cash-out SETTLED in ${(cashOutMs / 1000).toFixed(1)} s, ` +
        `${webhooks} webhooks through the relay, stopped cleanly\n`,
    );
    succeeded = true;
  } finally {
    await payments?.close();
    if (!stopped) await stack.stop();
    if (!succeeded) process.stderr.write(stack.logTails());
    stack.remove();
  }
}

main().catch((err) => {
  process.stderr.write(`runtime smoke on Node.js ${process.version} failed: ${(err as Error).message}\n`);
  process.exit(1);
});
