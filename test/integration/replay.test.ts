/**
 * Invariant 6: every recorded history (test/fixtures/histories, found by listing the folder)
 * replays on the production workflow bundle, built by the same function as `npm run build`. A
 * change that would break workflows already running fails here. docs/lifecycles.md lists the
 * branch each fixture covers; a workflow type or a listed branch without a fixture fails too.
 * Record new fixtures with `npm run histories:record` (see test/replay/record.histories.ts).
 */
import { Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { SANDBOX_CREDENTIALS } from '../../runtime/config';
import { tracingOff } from '../../runtime/tracing';
import { workflowSpanSinks } from '../../worker/telemetry';
import * as workflows from '../../worker/workflows';
import { IGNORED_LIFECYCLE_METRICS, installQuietRuntime } from '../helpers/temporal';
import {
  documentedBranches,
  fixtureNames,
  loadHistory,
  readHistoryText,
  workflowTypeOf,
} from '../replay/histories';

const fixtures = fixtureNames();
const branches = documentedBranches();

describe('recorded histories', () => {
  beforeAll(() => installQuietRuntime());

  it('list every fixture in docs/lifecycles.md, each with the workflow type it replays as', () => {
    expect(branches.map((b) => b.fixture).sort()).toEqual(fixtures);
    for (const { fixture, workflowType } of branches) {
      expect(workflowTypeOf(loadHistory(fixture)), fixture).toBe(workflowType);
    }
  });

  it('cover every workflow type the worker runs', () => {
    const covered = new Set(fixtures.map((name) => workflowTypeOf(loadHistory(name))));
    for (const type of Object.keys(workflows)) expect(covered, type).toContain(type);
  });

  it('carry no secret and no path of the machine they were recorded on', () => {
    const secrets = [
      SANDBOX_CREDENTIALS.clientSecret,
      SANDBOX_CREDENTIALS.applicationToken,
      SANDBOX_CREDENTIALS.cryptoToken,
    ];
    for (const name of fixtures) {
      const raw = readHistoryText(name);
      const decoded = [...raw.matchAll(/"data": "([A-Za-z0-9+/=]+)"/g)].map((m) =>
        Buffer.from(m[1] as string, 'base64').toString('utf8'),
      );
      expect(decoded.length, name).toBeGreaterThan(0);
      for (const text of [raw, ...decoded]) {
        for (const secret of secrets) expect(text.includes(secret), name).toBe(false);
        expect(text, name).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/); // a JWT
        expect(text, name).not.toMatch(/Bearer /);
        expect(text, name).not.toMatch(/(^|[\s("'(])\/(home|root|tmp|work|Users|var|opt|srv|mnt)\//);
      }
    }
  });

  it.each(fixtures)('%s replays on the production bundles, tracing off and on', async (name) => {
    for (const codePath of [inject('productionBundlePath'), inject('tracedProductionBundlePath')]) {
      await Worker.runReplayHistory(
        {
          workflowBundle: { codePath },
          // The bundle's workflow interceptors send spans and state changes to these sinks, as in a worker.
          sinks: { ...workflowSpanSinks(tracingOff()), ...IGNORED_LIFECYCLE_METRICS },
        },
        loadHistory(name),
        name,
      );
    }
  });
});
