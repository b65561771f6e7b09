/**
 * The chaos simulation: payments generated from a seed, each with its own misbehaving PSP (answers
 * dropped, garbled or failed around the commit, refusals, rate limits; webhooks duplicated,
 * reordered or lost), run concurrently in batches with the worker restarted mid-batch, an operator
 * resolving whatever ends in NEEDS_REVIEW from the PSP's record. After each scenario the invariants
 * of test/chaos/invariants.ts must hold, and after each batch the ledger must agree with the PSP.
 *
 *   npm run chaos -- --seed 42 --cases 300     (CHAOS_SEED / CHAOS_CASES; CI runs the fixed seed)
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SANDBOX_CREDENTIALS } from '../../runtime/config';
import { payloadCodecFor } from '../../runtime/payload-codec';
import { violations } from '../chaos/invariants';
import { PspView, runScenario } from '../chaos/run-scenario';
import { chaosBatches } from '../chaos/scenario';
import { PAYEE_PIX_KEY, useLifecycleEnv, VALID_CPF } from '../helpers/lifecycle-env';
import {
  formatHits,
  personNeedles,
  scanForLeaks,
  secretNeedles,
  temporalSources,
} from '../helpers/secret-scan';

const SEED = Number(process.env.CHAOS_SEED ?? 20261129);
const CASES = Number(process.env.CHAOS_CASES ?? 100);
const BATCH_SIZE = 25;

describe(`chaos simulation (seed ${SEED}, ${CASES} payments)`, () => {
  const payloadEncryptionKey = randomBytes(32).toString('base64');
  const env = useLifecycleEnv({ payloadEncryptionKey });

  it.each(chaosBatches(SEED, CASES, BATCH_SIZE).map((batch, index) => ({ batch, index })))(
    'batch $index: every payment ends where the PSP says, with its money',
    async ({ batch, index }) => {
      await env.setPspWallet({ transactional: 1_000_000, proprietary: 1_000_000 });
      const view = new PspView(env);
      const restart =
        batch.workerRestartAfterMs === null
          ? Promise.resolve()
          : new Promise((resolve) => setTimeout(resolve, batch.workerRestartAfterMs ?? 0))
              .then(() => env.stopWorker())
              .then(() => env.startWorker());
      const results = await Promise.all(batch.scenarios.map((scenario) => runScenario(env, view, scenario)));
      await restart;
      await env.psp.control('DELETE', '/faults');

      const reviewed = results.filter((r) => r.final.timeline.some((t) => t.state === 'NEEDS_REVIEW'));
      const endings = Object.entries(
        results.reduce<Record<string, number>>((counts, r) => {
          const ending = `${r.scenario.kind} ${r.final.state}`;
          counts[ending] = (counts[ending] ?? 0) + 1;
          return counts;
        }, {}),
      );
      console.info(
        `chaos batch ${index}: ${results.length} payments (${endings.map(([e, n]) => `${n} ${e}`).join(', ')}); ` +
          `${reviewed.length} went to NEEDS_REVIEW, ${results.flatMap((r) => r.operatorDecisions).length} operator decisions; ` +
          `worker restarted: ${batch.workerRestartAfterMs === null ? 'no' : `after ${batch.workerRestartAfterMs} ms`}`,
      );

      const failures = results.flatMap((result, position) => {
        const found = violations(result, { workerRestarted: batch.workerRestartAfterMs !== null });
        if (found.length === 0) return [];
        const caseIndex = index * BATCH_SIZE + position;
        return [
          {
            reproduce: `npm run chaos -- --seed ${SEED} --cases ${caseIndex + 1}   (case ${caseIndex})`,
            reference: result.reference,
            scenario: result.scenario,
            ended: result.final.state,
            timeline: result.final.timeline.map((t) => `${t.state}${t.note ? ` (${t.note})` : ''}`),
            psp: {
              cashIns: result.psp.cashIns.map((r) => r.status),
              cashOuts: result.psp.cashOuts.map((r) => r.status),
            },
            violations: found,
          },
        ];
      });
      expect(failures).toEqual([]);
    },
    300_000,
  );

  it('leaves no secret or personal data in clear in any history it wrote, however its calls failed', async () => {
    const sources = await temporalSources(
      env.client,
      `TaskQueue = '${env.taskQueue}'`,
      payloadCodecFor({ PAYLOAD_ENCRYPTION_KEY: payloadEncryptionKey }),
    );
    expect(sources.filter((s) => s.name.endsWith(', decoded')).length).toBeGreaterThanOrEqual(CASES);
    const needles = [
      ...secretNeedles({
        'the client secret': SANDBOX_CREDENTIALS.clientSecret,
        'the ApplicationToken': SANDBOX_CREDENTIALS.applicationToken,
        'the CryptoToken': SANDBOX_CREDENTIALS.cryptoToken,
        'the payload encryption key': payloadEncryptionKey,
      }),
      ...personNeedles([
        { name: 'Ana Maria Souza', document: VALID_CPF },
        { name: 'Bruno Lima', document: VALID_CPF, pixKeys: [PAYEE_PIX_KEY] },
      ]),
    ];
    expect(formatHits(scanForLeaks(sources, needles))).toEqual([]);
  }, 120_000);
});
