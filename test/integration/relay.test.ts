import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { type Client, Connection, Client as TemporalClient, WorkflowNotFoundError } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import pino from 'pino';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { closeProbeSignal, probeEventsQuery, relayProbeWorkflow } from '../../bench/relay-probe-workflow';
import { cashInEvent, cashOutEvent } from '../../bench/webhook-events';
import { webhookSignature } from '../../domain/connectpsp/signatures';
import { createRelayApp } from '../../relay/app';
import { createRelayMetrics } from '../../relay/metrics';
import { type RunningRelay, startRelay } from '../../relay/server';
import { parseConfig, SANDBOX_CREDENTIALS } from '../../runtime/config';
import { freePort } from '../../scripts/ports';
import { waitFor } from '../../scripts/wait-for';
import {
  type ParkedEventState,
  parkedEventQuery,
  parkedEventWorkflowId,
  resolveParkedEventUpdate,
} from '../../workflows/parked-event';
import { connectTestClient, createTestWorker, uniqueTaskQueue } from '../helpers/temporal';

const PATH = '/webhooks/connectpsp';
const MAX_BODY_BYTES = 8 * 1024;

interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
  text: string;
}

async function post(
  url: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): Promise<Response> {
  const res = await request(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'x-event-id': randomUUID(), ...headers },
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body: text ? safeJson(text) : {}, text };
}

async function get(url: string): Promise<Response> {
  const res = await request(url);
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body: safeJson(text), text };
}

function safeJson(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}

/** Posts `value` as the PSP would: JSON body signed with the sandbox CryptoToken. */
function deliver(relay: RunningRelay, value: unknown): Promise<Response> {
  const body = JSON.stringify(value);
  return post(`${relay.url}${PATH}`, body, {
    'x-connect-signature': webhookSignature(body, SANDBOX_CREDENTIALS.cryptoToken),
  });
}

