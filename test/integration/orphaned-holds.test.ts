/**
 * Issue 16, "termination leaves a trail": a cash-out terminated while its hold is placed leaves
 * money held that nothing will post or void. `pix review list` finds it; `pix review resolve-hold`
 * settles it from the PSP's own record, through the worker: posted when the PSP completed it,
 * voided when the PSP failed it or the lifecycle provably never asked, refused otherwise.
 */
import { Context } from '@temporalio/activity';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { ConnectPspClient } from '../../connectpsp/client';
import type { OrphanedHold } from '../../domain/holds';
import { type OrphanedHoldOutcome, orphanedHoldWorkflowId } from '../../operations/messages';
import { SANDBOX_CREDENTIALS } from '../../runtime/config';
import { lateEventDoor, refundAfterClose } from '../../runtime/late-event-door';
import { lifecycleFacts, orphanedAmong } from '../../runtime/lifecycle-facts';
import { rebalanceRequester } from '../../runtime/rebalance-door';
import type { CashInStatus, CashOutStatus } from '../../workflows/messages';
import { lateEventWorkflowId } from '../../workflows/workflow-ids';
import { eventually, useCliStack } from '../helpers/cli-stack';
import { type LifecycleEnv, startLifecycleEnv } from '../helpers/lifecycle-env';
import type { RunResult } from '../helpers/processes';
import { createTestWorker } from '../helpers/temporal';

