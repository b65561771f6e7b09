import { readFileSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../runtime/project-root';

/**
 * package.json's `engines.node` is the true minimum: every locked package accepts the lowest
 * version of each of its ranges, and the versions just below are refused by at least one.
 * scripts/bootstrap checks the same rule (test/integration/bootstrap.test.ts).
 */
const readJson = <T>(file: string): T => JSON.parse(readFileSync(path.join(PROJECT_ROOT, file), 'utf8')) as T;
const declared = readJson<{ engines: { node: string } }>('package.json').engines.node;
const locked = Object.entries(
  readJson<{ packages: Record<string, { engines?: { node?: string } }> }>('package-lock.json').packages,
).flatMap(([where, entry]) => (where && entry.engines?.node ? [{ where, node: entry.engines.node }] : []));

const refusing = (version: string) =>
  locked
    .filter(({ node }) => !semver.satisfies(version, node))
    .map(({ where }) => where.replace(/^.*node_modules\//, ''));

describe('engines.node', () => {
  it('is ^20.19.0 || ^22.13.0 || >=24.0.0', () => {
    expect(declared).toBe('^20.19.0 || ^22.13.0 || >=24.0.0');
  });

  it.each(['20.19.0', '22.13.0', '24.0.0'])(
    '%s, a lowest version it allows, satisfies every locked package',
    (version) => {
      expect(semver.satisfies(version, declared)).toBe(true);
      expect(refusing(version)).toEqual([]);
    },
  );

  it.each([
    ['20.18.1', '@brazilian-utils/brazilian-utils'],
    ['22.12.0', 'watskeburt'],
  ])('%s, just below, is refused by a locked package (%s)', (version, refuser) => {
    expect(semver.satisfies(version, declared)).toBe(false);
    expect(refusing(version)).toContain(refuser);
  });
});
