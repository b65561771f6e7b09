import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { request } from 'undici';
import { describe, expect, inject, it } from 'vitest';
import { cashInEvent } from '../../bench/webhook-events';
import { webhookSignature } from '../../domain/connectpsp/signatures';
import { SANDBOX_CREDENTIALS } from '../../runtime/config';
import { AesGcmPayloadCodec } from '../../runtime/payload-codec';
import { PROJECT_ROOT } from '../../runtime/project-root';
import { freePort } from '../../scripts/ports';
import { parkedEventWorkflowId } from '../../workflows/parked-event';
import { cleanEnv, collectOutput } from '../helpers/processes';
import { connectTestClient } from '../helpers/temporal';

/** The compiled entry point (npm test builds dist/ first), as the stack launcher and Docker run it. */
describe('relay process (dist/relay/main.js)', () => {
  it('logs one line when listening, encrypts what it signals, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const key = randomBytes(32);
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'relay', 'main.js')], {
      cwd: PROJECT_ROOT,
      env: cleanEnv({
        RELAY_PORT: String(port),
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TEMPORAL_NAMESPACE: inject('temporalNamespace'),
        LOG_LEVEL: 'info',
        PAYLOAD_ENCRYPTION_KEY: key.toString('base64'),
      }),
    });
    const output = collectOutput(child, 30_000);
    const listening = new Promise<Record<string, unknown>>((resolve) => {
      let buffered = '';
      child.stdout?.on('data', (chunk) => {
        buffered += chunk;
        const line = buffered.split('\n').find((l) => l.includes('relay listening'));
        if (line) resolve(JSON.parse(line));
      });
    });
    const started = await Promise.race([
      listening,
      output.then((r) => {
        throw new Error(`relay exited early (${r.code}): ${r.stderr}`);
      }),
    ]);
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
    const delivered = await request(`http://127.0.0.1:${port}/webhooks/connectpsp`, {
      method: 'POST',
      body,
      headers: { 'x-connect-signature': webhookSignature(body, SANDBOX_CREDENTIALS.cryptoToken) },
    });
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

    child.kill('SIGTERM');
    const { code, stdout } = await output;
    expect(code).toBe(0);
    expect(stdout).toContain('relay stopped');
  });
});
