/**
 * Invariant 6: every workflow type's recorded histories (test/fixtures/histories) replay against
 * the current workflow code. A change that would break workflows already running fails here.
 * Re-record with RECORD_HISTORIES=1, or only some with RECORD_ONLY=name,name as well
 * (see test/replay/record-histories.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { SANDBOX_CREDENTIALS } from '../../runtime/config';
import * as workflows from '../../workflows';
import { startLifecycleEnv } from '../helpers/lifecycle-env';
import { installQuietRuntime } from '../helpers/temporal';
import {
  HISTORIES_DIR,
  RECORDED_HISTORIES,
  type RecordedHistoryName,
  recordHistories,
} from '../replay/record-histories';

function loadHistory(name: RecordedHistoryName) {
  return historyFromJSON(JSON.parse(readFileSync(path.join(HISTORIES_DIR, `${name}.json`), 'utf8')));
}

describe('recorded histories replay against the current workflow code', () => {
  beforeAll(async () => {
    if (process.env.RECORD_HISTORIES !== '1') {
      installQuietRuntime();
      return;
    }
    const env = await startLifecycleEnv();
    try {
      await recordHistories(env);
    } finally {
      await env.close();
    }
  }, 120_000);

  const names = Object.keys(RECORDED_HISTORIES) as RecordedHistoryName[];

  it('covers every workflow type the worker runs', () => {
    expect(new Set(Object.values(RECORDED_HISTORIES))).toEqual(new Set(Object.keys(workflows)));
  });

  it('carries no secret: no credential, token or signature in any payload of any history', () => {
    const secrets = [
      SANDBOX_CREDENTIALS.clientSecret,
      SANDBOX_CREDENTIALS.applicationToken,
      SANDBOX_CREDENTIALS.cryptoToken,
    ];
    for (const name of names) {
      const raw = readFileSync(path.join(HISTORIES_DIR, `${name}.json`), 'utf8');
      const decoded = [...raw.matchAll(/"data": "([A-Za-z0-9+/=]+)"/g)].map((m) =>
        Buffer.from(m[1] as string, 'base64').toString('utf8'),
      );
      expect(decoded.length, name).toBeGreaterThan(0);
      for (const text of [raw, ...decoded]) {
        for (const secret of secrets) expect(text.includes(secret), name).toBe(false);
        expect(text, name).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/); // a JWT
        expect(text, name).not.toMatch(/Bearer /);
      }
    }
  });

  it.each(names)('%s', async (name) => {
    const history = loadHistory(name);
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    expect(started?.workflowType?.name).toBe(RECORDED_HISTORIES[name]);
    await Worker.runReplayHistory(
      { workflowBundle: { codePath: inject('workflowBundlePath') } },
      history,
      name,
    );
  });
});
