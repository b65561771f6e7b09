import { randomBytes, randomUUID } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { cashInEvent } from '../../bench/webhook-events';
import { webhookSignature } from '../../domain/connectpsp/signatures';
import { SANDBOX_CREDENTIALS } from '../../runtime/config';
import { AesGcmPayloadCodec } from '../../runtime/payload-codec';
import { parkedEventWorkflowId } from '../../workflows/parked-event';
import { cleanEnv, runNode } from '../helpers/processes';
import { startRelayProcess } from '../helpers/relay-process';
import { connectTestClient } from '../helpers/temporal';

function postWebhook(port: number, body: string, cryptoToken: string) {
  return request(`http://127.0.0.1:${port}/webhooks/connectpsp`, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'x-connect-signature': webhookSignature(body, cryptoToken),
    },
  });
}

const LIVE = {
  CONNECTPSP_MODE: 'live',
  CONNECTPSP_BASE_URL: 'https://api.connectpsp.example',
  CONNECTPSP_CLIENT_ID: '42',
  CONNECTPSP_CLIENT_SECRET: randomUUID(),
  CONNECTPSP_APPLICATION_TOKEN: randomUUID(),
  CONNECTPSP_CRYPTO_TOKEN: `live-${randomUUID()}`,
  PAYLOAD_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
};

/** The compiled entry point (npm test builds dist/ first), as the stack launcher and Docker run it. */
describe('relay process (dist/relay/main.js)', () => {
  it('logs one line when listening, encrypts what it signals, and exits 0 on SIGTERM', async () => {
    const key = randomBytes(32);
    const relay = await startRelayProcess({
      CONNECTPSP_MODE: 'sandbox',
      PAYLOAD_ENCRYPTION_KEY: key.toString('base64'),
    });
    const { port, started } = relay;
    expect(started).toMatchObject({
      name: 'relay',
      port,
      webhookUrl: `http://127.0.0.1:${port}/webhooks/connectpsp`,
    });

    const health = await request(`http://127.0.0.1:${port}/healthz`);
    expect(health.statusCode).toBe(200);
    await health.body.dump();
    const ready = await request(`http://127.0.0.1:${port}/readyz`);
    expect(ready.statusCode).toBe(200);
    await ready.body.dump();

    // Parked (nothing runs `cash-in:<ref>`): the envelope's PII reaches Temporal only encrypted.
    const event = cashInEvent(`process-${randomUUID()}`);
    const body = JSON.stringify(event);
    const delivered = await postWebhook(port, body, SANDBOX_CREDENTIALS.cryptoToken);
    expect(await delivered.body.json()).toMatchObject({ outcome: 'parked' });
    const client = await connectTestClient();
    try {
      const handle = client.workflow.getHandle(
        parkedEventWorkflowId(event.data.transactionId, 'CASHIN_PAID'),
      );
      const history = await handle.fetchHistory();
      const payloads = (history.events ?? []).flatMap((e) => [
        ...(e.workflowExecutionStartedEventAttributes?.input?.payloads ?? []),
        ...(e.workflowExecutionSignaledEventAttributes?.input?.payloads ?? []),
      ]);
      expect(payloads).toHaveLength(2);
      for (const payload of payloads) {
        expect(Buffer.from(payload.metadata?.encoding ?? []).toString()).toBe('binary/encrypted');
        const bytes = Buffer.from(payload.data ?? []).toString('latin1');
        expect(bytes).not.toContain(event.data.payer.document);
        expect(bytes).not.toContain(event.data.payer.name);
      }
      const [signalled] = await new AesGcmPayloadCodec(key).decode(payloads.slice(1) as Payload[]);
      expect(defaultPayloadConverter.fromPayload(signalled as Payload)).toEqual(event);
      await handle.terminate('test done');
    } finally {
      await client.connection.close();
    }

    relay.stop();
    const { code, stdout } = await relay.output;
    expect(code).toBe(0);
    expect(stdout).toContain('relay stopped');
  });

  it('in live mode verifies webhooks with CONNECTPSP_CRYPTO_TOKEN: the public sandbox token gets 401', async () => {
    const relay = await startRelayProcess(LIVE);
    try {
      const event = cashInEvent(`live-${randomUUID()}`);
      const body = JSON.stringify(event);
      const forged = await postWebhook(relay.port, body, SANDBOX_CREDENTIALS.cryptoToken);
      expect(forged.statusCode).toBe(401);
      expect(await forged.body.json()).toMatchObject({ code: 'INVALID_SIGNATURE' });
      const genuine = await postWebhook(relay.port, body, LIVE.CONNECTPSP_CRYPTO_TOKEN);
      expect(genuine.statusCode).toBe(200);
      expect(await genuine.body.json()).toMatchObject({ outcome: 'parked' });
      const client = await connectTestClient();
      await client.workflow
        .getHandle(parkedEventWorkflowId(event.data.transactionId, 'CASHIN_PAID'))
        .terminate('test done')
        .finally(() => client.connection.close());
    } finally {
      relay.stop();
      await relay.output;
    }
  });
});

describe.each(['relay/main.js', 'worker/main.js'])(
  '%s refuses to start (exit 2) rather than fall back to the sandbox keys',
  (entry) => {
    const run = (env: Record<string, string>) =>
      runNode(
        entry,
        [],
        cleanEnv({
          TEMPORAL_ADDRESS: '127.0.0.1:1',
          LEDGER_DATABASE_URL: 'postgres://x@127.0.0.1:1/x',
          ...env,
        }),
      );

    it('without CONNECTPSP_MODE', async () => {
      const result = await run({});
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('CONNECTPSP_MODE: is required');
    });

    it.each([
      ['CONNECTPSP_CLIENT_SECRET', SANDBOX_CREDENTIALS.clientSecret],
      ['CONNECTPSP_CRYPTO_TOKEN', SANDBOX_CREDENTIALS.cryptoToken],
    ])(
      'in live mode, with the public sandbox value of %s (named, its value never printed)',
      async (name, value) => {
        const result = await run({ ...LIVE, [name]: value });
        expect(result.code).toBe(2);
        expect(result.stderr).toContain(`${name}: is the public sandbox value, refused in live mode`);
        expect(result.stderr + result.stdout).not.toContain(value);
      },
    );

    it('in live mode, with a secret missing', async () => {
      const result = await run({ ...LIVE, CONNECTPSP_APPLICATION_TOKEN: '' });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('CONNECTPSP_APPLICATION_TOKEN: is required in live mode');
    });
  },
);
