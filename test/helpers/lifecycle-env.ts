/**
 * Everything a lifecycle integration test needs, wired the way production is: the sandbox over
 * HTTP (port 0) whose webhooks reach the real webhook relay (relay, port 0), which checks
 * the signature and signals the workflow; a fresh wallet (the built-in ledger or the reference
 * wallet service, see test-wallet.ts); and a worker with every activity on a task queue of its own.
 */
import {
  type Client,
  WithStartWorkflowOperation,
  type WorkflowHandle,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { Worker } from '@temporalio/worker';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { createActivities } from '../../activities';
import { ConnectPspClient } from '../../connectpsp/client';
import { reaisToCents } from '../../domain/money';
import { startRelay } from '../../relay/server';
import { parseConfig, SANDBOX_CREDENTIALS, workerShutdownGraceSeconds } from '../../runtime/config';
import { dataConverterFor } from '../../runtime/data-converter';
import { lateEventDoor } from '../../runtime/late-event-door';
import { lifecycleFacts, orphanedAmong } from '../../runtime/lifecycle-facts';
import { rebalanceRequester } from '../../runtime/rebalance-door';
import { type RunningSandbox, startSandbox } from '../../sandbox/server';
import type { CashInWorkflowInput, CashOutWorkflowInput } from '../../workflows/inputs';
import {
  type CashInCharge,
  type CashInStatus,
  type CashOutAccepted,
  type CashOutRequest,
  type CashOutStatus,
  cashInChargeUpdate,
  cashOutAcceptedUpdate,
  statusQuery,
  type WorkflowStatus,
} from '../../workflows/messages';
import { paymentStartOptions } from '../../workflows/start-options';
import { type Json, SandboxCaller } from './sandbox-kit';
import { connectTestClient, createTestWorker, uniqueTaskQueue } from './temporal';
import { startTestWallet, type TestWallet, type WalletBackend } from './test-wallet';

export const VALID_CPF = '52998224725';
export const PAYEE_PIX_KEY = 'payee@example.com';
/** The sandbox's partner banks (Celcoin, Delbank, Stark Bank). */
const PARTNER_BANK_ISPBS = ['13935893', '38224857', '20018183'];

export interface LifecycleEnv {
  client: Client;
  taskQueue: string;
  sandbox: RunningSandbox;
  psp: SandboxCaller;
  /** The wallet the activities use, either backend. */
  wallet: TestWallet;
  webhookUrl: string;
  /** Event types of one PSP transaction the relay acknowledged (200), in delivery order: the PSP's own log. */
  acknowledgedEvents(transactionId: string): Promise<string[]>;
  /**
   * Runs an in-process worker until `stopWorker` (started by default), with the env's data
   * converter or another one (e.g. a rotated keyring).
   */
  startWorker(options?: { dataConverter?: DataConverter }): Promise<void>;
  stopWorker(): Promise<void>;
  /** A unique reference/user id per test, so tests sharing the env never meet. */
  unique(prefix: string): string;
  cashInInput(overrides?: Partial<CashInWorkflowInput>): CashInWorkflowInput;
  cashOutInput(overrides?: Partial<CashOutWorkflowInput>): CashOutWorkflowInput;
  /** Update-with-start, as the client library does: returns the QR data with the handle. */
  startCashIn(input: CashInWorkflowInput): Promise<{ handle: WorkflowHandle; charge: CashInCharge }>;
  startCashOut(input: CashOutWorkflowInput): Promise<WorkflowHandleWithFirstExecutionRunId>;
  /**
   * Update-with-start of `cashOutAccepted`, as the client library starts a cash-out: answers once
   * the hold is placed. `request` (default the input itself) is what the caller asks for.
   */
  acceptCashOut(input: CashOutWorkflowInput, request?: CashOutRequest): Promise<CashOutAccepted>;
  /** Polls `probe` until it holds; fails after `timeoutMs`. */
  waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs?: number): Promise<void>;
  /** Polls the status query until `done` holds (bounded), returning that status. */
  waitForStatus<S extends WorkflowStatus>(
    handle: WorkflowHandle,
    done: (s: S) => boolean,
    timeoutMs?: number,
  ): Promise<S>;
  waitForState<S extends CashInStatus | CashOutStatus>(
    handle: WorkflowHandle,
    state: S['state'],
    timeoutMs?: number,
  ): Promise<S>;
  /** Sets the PSP account balances in reais (all in one partner bank, the others emptied). */
  setPspWallet(balances: { transactional: number; proprietary: number }): Promise<void>;
  /** Credits a wallet from the platform account (a win: no PSP money involved). */
  fundUser(userId: string, amountCents: number): Promise<void>;
  /** Debits a wallet to the platform account (a bet); refused when the available balance is short. */
  bet(userId: string, amountCents: number, id: string): Promise<void>;
  /** PSP records of one reference (GET /_sandbox/transactions). */
  pspTransactions(reference: string): Promise<{ cashIns: Json[]; cashOuts: Json[] }>;
  /**
   * The wallet agrees with the PSP's records, through the port and for either backend: each user's
   * posted balance is what the PSP settled for them plus the platform's own movements, what is
   * held is their cash-outs in flight, and the exposure adds up. The built-in ledger also checks
   * that its books balance and that its PSP settlement account mirrors the PSP.
   */
  expectLedgerMatchesPsp(): Promise<void>;
  close(): Promise<void>;
}

