/**
 * Everything a lifecycle integration test needs, wired the way production is: the sandbox over
 * HTTP (port 0) whose webhooks reach the real webhook relay (relay, port 0), which checks
 * the signature and signals the workflow; a fresh ledger database; and a worker with every
 * activity on a task queue of its own.
 */
import {
  type Client,
  WithStartWorkflowOperation,
  type WorkflowHandle,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { createActivities } from '../../activities';
import { ConnectPspClient } from '../../connectpsp/client';
import { SYSTEM_ACCOUNTS } from '../../domain/ledger';
import { reaisToCents } from '../../domain/money';
import { startRelay } from '../../relay/server';
import { parseConfig, SANDBOX_CREDENTIALS } from '../../runtime/config';
import { dataConverterFor } from '../../runtime/data-converter';
import { rebalanceRequester } from '../../runtime/rebalance-door';
import { type RunningSandbox, startSandbox } from '../../sandbox/server';
import type { CashInWorkflowInput, CashOutWorkflowInput } from '../../workflows/inputs';
import {
  type CashInCharge,
  type CashInStatus,
  type CashOutStatus,
  cashInChargeUpdate,
  statusQuery,
  type WorkflowStatus,
} from '../../workflows/messages';
import { paymentStartOptions } from '../../workflows/start-options';
import { type FreshLedgerDatabase, freshLedgerDatabase } from './ledger-db';
import { type Json, SandboxCaller } from './sandbox-kit';
import { connectTestClient, createTestWorker, uniqueTaskQueue } from './temporal';

export const VALID_CPF = '52998224725';
export const PAYEE_PIX_KEY = 'payee@example.com';
/** The sandbox's partner banks (Celcoin, Delbank, Stark Bank). */
const PARTNER_BANK_ISPBS = ['13935893', '38224857', '20018183'];

export interface LifecycleEnv {
  client: Client;
  taskQueue: string;
  sandbox: RunningSandbox;
  psp: SandboxCaller;
  ledgerDb: FreshLedgerDatabase;
  webhookUrl: string;
  /** Event types of one PSP transaction the relay acknowledged (200), in delivery order: the PSP's own log. */
  acknowledgedEvents(transactionId: string): Promise<string[]>;
  /** Runs an in-process worker until `stopWorker` (started by default). */
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  /** A unique reference/user id per test, so tests sharing the env never meet. */
  unique(prefix: string): string;
  cashInInput(overrides?: Partial<CashInWorkflowInput>): CashInWorkflowInput;
  cashOutInput(overrides?: Partial<CashOutWorkflowInput>): CashOutWorkflowInput;
  /** Update-with-start, as the client library does: returns the QR data with the handle. */
  startCashIn(input: CashInWorkflowInput): Promise<{ handle: WorkflowHandle; charge: CashInCharge }>;
  startCashOut(input: CashOutWorkflowInput): Promise<WorkflowHandleWithFirstExecutionRunId>;
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
  /** Credits a wallet from the platform account (no PSP money involved). */
  fundUser(userId: string, amountCents: number): Promise<void>;
  /** PSP records of one reference (GET /_sandbox/transactions). */
  pspTransactions(reference: string): Promise<{ cashIns: Json[]; cashOuts: Json[] }>;
  /** The ledger balances and agrees with the PSP's records of every terminal transaction. */
  expectLedgerMatchesPsp(): Promise<void>;
  close(): Promise<void>;
}

export interface LifecycleEnvOptions {
  /** false: the test runs its own worker (e.g. a separate process). */
  inProcessWorker?: boolean;
  /** PAYLOAD_ENCRYPTION_KEY for the client, the relay and the worker alike. */
  payloadEncryptionKey?: string;
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
    config: parseConfig({ TEMPORAL_TASK_QUEUE: taskQueue, LOG_LEVEL: 'silent', ...encryption }),
  });
  const webhookUrl = `${relay.url}/webhooks/connectpsp`;
  const sandbox = await startSandbox({
    port: 0,
    webhookRetryScheduleMs: [100, 200, 400, 800, 1600, 3200],
    webhookTimeoutMs: 2000,
  });
  const psp = new SandboxCaller(sandbox.url);
  const ledgerDb = await freshLedgerDatabase();
  const pspClient = new ConnectPspClient({ baseUrl: sandbox.url, credentials: { ...SANDBOX_CREDENTIALS } });
  const activities = createActivities({
    psp: pspClient,
    ledger: ledgerDb.ledger,
    requestRebalance: rebalanceRequester(client, taskQueue),
  });

  let worker: { instance: Worker; running: Promise<void> } | undefined;
  const startWorker = async () => {
    if (worker) return;
    const instance = await createTestWorker({ taskQueue, activities, dataConverter });
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
    ledgerDb,
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
      return client.workflow.start('cashOutWorkflow', {
        ...paymentStartOptions({ ...input, kind: 'CASH_OUT', counterpartyName: input.payee.name, taskQueue }),
        args: [input],
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
      await ledgerDb.ledger.createTransfer({
        id: unique('fund'),
        debitAccount: SYSTEM_ACCOUNTS.platform,
        creditAccount: `user:${userId}`,
        amountCents,
        kind: 'posted',
        code: 'WIN',
      });
    },
    async pspTransactions(reference) {
      const { body } = await psp.control('GET', '/transactions');
      return {
        cashIns: body.cashIns.filter((c: Json) => c.externalReference === reference),
        cashOuts: body.cashOuts.filter((c: Json) => c.externalReference === reference),
      };
    },
    async expectLedgerMatchesPsp() {
      expect(await ledgerDb.ledger.checkBalanced()).toBe(0);
      const { body } = await psp.control('GET', '/transactions');
      // The PSP settlement account mirrors the money the PSP holds for our users: every PAID
      // cash-in in, every COMPLETED cash-out out; refunded, failed and expired ones net to zero.
      const paidIn = body.cashIns
        .filter((c: Json) => c.status === 'PAID')
        .reduce((sum: number, c: Json) => sum + reaisToCents(c.amount), 0);
      const paidOut = body.cashOuts
        .filter((c: Json) => c.status === 'COMPLETED')
        .reduce((sum: number, c: Json) => sum + reaisToCents(c.amount), 0);
      const inFlight = body.cashOuts
        .filter((c: Json) => c.status === 'PROCESSING')
        .reduce((sum: number, c: Json) => sum + reaisToCents(c.amount), 0);
      const settlement = await ledgerDb.ledger.getBalances(SYSTEM_ACCOUNTS.pspSettlement);
      expect(settlement.debitsPostedCents - settlement.creditsPostedCents).toBe(paidIn - paidOut);
      expect(settlement.creditsPendingCents).toBe(inFlight);
    },
    async close() {
      await stopWorker();
      await relay.close();
      await sandbox.close();
      await pspClient.close();
      await ledgerDb.drop();
      await client.connection.close();
    },
  };
}

/** Status dumps without the QR image. */
function briefly(key: string, value: unknown): unknown {
  return key === 'qrCodeImageBase64' ? '…' : value;
}
