import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IDEMPOTENCY_TTL_MS, IdempotencyStore } from '../../sandbox/idempotency';
import { DEFAULT_BEHAVIOUR, startSandbox } from '../../sandbox/server';
import { SandboxState } from '../../sandbox/state';
import { StateLog } from '../../sandbox/state-log';
import { DOCUMENTED_INITIAL_WALLET } from '../../sandbox/wallet';
import { waitFor } from '../../scripts/wait-for';
import { SANDBOX_POLL, SandboxCaller } from '../helpers/sandbox-kit';

describe('sandbox persistence', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sandbox-state-'));
  const stateFile = path.join(dir, 'nested', 'state.json');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps transactions, balances, idempotency keys and issued tokens across a restart; not faults, logs or withheld webhooks', async () => {
    const key = randomUUID();
    const body = {
      amount: 42,
      externalReference: `order-${randomUUID()}`,
      webhookUrl: 'http://127.0.0.1:9/never-sent',
      payer: { name: 'Maria', document: '11144477735' },
    };

    const emptyWallet = { transactionalCents: 0, proprietaryCents: 0 };
    const first = await startSandbox({ port: 0, stateFile, initialWallet: emptyWallet });
    const before = new SandboxCaller(first.url);
    const created = await before.call('POST', '/cash-in', { body, idempotencyKey: key });
    await before.control('POST', '/faults', { kind: 'withholdWebhook' });
    const paid = await before.control('POST', `/cash-in/${created.body.transactionId}/pay`);
    await before.control('PUT', '/behaviour', { autoCompleteCashOutAfterMs: 5000 });
    await before.control('POST', '/faults', { kind: 'error500', method: 'GET', path: '/cash-in' });
    const token = await before.accessToken();
    await first.close();

    // A snapshot taken at start, then one line per change; no temp file left behind.
    const log = StateLog.read(stateFile);
    expect(log?.snapshot).toMatchObject({ version: 2, cashIns: [] });
    expect(log?.changes.length).toBeGreaterThanOrEqual(3); // created, paid, behaviour (+ idempotency)
    expect(log?.tornTail).toBe(false);
    expect(readdirSync(path.dirname(stateFile))).toEqual(['state.json']);

    // The saved wallet wins over the initial one.
    const second = await startSandbox({
      port: 0,
      stateFile,
      initialWallet: { transactionalCents: 1, proprietaryCents: 1 },
    });
    try {
      const after = new SandboxCaller(second.url);
      expect((await after.control('POST', '/webhooks/release')).body).toEqual({ released: 0 });
      expect((await after.control('GET', '/requests')).body.requests).toEqual([]);
      const reused = await after.call('GET', `/cash-in/${paid.body.endToEndId}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(reused.status).toBe(200); // the error500 fault for this GET is gone
      expect(reused.body).toEqual(paid.body);
      expect((await after.call('GET', '/account/balance')).body.consolidated.transactionalBalance).toBe(42);
      const replay = await after.call('POST', '/cash-in', { body, idempotencyKey: key });
      expect(replay.status).toBe(201);
      expect(replay.body).toEqual(created.body);
      expect((await after.control('GET', '/behaviour')).body.autoCompleteCashOutAfterMs).toBe(5000);
    } finally {
      await second.close();
    }
  });

  it('re-arms auto-pay for charges still awaiting payment after a restart', async () => {
    const file = path.join(dir, 'rearm.json');
    const first = await startSandbox({ port: 0, stateFile: file });
    const before = new SandboxCaller(first.url);
    // Long enough that the first sandbox is closed well before the charge is due.
    await before.control('PUT', '/behaviour', { autoPayCashInAfterMs: 1_000 });
    const created = await before.call('POST', '/cash-in', {
      body: { amount: 1, externalReference: 'rearm', payer: { name: 'Maria', document: '11144477735' } },
    });
    await first.close();
    // Only a re-armed timer can pay it now: the first sandbox left it unpaid.
    const changes = StateLog.read(file)?.changes as Array<{ cashIn?: { status: string } }>;
    expect(changes.flatMap((c) => (c.cashIn ? [c.cashIn.status] : []))).toEqual(['AWAITING_PAYMENT']);

    const second = await startSandbox({ port: 0, stateFile: file });
    try {
      const after = new SandboxCaller(second.url);
      await waitFor(
        'the re-armed auto-pay',
        async () =>
          (await after.call('GET', `/cash-in/${created.body.transactionId}`)).body.status === 'PAID',
        { ...SANDBOX_POLL, timeoutMs: 5_000 },
      );
    } finally {
      await second.close();
    }
  });

  it('starts empty without a state file', async () => {
    const sandbox = await startSandbox({ port: 0 });
    try {
      const caller = new SandboxCaller(sandbox.url);
      expect((await caller.control('GET', '/transactions')).body).toEqual({ cashIns: [], cashOuts: [] });
    } finally {
      await sandbox.close();
    }
  });

  const open = (file: string) => SandboxState.open(file, DEFAULT_BEHAVIOUR, DOCUMENTED_INITIAL_WALLET);
  const lines = (file: string) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.length > 0);

  it('appends one line per change and leaves what is written untouched: the cost is the change, not the state', async () => {
    const file = path.join(dir, 'append.json');
    const first = await startSandbox({ port: 0, stateFile: file });
    const caller = new SandboxCaller(first.url);
    const created = [];
    for (let i = 0; i < 20; i++) {
      const { body } = await caller.call('POST', '/cash-in', {
        body: {
          amount: 1,
          externalReference: `append-${i}`,
          payer: { name: 'Maria', document: '11144477735' },
        },
      });
      created.push(body.transactionId as string);
    }
    await first.close();
    const second = await startSandbox({ port: 0, stateFile: file });
    try {
      // At start the log was compacted: one snapshot line holding the 20 charges.
      const before = readFileSync(file, 'utf8');
      expect(lines(file)).toHaveLength(1);
      await new SandboxCaller(second.url).control('POST', `/cash-in/${created[7]}/pay`);
      const after = readFileSync(file, 'utf8');
      expect(after.startsWith(before)).toBe(true);
      const appended = after
        .slice(before.length)
        .split('\n')
        .filter((l) => l.length > 0);
      expect(appended).toHaveLength(1);
      expect(JSON.parse(appended[0] as string)).toMatchObject({
        cashIn: { transactionId: created[7], status: 'PAID' },
        banks: expect.any(Array),
      });
    } finally {
      await second.close();
    }
  });

  it('ignores a last line cut short by a crash, and refuses a damaged line before it, naming the file and line', async () => {
    const file = path.join(dir, 'torn.json');
    const first = await startSandbox({ port: 0, stateFile: file });
    const caller = new SandboxCaller(first.url);
    await caller.control('PUT', '/behaviour', { autoCompleteCashOutAfterMs: 1234 });
    await first.close();
    appendFileSync(file, '{"behaviour":{"autoCompleteCashOutAfterMs":99');

    const second = await startSandbox({ port: 0, stateFile: file });
    try {
      const after = new SandboxCaller(second.url);
      expect((await after.control('GET', '/behaviour')).body.autoCompleteCashOutAfterMs).toBe(1234);
      // The torn line is gone (compacted at start), and new changes land after a whole line.
      await after.control('PUT', '/behaviour', { autoPayCashInAfterMs: 50 });
    } finally {
      await second.close();
    }
    expect(lines(file).map((line) => JSON.parse(line))).toHaveLength(2);
    const state = open(file);
    expect(state.behaviour).toMatchObject({ autoCompleteCashOutAfterMs: 1234, autoPayCashInAfterMs: 50 });
    state.close();

    const damaged = path.join(dir, 'damaged.json');
    writeFileSync(damaged, `${lines(file)[0]}\n{"banks": [oops\n{"behaviour":null}\n`);
    await expect(startSandbox({ port: 0, stateFile: damaged })).rejects.toThrow(
      `sandbox state file ${damaged}: line 2 is not JSON`,
    );
  });

  it('compacts the log into one snapshot once changes outnumber the records, keeping every change', () => {
    const file = path.join(dir, 'compaction.json');
    const state = open(file);
    for (let i = 1; i <= 1_000; i++) {
      state.behaviour.autoPayCashInAfterMs = i;
      state.persist({ behaviour: true });
    }
    expect(lines(file)).toHaveLength(1_001);
    state.behaviour.autoPayCashInAfterMs = 1_001;
    state.persist({ behaviour: true });
    expect(lines(file)).toHaveLength(1);
    state.close();
    const reopened = open(file);
    expect(reopened.behaviour.autoPayCashInAfterMs).toBe(1_001);
    reopened.close();
  });

  it('reads a state file of the format before the log (one snapshot, version 1, no newline)', () => {
    const file = path.join(dir, 'legacy.json');
    const banks = [
      {
        ispb: '38224857',
        bank: 'DELFINANCE SCD S.A.',
        transactional: { branch: '0001', account: '4350001-1', cents: 777 },
        proprietary: { branch: '0001', account: '4350002-0', cents: 0 },
      },
    ];
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        signingKey: Buffer.alloc(32, 7).toString('base64'),
        cashIns: [],
        cashOuts: [],
        banks,
        behaviour: { ...DEFAULT_BEHAVIOUR, autoPayCashInAfterMs: 5 },
        idempotency: [],
        cashInCount: 3,
      }),
    );
    const state = open(file);
    expect(state.banks).toEqual(banks);
    expect(state.cashInCount).toBe(3);
    expect(Buffer.from(state.signingKey)).toEqual(Buffer.alloc(32, 7));
    state.close();
    expect(StateLog.read(file)?.snapshot).toMatchObject({ version: 2, banks, cashInCount: 3 });
  });

  it('forgets expired idempotency records, oldest first, and keeps fresh ones', () => {
    const state = SandboxState.open(undefined, DEFAULT_BEHAVIOUR, DOCUMENTED_INITIAL_WALLET);
    const store = new IdempotencyStore(state);
    const answer = { status: 200, body: {} };
    const store1 = (key: string, at: number) => {
      expect(store.begin(key, 'f', at)).toBeNull();
      store.finish(key, 'f', answer, at);
    };
    store1('old-1', 0);
    store1('old-2', 10);
    store1('fresh', IDEMPOTENCY_TTL_MS);
    store1('new', IDEMPOTENCY_TTL_MS + 11);
    expect([...state.idempotency.keys()]).toEqual(['fresh', 'new']);
  });
});
