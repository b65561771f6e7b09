import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ENCRYPTED_ENCODING } from '../../runtime/payload-codec';
import type { CashInStatus } from '../../workflows/messages';
import { useLifecycleEnv } from '../helpers/lifecycle-env';

interface RawPayload {
  metadata?: Record<string, Uint8Array> | null;
  data?: Uint8Array | null;
}

/** Every Payload in a history (objects with metadata.encoding), except search attributes, which Temporal must index in clear. */
function payloadsOf(node: unknown, path = ''): Array<{ path: string; payload: RawPayload }> {
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return [];
  if (path.endsWith('.searchAttributes')) return [];
  const candidate = node as RawPayload;
  if (candidate.metadata && candidate.metadata.encoding instanceof Uint8Array)
    return [{ path, payload: candidate }];
  return Object.entries(node).flatMap(([key, value]) => payloadsOf(value, `${path}.${key}`));
}

describe('PII in Temporal payloads (invariant 5), with PAYLOAD_ENCRYPTION_KEY set', () => {
  const env = useLifecycleEnv({ payloadEncryptionKey: randomBytes(32).toString('base64') });

  it('a settled cash-in carries its payer only encrypted: input, signals, activities and results', async () => {
    const payerName = 'Maria Encriptada Souza';
    const input = env.cashInInput({ payer: { name: payerName, document: '52998224725' } });
    const { handle, charge } = await env.startCashIn(input);
    await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`);
    const settled = await env.waitForState<CashInStatus>(handle, 'SETTLED');
    expect(settled.ledger.credited).toBe(true); // the client (with the key) reads it back

    const history = await handle.fetchHistory();
    const payloads = payloadsOf(history);
    expect(payloads.length).toBeGreaterThan(5);
    for (const { path, payload } of payloads) {
      const encoding = Buffer.from(payload.metadata?.encoding ?? []).toString();
      expect({ path, encoding }).toEqual({ path, encoding: ENCRYPTED_ENCODING });
      const data = Buffer.from(payload.data ?? []);
      expect(data.includes(payerName)).toBe(false);
      expect(data.includes('52998224725')).toBe(false);
    }
  });
});
