import { randomBytes } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataConverterFor } from '../../runtime/data-converter';
import {
  AesGcmPayloadCodec,
  ENCRYPTED_ENCODING,
  encryptionKeyId,
  KEY_ID_METADATA,
} from '../../runtime/payload-codec';
import type { CashInStatus, CashOutStatus } from '../../workflows/messages';
import { convertedPayloads } from '../helpers/history-payloads';
import { useLifecycleEnv } from '../helpers/lifecycle-env';
import { connectTestClient } from '../helpers/temporal';

const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString();

// Lifecycles live for months, so a key change happens under running workflows: the procedure of
// docs/security.md#rotating-the-payload-key, run against real histories.
describe('payload key rotation under running workflows', () => {
  const [keyA, keyB] = [randomBytes(32), randomBytes(32)];
  const rotated = {
    PAYLOAD_ENCRYPTION_KEY: keyB.toString('base64'),
    PAYLOAD_ENCRYPTION_PREVIOUS_KEYS: keyA.toString('base64'),
  };
  const env = useLifecycleEnv({ payloadEncryptionKey: keyA.toString('base64') });
  let rotatedClient: Client;

  beforeAll(async () => {
    rotatedClient = await connectTestClient({ dataConverter: dataConverterFor(rotated) });
  });
  afterAll(async () => {
    await rotatedClient?.connection.close();
  });

  it('lifecycles started under key A finish under keyring {B current, A previous}; every payload decodes', async () => {
    // Under key A: a charge waiting for payment, two cash-outs waiting for the PSP's verdict.
    const cashIn = await env.startCashIn(env.cashInInput());
    await env.waitForState<CashInStatus>(cashIn.handle, 'AWAITING_PAYMENT');
    const cashOuts: Array<{ workflowId: string; transactionId: string }> = [];
    for (const amountCents of [10_00, 20_00]) {
      const input = env.cashOutInput({ amountCents });
      await env.fundUser(input.userId, amountCents);
      const handle = await env.startCashOut(input);
      const processing = await env.waitForState<CashOutStatus>(handle, 'PROCESSING');
      cashOuts.push({ workflowId: handle.workflowId, transactionId: processing.psp.transactionId as string });
    }

    // Rotation: the worker restarts (empty cache: it replays every history written under A) and
    // clients switch to the keyring. The relay is left on key A, as in a rolling deployment.
    await env.stopWorker();
    await env.startWorker({ dataConverter: dataConverterFor(rotated) });
    const handleOf = (workflowId: string) => rotatedClient.workflow.getHandle(workflowId) as WorkflowHandle;

    await env.psp.control('POST', `/cash-in/${cashIn.charge.transactionId}/pay`);
    await env.psp.control('POST', `/cash-out/${cashOuts[0]?.transactionId}/complete`);
    await env.psp.control('POST', `/cash-out/${cashOuts[1]?.transactionId}/fail`, {
      code: 'PIX_KEY_NOT_FOUND',
      message: 'The PIX key was not found in the DICT',
    });
    // Why the procedure adds B as a previous key everywhere before any process encrypts with it: a
    // client that only knows A starts the workflow but cannot read the charge the rotated worker
    // wrote under B.
    const fresh = env.cashInInput();
    await expect(env.startCashIn(fresh)).rejects.toThrow(/not in the keyring/);
    const freshStart = { handle: handleOf(`cash-in:${fresh.reference}`) };
    const states = await Promise.all([
      env.waitForState<CashInStatus>(handleOf(cashIn.handle.workflowId), 'SETTLED'),
      env.waitForState<CashOutStatus>(handleOf(cashOuts[0]?.workflowId as string), 'SETTLED'),
      env.waitForState<CashOutStatus>(handleOf(cashOuts[1]?.workflowId as string), 'REFUNDED'),
      env.waitForState<CashInStatus>(handleOf(freshStart.handle.workflowId), 'AWAITING_PAYMENT'),
    ]);
    expect(states.map((s) => s.state)).toEqual(['SETTLED', 'SETTLED', 'REFUNDED', 'AWAITING_PAYMENT']);

    // Every payload of every history of this run: encrypted under A or B, and decodable by the ring.
    const ring = new AesGcmPayloadCodec(keyB, [keyA]);
    const onlyB = new AesGcmPayloadCodec(keyB);
    const bothKeys = [encryptionKeyId(keyA), encryptionKeyId(keyB)].sort();
    const workflowIds = [
      cashIn.handle.workflowId,
      ...cashOuts.map((c) => c.workflowId),
      freshStart.handle.workflowId,
    ];
    for (const workflowId of workflowIds) {
      const history = await handleOf(workflowId).fetchHistory();
      const payloads = convertedPayloads(history);
      expect(payloads.length).toBeGreaterThan(3);
      const keyIds = new Set<string>();
      for (const payload of payloads) {
        expect(text(payload.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
        const keyId = text(payload.metadata?.[KEY_ID_METADATA]);
        keyIds.add(keyId);
        const [decoded] = await ring.decode([payload]);
        expect(text(decoded?.metadata?.encoding)).toMatch(/^json\/plain$|^binary\/null$/);
        if (keyId === encryptionKeyId(keyA)) {
          await expect(onlyB.decode([payload])).rejects.toThrow(/not in the keyring/);
        }
      }
      // Each history holds both keys: what was written before the rotation was read, not rewritten.
      expect({ workflowId, keys: [...keyIds].sort() }).toEqual({ workflowId, keys: bothKeys });
    }
  });
});
