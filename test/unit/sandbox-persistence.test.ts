import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../sandbox/server';
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

    expect(JSON.parse(readFileSync(stateFile, 'utf8')).cashIns).toHaveLength(1);
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
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { cashIns: Array<{ status: string }> };
    expect(saved.cashIns.map((c) => c.status)).toEqual(['AWAITING_PAYMENT']);

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
});
