import { randomBytes } from 'node:crypto';
import { type ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { SANDBOX_CREDENTIALS } from '../../runtime/config';
import { ENCRYPTED_ENCODING, payloadCodecFor } from '../../runtime/payload-codec';
import type { CashInStatus, CashOutStatus } from '../../workflows/messages';
import { historyPayloads, isSdkBookkeeping } from '../helpers/history-payloads';
import { PAYEE_PIX_KEY, useLifecycleEnv, VALID_CPF } from '../helpers/lifecycle-env';
import {
  formatHits,
  personNeedles,
  scanForLeaks,
  secretNeedles,
  temporalSources,
} from '../helpers/secret-scan';

interface RawPayload {
  metadata?: Record<string, Uint8Array> | null;
  data?: Uint8Array | null;
}

interface RawFailure {
  message?: string | null;
  stackTrace?: string | null;
  encodedAttributes?: RawPayload | null;
}

/** Every Failure in a history (objects with a `failure`-ish key holding a message). */
function failuresOf(node: unknown): RawFailure[] {
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return [];
  return Object.entries(node).flatMap(([key, value]) => {
    const here =
      /failure$|^cause$/i.test(key) && value !== null && typeof value === 'object' && 'message' in value
        ? [value as RawFailure]
        : [];
    return [...here, ...failuresOf(value)];
  });
}

describe('PII in Temporal payloads (invariant 5), with PAYLOAD_ENCRYPTION_KEY set', () => {
  const key = randomBytes(32).toString('base64');
  const env = useLifecycleEnv({ payloadEncryptionKey: key });

  it('a settled cash-in carries its payer only encrypted: input, signals, activities and results', async () => {
    const payerName = 'Maria Encriptada Souza';
    const input = env.cashInInput({ payer: { name: payerName, document: '52998224725' } });
    const { handle, charge } = await env.startCashIn(input);
    await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`);
    const settled = await env.waitForState<CashInStatus>(handle, 'SETTLED');
    expect(settled.ledger.credited).toBe(true); // the client (with the key) reads it back

    const history = await handle.fetchHistory();
    // Markers of the SDK itself carry their own bookkeeping in clear: a patch id (workflow
    // versioning), a local activity's type and timing. Their results go through the codec.
    for (const { path, payload } of historyPayloads(history).filter((p) => isSdkBookkeeping(p.path))) {
      const data = Buffer.from(payload.data ?? []);
      expect(data.includes(payerName), path).toBe(false);
      expect(data.includes('52998224725'), path).toBe(false);
      // The trace context in headers, in clear: W3C trace ids and nothing else.
      if (path.endsWith('_tracer-data')) {
        const carried = Object.keys(JSON.parse(data.toString()) as object);
        expect(
          carried.filter((k) => k !== 'traceparent' && k !== 'tracestate'),
          path,
        ).toEqual([]);
      }
    }
    const payloads = historyPayloads(history).filter(({ path }) => !isSdkBookkeeping(path));
    expect(payloads.length).toBeGreaterThan(5);
    for (const { path, payload } of payloads) {
      const encoding = Buffer.from(payload.metadata?.encoding ?? []).toString();
      expect({ path, encoding }).toEqual({ path, encoding: ENCRYPTED_ENCODING });
      const data = Buffer.from(payload.data ?? []);
      expect(data.includes(payerName)).toBe(false);
      expect(data.includes('52998224725')).toBe(false);
    }
  });

  it('a FAILED cash-out keeps its failure messages and stack traces encrypted as well', async () => {
    const input = env.cashOutInput({ amountCents: 10_00 });
    await env.fundUser(input.userId, 9_99);
    const handle = await env.startCashOut(input);
    const error = await handle.result().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    // The client (with the key) reads the failure back in full.
    const cause = (error as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('USER_INSUFFICIENT_FUNDS');
    expect(cause.message).toContain(input.userId);
    expect(cause.stack).toBeTruthy();
    await env.waitForState<CashOutStatus>(handle, 'FAILED');

    const history = await handle.fetchHistory();
    const failures = failuresOf(history);
    expect(failures.length).toBeGreaterThanOrEqual(2); // the activity's and the workflow's
    for (const failure of failures) {
      expect(failure).toMatchObject({ message: 'Encoded failure', stackTrace: '' });
      const encoding = Buffer.from(failure.encodedAttributes?.metadata?.encoding ?? []).toString();
      expect(encoding).toBe(ENCRYPTED_ENCODING);
    }
    const everyString = JSON.stringify(history, (_key, value) =>
      value instanceof Uint8Array ? Buffer.from(value).toString('latin1') : value,
    );
    expect(everyString).not.toContain(cause.message);
    const frames = (cause.stack ?? '').split('\n').filter((line) => line.trim().startsWith('at '));
    expect(frames.length).toBeGreaterThan(0);
    for (const frame of frames) expect(everyString).not.toContain(frame.trim());
  });

  it('the secret and PII scan finds nothing in clear in any history, search attribute or memo of this suite', async () => {
    const query = `TaskQueue = '${env.taskQueue}'`;
    // Visibility is eventually consistent: wait until it lists both lifecycles of this suite.
    await env.waitUntil(
      'visibility lists the suite',
      async () => (await env.client.workflow.count(query)).count >= 2,
    );
    const sources = await temporalSources(
      env.client,
      query,
      payloadCodecFor({ PAYLOAD_ENCRYPTION_KEY: key }),
    );
    expect(
      sources.filter((s) => s.name.endsWith(', raw') && s.name.startsWith('history')).length,
    ).toBeGreaterThanOrEqual(2);
    const needles = [
      ...secretNeedles({
        'the client secret': SANDBOX_CREDENTIALS.clientSecret,
        'the ApplicationToken': SANDBOX_CREDENTIALS.applicationToken,
        'the CryptoToken': SANDBOX_CREDENTIALS.cryptoToken,
        'the payload encryption key': key,
      }),
      ...personNeedles([
        { name: 'Maria Encriptada Souza', document: VALID_CPF },
        { name: 'Bruno Lima', document: VALID_CPF, pixKeys: [PAYEE_PIX_KEY] },
      ]),
    ];
    expect(formatHits(scanForLeaks(sources, needles))).toEqual([]);
  });
});