describe('a cash-out terminated with its hold placed', () => {
  const stack = useCliStack();
  const exitCode = (result: RunResult, code: number) => {
    expect(result.code, `stdout: ${result.stdout}\nstderr: ${result.stderr}`).toBe(code);
    return result;
  };

  async function terminatedWhileProcessing() {
    const input = stack.env.cashOutInput({ amountCents: 20_00, reconcileIntervalSeconds: 3_600 });
    await stack.env.fundUser(input.userId, 50_00);
    const handle = await stack.env.startCashOut(input);
    await stack.env.waitForState<CashOutStatus>(handle, 'PROCESSING', 30_000);
    await handle.terminate('test: an operator pressed Terminate in the Web UI');
    return { input, hold: `cash-out:${input.reference}:hold` };
  }

  const orphansOf = async (userId: string) =>
    (await stack.cliJson<{ orphanedHolds: OrphanedHold[] }>(['review', 'list', '--user', userId])).json
      .orphanedHolds;

  it('is listed; resolving it waits for the PSP, then posts the hold once the PSP completed the PIX', async () => {
    const { input, hold } = await terminatedWhileProcessing();
    const [orphan] = await eventually(async () => {
      const found = await orphansOf(input.userId);
      return found.length > 0 ? found : undefined;
    });
    expect(orphan).toMatchObject({
      transferId: hold,
      kind: 'CASH_OUT',
      reference: input.reference,
      userId: input.userId,
      amountCents: 20_00,
      lifecycleStatus: 'TERMINATED',
    });
    const human = exitCode(await stack.cli(['review', 'list', '--user', input.userId]), 0).stdout;
    expect(human).toContain('Orphaned holds');
    expect(human).toMatch(
      new RegExp(`${hold} +${input.userId} +R\\$ 20,00 +cash-out:${input.reference} TERMINATED`),
    );

    expect(exitCode(await stack.cli(['review', 'resolve-hold', hold]), 2).stderr).toContain('--reason');
    // The PIX is still processing at the PSP: nothing can be proven yet, the money stays held.
    const early = exitCode(
      await stack.cli(['review', 'resolve-hold', hold, '--reason', 'stuck after terminate']),
      6,
    );
    expect(early.stderr).toContain('the PSP says PROCESSING');
    expect(await stack.payments.ledger.balance(input.userId)).toMatchObject({ pendingDebitCents: 20_00 });

    await stack.env.psp.control('POST', `/cash-out/${input.reference}/complete`);
    const resolved = exitCode(
      await stack.cli([
        'review',
        'resolve-hold',
        hold,
        '--reason',
        'stuck after terminate',
        '--by',
        'ops@example.com',
      ]),
      0,
    ).stdout;
    expect(resolved).toContain(`Hold ${hold} of R$ 20,00: posted`);
    expect(resolved).toContain('by ops@example.com: stuck after terminate');
    expect(await stack.payments.ledger.balance(input.userId)).toMatchObject({
      postedCents: 30_00,
      pendingDebitCents: 0,
    });
    expect(await orphansOf(input.userId)).toEqual([]);
    // Asked again: the hold is no longer open, nothing moves.
    expect(
      exitCode(await stack.cli(['review', 'resolve-hold', hold, '--reason', 'again']), 6).stderr,
    ).toContain('no such hold is open');
  });

  it('gives the money back when the PSP failed the PIX', async () => {
    const { input, hold } = await terminatedWhileProcessing();
    await stack.env.psp.control('POST', `/cash-out/${input.reference}/fail`);
    const outcome = await stack.cliJson<OrphanedHoldOutcome>([
      ...['review', 'resolve-hold', hold, '--reason', 'PSP says failed'],
    ]);
    expect(outcome.json).toMatchObject({ decision: 'VOIDED', pspStatus: 'FAILED' });
    expect(await stack.payments.ledger.balance(input.userId)).toMatchObject({
      availableCents: 50_00,
      pendingDebitCents: 0,
    });
  });

  it('a refund asked after its cash-in closed: the hold its late-event run placed is not orphaned while that run works', async () => {
    const input = stack.env.cashInInput({ closeGraceSeconds: 1 });
    const { handle, charge } = await stack.env.startCashIn(input);
    await stack.env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`);
    await handle.result();
    // The PSP takes its time answering the refund: the late-event run waits with the hold placed.
    await stack.env.psp.control('POST', '/faults', {
      kind: 'latency',
      latencyMs: 8_000,
      method: 'POST',
      path: `/cash-in/${charge.transactionId}/refund`,
      rate: 1,
    });
    try {
      const refund = refundAfterClose(stack.env.client, stack.env.taskQueue, input.reference, {
        reason: 'CUSTOMER_REQUEST',
      });
      await eventually(async () =>
        (await stack.env.wallet.balance(input.userId)).pendingDebitCents > 0 ? true : undefined,
      );
      expect(await orphansOf(input.userId)).toEqual([]);
      const hold = `cash-in:${input.reference}:refund-hold`;
      expect(
        exitCode(await stack.cli(['review', 'resolve-hold', hold, '--reason', 'x']), 6).stderr,
      ).toContain('is running and resolves it itself');
      await refund;
      const lateRun = stack.env.client.workflow.getHandle(lateEventWorkflowId('CASH_IN', input.reference));
      expect(((await lateRun.result()) as CashInStatus).state).toBe('REFUNDED');
    } finally {
      await stack.env.psp.control('DELETE', '/faults');
    }
  });

  it('refuses a hold whose lifecycle still runs, or a name that is no hold', async () => {
    const input = stack.env.cashOutInput({ reconcileIntervalSeconds: 3_600 });
    await stack.env.fundUser(input.userId, 50_00);
    const handle = await stack.env.startCashOut(input);
    await stack.env.waitForState<CashOutStatus>(handle, 'PROCESSING', 30_000);
    const hold = `cash-out:${input.reference}:hold`;
    expect(exitCode(await stack.cli(['review', 'resolve-hold', hold, '--reason', 'x']), 6).stderr).toContain(
      'is running and resolves it itself',
    );
    expect(await orphansOf(input.userId)).toEqual([]);
    expect(
      exitCode(
        await stack.cli(['review', 'resolve-hold', `cash-out:${input.reference}:post`, '--reason', 'x']),
        2,
      ).stderr,
    ).toContain('must be a hold id');
    await stack.env.psp.control('POST', `/cash-out/${input.reference}/complete`);
    await stack.env.waitForState<CashOutStatus>(handle, 'SETTLED', 30_000);
  });
});

/**
 * Whether the PSP was ever asked is read from the lifecycle's history: a worker whose hold never
 * returns (the lifecycle stops after placing it) and one whose send never returns (it stops after
 * asking the PSP, with no transaction id learnt).
 */
describe('a terminated cash-out the PSP was never asked about, or never named', () => {
  let env: LifecycleEnv;
  let worker: { instance: Worker; running: Promise<void> };
  /** References whose hold, or whose send, never answers. */
  const stuck = { hold: new Set<string>(), send: new Set<string>() };

  beforeAll(async () => {
    env = await startLifecycleEnv({ inProcessWorker: false });
    await env.setPspWallet({ transactional: 100_000, proprietary: 100_000 });
    const books = env.wallet.db.ledger;
    const activities = createActivities({
      psp: new ConnectPspClient({ baseUrl: env.sandbox.url, credentials: { ...SANDBOX_CREDENTIALS } }),
      wallet: env.wallet.port,
      requestRebalance: rebalanceRequester(env.client, env.taskQueue),
      lateEvents: lateEventDoor(env.client, env.taskQueue),
      operations: {
        books,
        orphanedAmong: (holds) =>
          orphanedAmong(env.client, holds, async (id) => (await books.findOpenHold(id)) !== null),
        lifecycleFacts: (workflowId) => lifecycleFacts(env.client, workflowId),
      },
    });
    const hangAfter =
      <A, R>(
        step: (input: A) => Promise<R>,
        stuckOnes: Set<string>,
        reference: (input: A) => string,
        run: boolean,
      ) =>
      async (input: A): Promise<R> => {
        if (!stuckOnes.has(reference(input))) return step(input);
        if (run) await step(input);
        // Never answers: the lifecycle waits here until it is terminated.
        return new Promise<R>((_, reject) =>
          Context.current().cancellationSignal.addEventListener('abort', () =>
            reject(new Error('cancelled')),
          ),
        );
      };
    const instance = await createTestWorker({
      taskQueue: env.taskQueue,
      activities: {
        ...activities,
        holdCashOut: hangAfter(activities.holdCashOut, stuck.hold, (i) => i.reference, true),
        createCashOut: hangAfter(activities.createCashOut, stuck.send, (i) => i.externalReference, false),
      },
    });
    worker = { instance, running: instance.run() };
  });
  afterAll(async () => {
    worker?.instance.shutdown();
    await worker?.running;
    await env?.close();
  });

  async function terminatedAfter(step: 'hold' | 'send') {
    const input = env.cashOutInput({ reconcileIntervalSeconds: 3_600 });
    await env.fundUser(input.userId, 50_00);
    stuck[step].add(input.reference);
    const handle = await env.startCashOut(input);
    const activity = step === 'hold' ? 'holdCashOut' : 'createCashOut';
    await env.waitUntil(`${activity} to be running`, async () =>
      ((await handle.describe()).raw.pendingActivities ?? []).some((a) => a.activityType?.name === activity),
    );
    if (step === 'hold') {
      await env.waitUntil(
        'the hold to be placed',
        async () => (await env.wallet.balance(input.userId)).pendingDebitCents > 0,
      );
    }
    await handle.terminate('test');
    return { input, hold: `cash-out:${input.reference}:hold` };
  }

  const resolve = (holdTransferId: string, pspTransactionId?: string): Promise<OrphanedHoldOutcome> =>
    env.client.workflow.execute('orphanedHoldWorkflow', {
      taskQueue: env.taskQueue,
      workflowId: `${orphanedHoldWorkflowId(holdTransferId)}:${Math.random()}`,
      args: [
        {
          holdTransferId,
          reason: 'test',
          resolvedBy: 'test',
          ...(pspTransactionId ? { pspTransactionId } : {}),
        },
      ],
    });

  it('voids the hold of a lifecycle that never asked the PSP', async () => {
    const { input, hold } = await terminatedAfter('hold');
    expect(await resolve(hold)).toMatchObject({
      decision: 'VOIDED',
      why: 'the lifecycle never asked the PSP',
    });
    expect(await env.wallet.balance(input.userId)).toMatchObject({
      availableCents: 50_00,
      pendingDebitCents: 0,
    });
    expect((await env.pspTransactions(input.reference)).cashOuts).toEqual([]);
  });

  it('keeps the hold of a lifecycle that asked the PSP but never learnt the transaction, and of a wrong id', async () => {
    const { input, hold } = await terminatedAfter('send');
    expect(await resolve(hold)).toMatchObject({
      decision: 'REFUSED',
      why: expect.stringContaining('the lifecycle may have asked the PSP'),
    });
    expect(await resolve(hold, 'no-such-transaction')).toMatchObject({
      decision: 'REFUSED',
      why: expect.stringContaining('could not show transaction no-such-transaction'),
    });
    expect(await env.wallet.balance(input.userId)).toMatchObject({ pendingDebitCents: input.amountCents });
  });
});
