import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { SANDBOX_CREDENTIALS } from '../../runtime/config';
import { startSandbox } from '../../sandbox/server';
import { waitFor } from '../../scripts/wait-for';
import { SANDBOX_POLL, SandboxCaller, useSandbox } from '../helpers/sandbox-kit';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function opensslHmac(body: string, key: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', ['dgst', '-sha256', '-hmac', key], { stdio: ['pipe', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`openssl exited with ${code}`));
      else resolve(output.trim().split(/\s+/).pop() ?? '');
    });
    child.stdin.end(body);
  });
}

describe('sandbox webhooks', () => {
  /** The sandbox's own log lines at warn and above, emptied before each test. */
  const logged: Array<Record<string, unknown>> = [];
  const env = useSandbox({
    receiver: 'per-test',
    sandbox: {
      webhookTimeoutMs: 150,
      logger: pino({ level: 'warn' }, { write: (line: string) => logged.push(JSON.parse(line)) }),
    },
  });
  beforeEach(() => {
    logged.length = 0;
  });

  const paidCharge = async () => {
    const created = await env.psp.call('POST', '/cash-in', {
      body: {
        amount: 10,
        externalReference: `order-${randomUUID()}`,
        webhookUrl: env.receiver.url,
        payer: { name: 'Maria', document: '11144477735' },
      },
    });
    await env.psp.control('POST', `/cash-in/${created.body.transactionId}/pay`);
    return created.body;
  };
  const deliveries = async () => (await env.psp.control('GET', '/webhooks')).body.deliveries;

  it('signs the raw body with HMAC-SHA256(CryptoToken), as openssl computes it', async () => {
    await paidCharge();
    const [webhook] = await waitFor(
      'the webhook',
      () => env.receiver.received.length === 1 && env.receiver.received,
      SANDBOX_POLL,
    );
    expect(webhook?.headers['content-type']).toBe('application/json');
    expect(webhook?.headers['x-event-id']).toMatch(UUID);
    const expected = await opensslHmac(webhook?.rawBody ?? '', SANDBOX_CREDENTIALS.cryptoToken);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
    expect(webhook?.headers['x-connect-signature']).toBe(expected);
  });

  it('retries non-2xx answers on the schedule with a fresh X-Event-Id each attempt, logging every attempt', async () => {
    env.receiver.answerNext(500, 503);
    const charge = await paidCharge();
    await waitFor('three attempts', () => env.receiver.received.length === 3, SANDBOX_POLL);
    expect(env.receiver.received.map((w) => w.answeredWith)).toEqual([500, 503, 200]);
    const eventIds = env.receiver.received.map((w) => w.headers['x-event-id']);
    expect(new Set(eventIds).size).toBe(3);
    expect(new Set(env.receiver.received.map((w) => w.rawBody)).size).toBe(1);

    const log = await waitFor(
      'three logged attempts',
      async () => {
        const entries = await deliveries();
        return entries.length === 3 && entries;
      },
      SANDBOX_POLL,
    );
    expect(log.map((d: { attempt: number; status: number }) => [d.attempt, d.status])).toEqual([
      [1, 500],
      [2, 503],
      [3, 200],
    ]);
    expect(log[0]).toMatchObject({
      eventType: 'CASHIN_PAID',
      transactionId: charge.transactionId,
      url: env.receiver.url,
    });
    expect(log.map((d: { eventId: string }) => d.eventId)).toEqual(eventIds);
  });

  it('treats a receiver slower than the timeout as a failed attempt and retries', async () => {
    env.receiver.setAnswerDelay(400);
    await paidCharge();
    const [first] = await waitFor(
      'a logged attempt',
      async () => {
        const entries = await deliveries();
        return entries.length >= 1 && entries;
      },
      SANDBOX_POLL,
    );
    expect(first).toMatchObject({ attempt: 1, status: null, error: expect.stringMatching(/timed out/) });
    env.receiver.setAnswerDelay(0);
    await waitFor(
      'a delivery answered 200',
      async () => (await deliveries()).some((d: { status: number }) => d.status === 200),
      SANDBOX_POLL,
    );
  });

  it('gives up after the last delay of the schedule', async () => {
    env.receiver.answerNext(500, 500, 500, 500, 500);
    await paidCharge();
    // Logged when the last failed attempt schedules no other: nothing can come after it.
    const abandoned = await waitFor(
      'the delivery to be abandoned',
      () => logged.find((line) => line.msg === 'webhook delivery abandoned'),
      SANDBOX_POLL,
    );
    expect(abandoned).toMatchObject({ eventType: 'CASHIN_PAID', attempts: 4 });
    const log = await deliveries();
    expect(log.map((d: { attempt: number; status: number }) => [d.attempt, d.status])).toEqual([
      [1, 500],
      [2, 500],
      [3, 500],
      [4, 500],
    ]);
    expect(env.receiver.received).toHaveLength(4);
  });

  it('close() stops pending retries', async () => {
    // Two sandboxes with the same retry delay each fail a first delivery; the one to be closed
    // schedules its retry first. Timers of one process fire in order, so once the witness's retry
    // has been delivered and answered, the closed sandbox's retry would have been sent before it.
    const closing = await startSandbox({ port: 0, webhookRetryScheduleMs: [150] });
    const witness = await startSandbox({ port: 0, webhookRetryScheduleMs: [150] });
    try {
      env.receiver.answerNext(500, 500);
      const closingPayment = await failedFirstDelivery(new SandboxCaller(closing.url));
      const witnessPayment = await failedFirstDelivery(new SandboxCaller(witness.url));
      await closing.close();
      await waitFor(
        "the witness's retry, answered",
        async () => (await witnessPayment.deliveries()).length === 2,
        SANDBOX_POLL,
      );
      const receivedFor = (transactionId: string) =>
        env.receiver.received.filter((w) => w.body.data.transactionId === transactionId);
      expect(receivedFor(closingPayment.transactionId)).toHaveLength(1);
      expect(receivedFor(witnessPayment.transactionId)).toHaveLength(2);
    } finally {
      await closing.close();
      await witness.close();
    }
  });

  /** A paid charge on `caller`'s sandbox whose first webhook attempt has been logged (its retry is scheduled). */
  async function failedFirstDelivery(caller: SandboxCaller) {
    const created = await caller.call('POST', '/cash-in', {
      body: {
        amount: 1,
        externalReference: `order-${randomUUID()}`,
        webhookUrl: env.receiver.url,
        payer: { name: 'Maria', document: '11144477735' },
      },
    });
    const transactionId = created.body.transactionId as string;
    const payment = {
      transactionId,
      deliveries: async () => (await caller.control('GET', '/webhooks')).body.deliveries as unknown[],
    };
    await caller.control('POST', `/cash-in/${transactionId}/pay`);
    await waitFor(
      'the first attempt, logged',
      async () => (await payment.deliveries()).length === 1,
      SANDBOX_POLL,
    );
    return payment;
  }
});