export interface LifecycleEnvOptions {
  /** false: the test runs its own worker (e.g. a separate process). */
  inProcessWorker?: boolean;
  /** PAYLOAD_ENCRYPTION_KEY for the client, the relay and the worker alike. */
  payloadEncryptionKey?: string;
  /** Which wallet the activities use (default the built-in ledger). */
  walletBackend?: WalletBackend;
  /**
   * false: payments or movements also come from outside the env (the CLI, the demo), so only
   * the users the env started payments for are checked, and the exposure is not compared.
   */
  tracksEveryUser?: boolean;
}

/**
 * The LifecycleEnv of a `describe` block: started before its first test, closed after its last,
 * and after EVERY test the ledger must balance and agree with the PSP (`expectLedgerMatchesPsp`),
 * so no lifecycle test can end with money out of place. Call it inside `describe`; use the env in
 * hooks and tests only. A test's own `afterEach` (clearing faults, releasing webhooks) runs before
 * the check: Vitest runs after-hooks in reverse order of registration.
 */
export function useLifecycleEnv(options: LifecycleEnvOptions = {}): LifecycleEnv {
  return useCheckedLifecycles(
    () => startLifecycleEnv(options),
    (env) => env,
  );
}

/**
 * The hooks of `useLifecycleEnv` for anything built on a LifecycleEnv (the CLI stack): `start` once
 * for the block, the ledger-matches-PSP check after each test, `close` at the end. Returns a view
 * of the started value that fails clearly when used before it was started.
 */
export function useCheckedLifecycles<T extends { close(): Promise<void> }>(
  start: () => Promise<T>,
  lifecycleEnvOf: (started: T) => LifecycleEnv,
): T {
  let started: T | undefined;
  beforeAll(async () => {
    started = await start();
  });
  afterEach(async () => {
    if (started) await lifecycleEnvOf(started).expectLedgerMatchesPsp();
  });
  afterAll(async () => {
    await started?.close();
  });
  return new Proxy({} as T, {
    get(_target, property) {
      if (!started) throw new Error('the lifecycle env is not started yet (use it in hooks and tests)');
      const member = Reflect.get(started, property);
      return typeof member === 'function' ? member.bind(started) : member;
    },
  });
}