/** Captures the relay's JSON log lines. */
function capturingLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      callback();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe('webhook relay against a real Temporal server', () => {
  let client: Client;
  let worker: Worker;
  let workerRun: Promise<void>;
  let relay: RunningRelay;
  let taskQueue: string;
  const logs = capturingLogger();

  beforeAll(async () => {
    client = await connectTestClient();
    taskQueue = uniqueTaskQueue('relay');
    worker = await createTestWorker({ taskQueue });
    workerRun = worker.run();
    relay = await startRelay({
      config: parseConfig({
        CONNECTPSP_MODE: 'sandbox',
        TEMPORAL_TASK_QUEUE: taskQueue,
        RELAY_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
      }),
      port: 0,
      host: '127.0.0.1',
      client,
      logger: logs.logger,
    });
  });

  afterAll(async () => {
    await relay?.close();
    worker?.shutdown();
    await workerRun;
    await client?.connection.close();
  });

  async function startProbe(workflowId: string) {
    return client.workflow.start(relayProbeWorkflow, { taskQueue, workflowId });
  }

  async function parkedWorkflowExists(workflowId: string): Promise<boolean> {
    try {
      await client.workflow.getHandle(workflowId).describe();
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  it('signals the lifecycle workflow the event routes to, and answers 200 once Temporal has it', async () => {
    const reference = `ref-${randomUUID()}`;
    const cashIn = await startProbe(`cash-in:${reference}`);
    const cashOut = await startProbe(`cash-out:${reference}`);
    const paid = cashInEvent(reference);
    const completed = cashOutEvent(reference);

    const first = await deliver(relay, paid);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      received: true,
      outcome: 'delivered',
      workflowId: `cash-in:${reference}`,
    });
    expect((await deliver(relay, completed)).body).toMatchObject({ workflowId: `cash-out:${reference}` });

    // 200 came after the signal was recorded: the very next query sees it.
    expect(await cashIn.query(probeEventsQuery)).toEqual([paid]);
    expect(await cashOut.query(probeEventsQuery)).toEqual([completed]);
    await Promise.all([cashIn.signal(closeProbeSignal), cashOut.signal(closeProbeSignal)]);
  });

  describe('rejections: documented status, nothing signalled, nothing parked', () => {
    const reference = `rejected-${randomUUID()}`;
    const transactionId = `tx-${randomUUID()}`;
    const event = cashInEvent(reference, { transactionId });
    const body = JSON.stringify(event);
    const url = () => `${relay.url}${PATH}`;
    const sign = (value: string | Buffer) => webhookSignature(value, SANDBOX_CREDENTIALS.cryptoToken);

    it('401 without a signature, with a wrong one, and with one of another key', async () => {
      const probe = await startProbe(`cash-in:${reference}`);
      const missing = await post(url(), body);
      expect([missing.status, missing.body.code]).toEqual([401, 'MISSING_SIGNATURE']);
      expect(missing.headers['content-type']).toContain('application/problem+json');
      const tampered = await post(url(), body.replace('150.25', '15025'), {
        'x-connect-signature': sign(body),
      });
      expect([tampered.status, tampered.body.code]).toEqual([401, 'INVALID_SIGNATURE']);
      const otherKey = await post(url(), body, {
        'x-connect-signature': webhookSignature(body, 'not-the-token'),
      });
      expect([otherKey.status, otherKey.body.code]).toEqual([401, 'INVALID_SIGNATURE']);
      const short = await post(url(), body, { 'x-connect-signature': sign(body).slice(0, 40) });
      expect(short.status).toBe(401);

      expect(await probe.query(probeEventsQuery)).toEqual([]);
    });

    it('413 beyond RELAY_MAX_BODY_BYTES, even when correctly signed', async () => {
      const padded = JSON.stringify({ ...event, padding: 'x'.repeat(MAX_BODY_BYTES) });
      const tooLarge = await post(url(), padded, { 'x-connect-signature': sign(padded) });
      expect([tooLarge.status, tooLarge.body.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    });

    it('left the probe without any event and parked nothing', async () => {
      const probe = client.workflow.getHandle(`cash-in:${reference}`);
      expect(await probe.query(probeEventsQuery)).toEqual([]);
      expect(await parkedWorkflowExists(parkedEventWorkflowId(transactionId, 'CASHIN_PAID'))).toBe(false);
      await probe.signal(closeProbeSignal);
    });
  });

  it('never refuses a signed body for its shape: what it cannot read is parked (200), naming the problems', async () => {
    const sign = (value: string) => webhookSignature(value, SANDBOX_CREDENTIALS.cryptoToken);
    const reference = `unreadable-${randomUUID()}`;
    const probe = await startProbe(`cash-in:${reference}`);
    const transactionId = `tx-${randomUUID()}`;
    const wrong = JSON.stringify({
      ...cashInEvent(reference, { transactionId }),
      data: { ...cashInEvent(reference, { transactionId }).data, amount: -1, status: 'SOMETHING' },
    });
    const parked = await post(`${relay.url}${PATH}`, wrong, { 'x-connect-signature': sign(wrong) });
    expect([parked.status, parked.body.outcome, parked.body.reason]).toEqual([
      200,
      'parked',
      'UNREADABLE_EVENT',
    ]);
    const handle = client.workflow.getHandle(parkedEventWorkflowId(transactionId, 'CASHIN_PAID'));
    expect(await handle.query(parkedEventQuery)).toMatchObject({
      reason: 'UNREADABLE_EVENT',
      deliveries: 1,
      envelope: { data: { transactionId, externalReference: reference, body: wrong } },
    });

    const malformed = '{"eventType": "CASHIN_PAID",';
    const notJson = await post(`${relay.url}${PATH}`, malformed, { 'x-connect-signature': sign(malformed) });
    expect([notJson.status, notJson.body.outcome, notJson.body.reason]).toEqual([
      200,
      'parked',
      'UNREADABLE_EVENT',
    ]);
    expect(notJson.body.workflowId).toMatch(/^parked:body-[0-9a-f]{24}:UNREADABLE$/);

    // Neither reached the lifecycle: an unusable event never moves money.
    expect(await probe.query(probeEventsQuery)).toEqual([]);
    await probe.signal(closeProbeSignal);
  });

  it('parks an event whose workflow does not exist: visible by search attribute, counted, resolvable', async () => {
    const reference = `unknown-${randomUUID()}`;
    const transactionId = `tx-${randomUUID()}`;
    const event = cashOutEvent(reference, { eventType: 'CASHOUT_REFUNDED', transactionId });
    const parkedId = parkedEventWorkflowId(transactionId, 'CASHOUT_REFUNDED');

    const response = await deliver(relay, event);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ outcome: 'parked', workflowId: parkedId, reason: 'NO_WORKFLOW' });
    // The PSP's duplicate lands on the same parked workflow.
    expect((await deliver(relay, event)).body).toMatchObject({ outcome: 'parked', workflowId: parkedId });

    const description = await client.workflow.getHandle(parkedId).describe();
    expect(description.status.name).toBe('RUNNING');
    const attributes = Object.fromEntries(
      description.typedSearchAttributes.getAll().map((p) => [p.key.name, p.value]),
    );
    expect(attributes).toMatchObject({
      PaymentStatus: 'PARKED',
      PaymentKind: 'CASH_OUT',
      PaymentReference: reference,
      PspTransactionId: transactionId,
    });
    const listed = await waitFor(
      'the parked event in visibility',
      async () => {
        const ids: string[] = [];
        const query = `PaymentStatus = 'PARKED' AND PspTransactionId = '${transactionId}'`;
        for await (const execution of client.workflow.list({ query })) ids.push(execution.workflowId);
        return ids.length > 0 ? ids : undefined;
      },
      { timeoutMs: 15_000 },
    );
    expect(listed).toEqual([parkedId]);

    const handle = client.workflow.getHandle(parkedId);
    const parked = await handle.query(parkedEventQuery);
    expect(parked).toMatchObject({
      transactionId,
      eventType: 'CASHOUT_REFUNDED',
      reason: 'NO_WORKFLOW',
      kind: 'CASH_OUT',
      intendedWorkflowId: `cash-out:${reference}`,
      envelope: event,
      deliveries: 2,
      resolution: null,
    });

    await expect(
      handle.executeUpdate(resolveParkedEventUpdate, { args: [{ note: '  ' }] }),
    ).rejects.toThrow();
    const resolved = await handle.executeUpdate(resolveParkedEventUpdate, {
      args: [{ note: 'reference from the old platform; refunded by hand', resolvedBy: 'ops' }],
    });
    expect(resolved.resolution?.note).toBe('reference from the old platform; refunded by hand');
    const result: ParkedEventState = await handle.result();
    expect(result.resolution?.resolvedBy).toBe('ops');
    const after = await handle.describe();
    expect(after.status.name).toBe('COMPLETED');
    expect(after.typedSearchAttributes.getAll().find((p) => p.key.name === 'PaymentStatus')?.value).toBe(
      'RESOLVED',
    );

    // Delivered again after its resolution: parked again, in a new run, for an operator to see.
    expect((await deliver(relay, event)).body).toMatchObject({ outcome: 'parked', workflowId: parkedId });
    const again = await client.workflow.getHandle(parkedId).describe();
    expect([again.status.name, again.runId === after.runId]).toEqual(['RUNNING', false]);
    expect(await client.workflow.getHandle(parkedId).query(parkedEventQuery)).toMatchObject({
      deliveries: 1,
      resolution: null,
    });
  });

  it('parks an event whose workflow has already closed', async () => {
    const reference = `closed-${randomUUID()}`;
    const probe = await startProbe(`cash-in:${reference}`);
    await probe.signal(closeProbeSignal);
    await probe.result();
    const event = cashInEvent(reference, { eventType: 'CASHIN_REFUNDED' });

    const response = await deliver(relay, event);
    expect(response.body).toMatchObject({ outcome: 'parked', reason: 'NO_WORKFLOW' });
    const parked = await client.workflow
      .getHandle(parkedEventWorkflowId(event.data.transactionId, 'CASHIN_REFUNDED'))
      .query(parkedEventQuery);
    expect(parked.envelope).toEqual(event);
  });

  it('accepts and parks an unknown event type, even when its reference has a running workflow', async () => {
    const reference = `new-type-${randomUUID()}`;
    const probe = await startProbe(`cash-in:${reference}`);
    const event = {
      eventType: 'CASHIN_CANCELLED',
      eventAt: '2026-03-10T12:00:05Z',
      data: { transactionId: `tx-${randomUUID()}`, externalReference: reference, status: 'CANCELLED' },
    };

    const response = await deliver(relay, event);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ outcome: 'parked', reason: 'UNKNOWN_EVENT_TYPE' });
    const parked = await client.workflow
      .getHandle(parkedEventWorkflowId(event.data.transactionId, 'CASHIN_CANCELLED'))
      .query(parkedEventQuery);
    expect(parked).toMatchObject({
      kind: 'CASH_IN',
      envelope: event,
      intendedWorkflowId: `cash-in:${reference}`,
    });
    expect(await probe.query(probeEventsQuery)).toEqual([]);
    await probe.signal(closeProbeSignal);
  });

  it('serves health, readiness and Prometheus metrics by outcome', async () => {
    expect((await get(`${relay.url}/healthz`)).status).toBe(200);
    const ready = await get(`${relay.url}/readyz`);
    expect([ready.status, ready.body.temporal]).toEqual([200, true]);
    const metrics = await get(`${relay.url}/metrics`);
    expect(metrics.headers['content-type']).toContain('text/plain');
    const count = (outcome: string) =>
      Number(
        metrics.text.match(new RegExp(`relay_webhook_requests_total\\{outcome="${outcome}"\\} (\\d+)`))?.[1],
      );
    // Counts of the tests above (they run in order within this file).
    expect(count('delivered')).toBe(2);
    expect(count('unauthorized')).toBe(4);
    expect(count('too_large')).toBe(1);
    // Two of the seven parked were signed bodies it could not read: never refused (no 'invalid').
    expect(count('parked')).toBe(7);
    expect(metrics.text).not.toContain('outcome="invalid"');
    expect(metrics.text).toContain('relay_webhook_handling_seconds_count{outcome="delivered"} 2');
  });

  it('fails /readyz once shutdown began, even with Temporal answering', async () => {
    let shuttingDown = false;
    const app = createRelayApp({
      client,
      taskQueue,
      cryptoToken: SANDBOX_CREDENTIALS.cryptoToken,
      logger: pino({ level: 'silent' }),
      metrics: createRelayMetrics(),
      webhookPath: PATH,
      maxBodyBytes: MAX_BODY_BYTES,
      signalDeadlineMs: 4_000,
      maxInFlight: 128,
      isShuttingDown: () => shuttingDown,
    });
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/readyz`;
    try {
      expect((await get(url)).body).toEqual({ ok: true, temporal: true, shuttingDown: false });
      shuttingDown = true;
      const draining = await get(url);
      expect([draining.status, draining.body]).toEqual([
        503,
        { ok: false, temporal: true, shuttingDown: true },
      ]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('logs event type, transaction id and reference, never the signature, the CryptoToken or the document', async () => {
    const reference = `log-${randomUUID()}`;
    const event = cashInEvent(reference);
    const body = JSON.stringify(event);
    const signature = webhookSignature(body, SANDBOX_CREDENTIALS.cryptoToken);
    await post(`${relay.url}${PATH}`, body, { 'x-connect-signature': signature });
    const wrong = `${signature[0] === 'f' ? 'e' : 'f'}${signature.slice(1)}`;
    await post(`${relay.url}${PATH}`, body, { 'x-connect-signature': wrong });
    const line = logs.lines.map((l) => JSON.parse(l)).find((l) => l.reference === reference);
    expect(line).toMatchObject({
      msg: 'webhook',
      outcome: 'parked',
      status: 200,
      eventType: 'CASHIN_PAID',
      transactionId: event.data.transactionId,
    });
    const all = logs.lines.join('\n');
    expect(all).not.toContain(signature);
    expect(all).not.toContain(signature.slice(1));
    expect(all).not.toContain(SANDBOX_CREDENTIALS.cryptoToken);
    expect(all).not.toContain(event.data.payer.document);
    expect(all).not.toContain(event.data.payer.name);
  });
});

describe('webhook relay without Temporal', () => {
  let relay: RunningRelay;
  let deadClient: Client;
  const deadlineMs = 800;

  beforeAll(async () => {
    // Nothing listens there: every call fails the way a stopped server does.
    deadClient = new TemporalClient({
      connection: Connection.lazy({ address: `127.0.0.1:${await freePort()}` }),
    });
    relay = await startRelay({
      config: parseConfig({ CONNECTPSP_MODE: 'sandbox', RELAY_SIGNAL_DEADLINE_MS: String(deadlineMs) }),
      port: 0,
      host: '127.0.0.1',
      client: deadClient,
      logger: pino({ level: 'silent' }),
    });
  });

  afterAll(async () => {
    await relay?.close();
    await deadClient?.connection.close();
  });

  it('answers 503 within the signal deadline so the PSP retries; never 200', async () => {
    const started = performance.now();
    const response = await deliver(relay, cashInEvent(`down-${randomUUID()}`));
    const elapsed = performance.now() - started;
    expect([response.status, response.body.code]).toEqual([503, 'TEMPORAL_UNAVAILABLE']);
    expect(elapsed).toBeLessThan(deadlineMs + 500);
  });

  it('is alive but not ready', async () => {
    expect((await get(`${relay.url}/healthz`)).status).toBe(200);
    const ready = await get(`${relay.url}/readyz`);
    expect([ready.status, ready.body.temporal]).toEqual([503, false]);
  });

  it('still rejects a bad signature with 401 (authentication does not need Temporal)', async () => {
    const response = await post(`${relay.url}${PATH}`, '{}', { 'x-connect-signature': '0'.repeat(64) });
    expect(response.status).toBe(401);
  });

  it('on close, finishes the request in flight, then stops accepting', async () => {
    // Watches (and calls through) the relay's hand-over to Temporal: the request is in flight once it runs.
    const handOver = vi.spyOn(deadClient, 'withDeadline');
    const inFlight = deliver(relay, cashInEvent(`closing-${randomUUID()}`));
    await waitFor('the relay to be handing the event to Temporal', () => handOver.mock.calls.length === 1, {
      timeoutMs: 5_000,
      intervalMs: 10,
    });
    handOver.mockRestore();
    const closed = relay.close();
    expect((await inFlight).status).toBe(503);
    await closed;
    await expect(get(`${relay.url}/healthz`)).rejects.toThrow();
  });
});
