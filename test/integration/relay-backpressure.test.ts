import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cashInEvent } from '../../bench/webhook-events';
import { webhookSignature } from '../../domain/connectpsp/signatures';
import { type RunningRelay, startRelay } from '../../relay/server';
import { parseConfig, SANDBOX_CREDENTIALS } from '../../runtime/config';
import { deadlineBoundRetryInterceptor } from '../../runtime/grpc-retry';
import { waitFor } from '../../scripts/wait-for';

const PATH = '/webhooks/connectpsp';

async function deliver(relay: RunningRelay) {
  const body = JSON.stringify(cashInEvent(`slow-${randomUUID()}`));
  const res = await request(`${relay.url}${PATH}`, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'x-connect-signature': webhookSignature(body, SANDBOX_CREDENTIALS.cryptoToken),
    },
  });
  const json = (await res.body.json()) as { code?: string };
  return { status: res.statusCode, code: json.code, retryAfter: res.headers['retry-after'] };
}

async function metric(relay: RunningRelay, name: string): Promise<number> {
  const text = await (await request(`${relay.url}/metrics`)).body.text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return Number(line?.split(' ').at(-1) ?? 0);
}

describe('webhook relay when Temporal is too slow to answer', () => {
  // Accepts connections and never answers: a Temporal that takes every call and answers none.
  let blackHole: Server;
  const sockets: Socket[] = [];
  let client: Client;
  let relay: RunningRelay;

  beforeAll(async () => {
    blackHole = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const { port } = blackHole.address() as AddressInfo;
    client = new Client({
      connection: Connection.lazy({
        address: `127.0.0.1:${port}`,
        interceptors: [deadlineBoundRetryInterceptor()],
      }),
    });
    relay = await startRelay({
      config: parseConfig({
        CONNECTPSP_MODE: 'sandbox',
        RELAY_SIGNAL_DEADLINE_MS: '5000',
        RELAY_MAX_IN_FLIGHT: '2',
      }),
      port: 0,
      host: '127.0.0.1',
      client,
      logger: pino({ level: 'silent' }),
    });
  });

  afterAll(async () => {
    await relay?.close();
    await client?.connection.close();
    for (const socket of sockets) socket.destroy();
    blackHole?.close();
  });

  it('holds at most RELAY_MAX_IN_FLIGHT webhooks, answers the rest 503 RELAY_BUSY with Retry-After at once, and acknowledges none', async () => {
    let heldAnswered = false;
    const held = Promise.all([deliver(relay), deliver(relay)]).finally(() => {
      heldAnswered = true;
    });
    await waitFor(
      'two events being handed over',
      async () => (await metric(relay, 'relay_deliveries_in_flight')) === 2,
      {
        timeoutMs: 5_000,
        intervalMs: 20,
      },
    );

    const shed = await deliver(relay);
    expect(shed).toEqual({ status: 503, code: 'RELAY_BUSY', retryAfter: '1' });
    // Answered while the two before it were still waiting for Temporal: no connection held for it.
    expect(heldAnswered).toBe(false);

    expect(await held).toEqual([
      { status: 503, code: 'TEMPORAL_UNAVAILABLE', retryAfter: '5' },
      { status: 503, code: 'TEMPORAL_UNAVAILABLE', retryAfter: '5' },
    ]);
    expect(await metric(relay, 'relay_deliveries_in_flight')).toBe(0);
    expect(await metric(relay, 'relay_webhook_requests_total{outcome="busy"}')).toBe(1);
    expect(await metric(relay, 'relay_webhook_requests_total{outcome="unavailable"}')).toBe(2);
    expect(await metric(relay, 'relay_webhook_requests_total{outcome="delivered"}')).toBe(0);
  });
});