export async function startLifecycleEnv(options: LifecycleEnvOptions = {}): Promise<LifecycleEnv> {
  const encryption = { PAYLOAD_ENCRYPTION_KEY: options.payloadEncryptionKey };
  const dataConverter = dataConverterFor(encryption);
  const client = await connectTestClient({ dataConverter });
  const taskQueue = uniqueTaskQueue('lifecycle');
  const relay = await startRelay({
    client,
    port: 0,
    host: '127.0.0.1',
    config: parseConfig({
      CONNECTPSP_MODE: 'sandbox',
      TEMPORAL_TASK_QUEUE: taskQueue,
      LOG_LEVEL: 'silent',
      ...encryption,
    }),
  });
  const webhookUrl = `${relay.url}/webhooks/connectpsp`;
  const sandbox = await startSandbox({
    port: 0,
    webhookRetryScheduleMs: [100, 200, 400, 800, 1600, 3200],
    webhookTimeoutMs: 2000,
  });
  const psp = new SandboxCaller(sandbox.url);
  const wallet = await startTestWallet(options.walletBackend ?? 'ledger');
  const pspClient = new ConnectPspClient({ baseUrl: sandbox.url, credentials: { ...SANDBOX_CREDENTIALS } });
  const books = wallet.backend === 'ledger' ? wallet.db.ledger : undefined;
  const activities = createActivities({
    psp: pspClient,
    wallet: wallet.port,
    requestRebalance: rebalanceRequester(client, taskQueue),
    lateEvents: lateEventDoor(client, taskQueue),
    // The operators' workflows (operations/), wired as worker/main.ts wires them.
    operations: {
      ...(books ? { books } : {}),
      orphanedAmong: (holds) =>
        orphanedAmong(client, holds, async (id) => (await books?.findOpenHold(id)) != null),
      lifecycleFacts: (workflowId) => lifecycleFacts(client, workflowId),
    },
  });

  let worker: { instance: Worker; running: Promise<void> } | undefined;
  const startWorker = async (workerOptions: { dataConverter?: DataConverter } = {}) => {
    if (worker) return;
    const instance = await createTestWorker({
      taskQueue,
      activities,
      // As in production: a stop lets PSP calls in flight finish rather than cutting them in half.
      shutdownGraceTime: `${workerShutdownGraceSeconds(parseConfig({}))}s`,
      dataConverter: workerOptions.dataConverter ?? dataConverter,
    });
    worker = { instance, running: instance.run() };
  };
  const stopWorker = async () => {
    if (!worker) return;
    const { instance, running } = worker;
    worker = undefined;
    instance.shutdown();
    await running;
  };
  if (options.inProcessWorker !== false) await startWorker();

  // What the env started, so the wallet can be checked user by user against the PSP's records.
  const userOfReference = new Map<string, string>();
  const platformNet = new Map<string, number>();
  const addPlatform = (userId: string, cents: number) =>
    platformNet.set(userId, (platformNet.get(userId) ?? 0) + cents);

  let counter = 0;
  const runId = Math.random().toString(36).slice(2, 8);
  const unique = (prefix: string) => `${prefix}-${runId}-${++counter}`;

  const waitForStatus = async <S extends WorkflowStatus>(
    handle: WorkflowHandle,
    done: (s: S) => boolean,
    timeoutMs = 20_000,
  ): Promise<S> => {
    const deadline = Date.now() + timeoutMs;
    let last: S | undefined;
    for (;;) {
      last = (await handle.query(statusQuery)) as S;
      if (done(last)) return last;
      if (Date.now() > deadline) {
        throw new Error(
          `${handle.workflowId} did not reach the expected status: ${JSON.stringify(last, briefly)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  return {
    client,
    taskQueue,
    sandbox,
    psp,
    wallet,
    webhookUrl,
    async acknowledgedEvents(transactionId) {
      const { deliveries } = (await psp.control('GET', '/webhooks')).body as {
        deliveries: Array<{ eventType: string; transactionId: string; status: number | null }>;
      };
      return deliveries
        .filter((d) => d.transactionId === transactionId && d.status === 200)
        .map((d) => d.eventType);
    },
    startWorker,
    stopWorker,
    unique,
    cashInInput: (overrides = {}) => ({
      reference: unique('ci'),
      userId: unique('user'),
      amountCents: 25_00,
      payer: { name: 'Ana Maria Souza', document: VALID_CPF },
      expiresInMinutes: 30,
      reconcileIntervalSeconds: 1,
      webhookUrl,
      ...overrides,
    }),
    cashOutInput: (overrides = {}) => ({
      reference: unique('co'),
      userId: unique('user'),
      amountCents: 10_00,
      payee: { name: 'Bruno Lima', document: VALID_CPF, pixKey: PAYEE_PIX_KEY },
      reconcileIntervalSeconds: 1,
      topUpRetries: 2,
      webhookUrl,
      ...overrides,
    }),
    async startCashIn(input) {
      userOfReference.set(input.reference, input.userId);
      const startOperation = new WithStartWorkflowOperation('cashInWorkflow', {
        ...paymentStartOptions({ ...input, kind: 'CASH_IN', counterpartyName: input.payer.name, taskQueue }),
        args: [input],
      });
      const charge = await client.workflow.executeUpdateWithStart(cashInChargeUpdate, {
        startWorkflowOperation: startOperation,
      });
      return { handle: await startOperation.workflowHandle(), charge };
    },
    async startCashOut(input) {
      userOfReference.set(input.reference, input.userId);
      return client.workflow.start('cashOutWorkflow', {
        ...paymentStartOptions({ ...input, kind: 'CASH_OUT', counterpartyName: input.payee.name, taskQueue }),
        args: [input],
      });
    },
    async acceptCashOut(input, request = input) {
      userOfReference.set(input.reference, input.userId);
      return client.workflow.executeUpdateWithStart(cashOutAcceptedUpdate, {
        args: [request],
        startWorkflowOperation: new WithStartWorkflowOperation('cashOutWorkflow', {
          ...paymentStartOptions({
            ...input,
            kind: 'CASH_OUT',
            counterpartyName: input.payee.name,
            taskQueue,
          }),
          args: [input],
        }),
      });
    },
    async waitUntil(what, probe, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!(await probe())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    waitForStatus,
    waitForState: (handle, state, timeoutMs) =>
      waitForStatus(handle, (s) => 'state' in s && s.state === state, timeoutMs),
    async setPspWallet({ transactional, proprietary }) {
      const banks = PARTNER_BANK_ISPBS.map((ispb, i) =>
        i === 0 ? { ispb, transactional, proprietary } : { ispb, transactional: 0, proprietary: 0 },
      );
      const { status } = await psp.control('PUT', '/wallet', { banks });
      if (status !== 200) throw new Error(`PUT /_sandbox/wallet answered ${status}`);
    },
    async fundUser(userId, amountCents) {
      await wallet.win(userId, amountCents, unique('fund'));
      addPlatform(userId, amountCents);
    },
    async bet(userId, amountCents, id) {
      await wallet.bet(userId, amountCents, id);
      addPlatform(userId, -amountCents);
    },
    async pspTransactions(reference) {
      const { body } = await psp.control('GET', '/transactions');
      return {
        cashIns: body.cashIns.filter((c: Json) => c.externalReference === reference),
        cashOuts: body.cashOuts.filter((c: Json) => c.externalReference === reference),
      };
    },
    async expectLedgerMatchesPsp() {
      const { body } = await psp.control('GET', '/transactions');
      const cashIns = body.cashIns as Json[];
      const cashOuts = body.cashOuts as Json[];
      const total = (records: Json[], status: string) =>
        records.filter((c) => c.status === status).reduce((sum, c) => sum + reaisToCents(c.amount), 0);
      await wallet.expectBooksMatch({
        paidIn: total(cashIns, 'PAID'),
        paidOut: total(cashOuts, 'COMPLETED'),
        inFlight: total(cashOuts, 'PROCESSING'),
      });

      // Per user: PAID cash-ins in, COMPLETED cash-outs out, PROCESSING cash-outs held; refunded,
      // failed and expired ones net to zero. Plus the platform's own movements (bets, wins).
      const expected = new Map<string, { postedCents: number; pendingDebitCents: number }>();
      const of = (userId: string) => {
        const entry = expected.get(userId) ?? {
          postedCents: platformNet.get(userId) ?? 0,
          pendingDebitCents: 0,
        };
        expected.set(userId, entry);
        return entry;
      };
      for (const userId of platformNet.keys()) of(userId);
      for (const [records, sign] of [
        [cashIns, 1],
        [cashOuts, -1],
      ] as const) {
        for (const record of records) {
          const userId = userOfReference.get(record.externalReference);
          if (userId === undefined) continue; // started from outside the env (CLI, demo)
          const cents = reaisToCents(record.amount);
          const entry = of(userId);
          if (record.status === (sign > 0 ? 'PAID' : 'COMPLETED')) entry.postedCents += sign * cents;
          if (sign < 0 && record.status === 'PROCESSING') entry.pendingDebitCents += cents;
        }
      }
      for (const userId of userOfReference.values()) of(userId);
      const actual = new Map<string, { postedCents: number; pendingDebitCents: number }>();
      for (const userId of expected.keys()) {
        const { postedCents, pendingDebitCents } = await wallet.balance(userId);
        actual.set(userId, { postedCents, pendingDebitCents });
      }
      expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(expected));
      if (options.tracksEveryUser !== false) {
        const owed = [...actual.values()].reduce((sum, b) => sum + Math.max(b.postedCents, 0), 0);
        expect(await wallet.port.exposureCents()).toBe(owed);
      }
    },
    async close() {
      await stopWorker();
      await relay.close();
      await sandbox.close();
      await pspClient.close();
      await wallet.close();
      await client.connection.close();
    },
  };
}

/** Status dumps without the QR image. */
function briefly(key: string, value: unknown): unknown {
  return key === 'qrCodeImageBase64' ? '…' : value;
}
