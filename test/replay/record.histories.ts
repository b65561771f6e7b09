/**
 * `npm run histories:record`: runs each recipe of recordings.ts against the sandbox and writes its
 * fixtures. A fixture that already exists is never overwritten: the new recording goes to
 * .data/histories/ instead, and `npm run histories:compare` says whether it differs. So recording
 * can never turn a non-deterministic change into a passing replay.
 *
 * RECORD_ONLY=name,name records just the recipes that write those fixtures.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LifecycleEnv, startLifecycleEnv } from '../helpers/lifecycle-env';
import { fixtureNames, HISTORIES_DIR, historyFixtureText, RERECORDED_DIR } from './histories';
import { RECORDINGS, type SaveHistory } from './recordings';

const only = process.env.RECORD_ONLY?.split(',').filter(Boolean);
const chosen = RECORDINGS.filter((recording) => !only || recording.fixtures.some((f) => only.includes(f)));

let env: LifecycleEnv;
beforeAll(async () => {
  env = await startLifecycleEnv();
  await env.setPspWallet({ transactional: 0, proprietary: 100_000 });
});
afterAll(async () => {
  await env?.close();
});

describe('record histories', () => {
  it('has a recipe for every fixture asked for', () => {
    const known = new Set(RECORDINGS.flatMap((r) => r.fixtures));
    expect((only ?? []).filter((name) => !known.has(name))).toEqual([]);
  });

  it.each(chosen.map((recording) => [recording.fixtures.join(' + '), recording] as const))(
    '%s',
    async (_name, recording) => {
      const existing = new Set(fixtureNames());
      const save: SaveHistory = async (name, handle, runId) => {
        const history = await env.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
        const dir = existing.has(name) ? RERECORDED_DIR : HISTORIES_DIR;
        mkdirSync(dir, { recursive: true });
        writeFileSync(path.join(dir, `${name}.json`), historyFixtureText(history));
        process.stdout.write(`recorded ${path.relative(process.cwd(), path.join(dir, `${name}.json`))}\n`);
      };
      await recording.record(env, save);
    },
    120_000,
  );
});
