/**
 * The layer rules of docs/architecture.md are enforced by `npm run check`: dependency-cruiser
 * (scripts/check-imports, two passes) and Biome (process.env outside the config module). Each
 * case builds a small tree in a temporary folder, with one deliberately wrong import, and runs the
 * same commands `npm run check` runs on the repository.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../runtime/project-root';

type Tree = Record<string, string>;

/** A layered tree that breaks no rule; each case adds or replaces one file. */
const CLEAN: Tree = {
  'domain/money.ts': 'export const cents = (reais: number): number => Math.round(reais * 100);\n',
  'connectpsp/client.ts': "import { cents } from '../domain/money';\nexport const pay = () => cents(1);\n",
  'workflows/messages.ts':
    "import type { pay } from '../connectpsp/client';\nexport type Pay = typeof pay;\n",
  'activities/psp.ts': "import { pay } from '../connectpsp/client';\nexport const activity = () => pay();\n",
  'runtime/config.ts': 'export const environment = () => process.env;\n',
  'client/payments.ts':
    "import { environment } from '../runtime/config';\nexport const env = environment();\n",
  'relay/server.ts':
    "import { environment } from '../runtime/config';\nexport const relayEnv = environment();\n",
  'sandbox/server.ts': "import { cents } from '../domain/money';\nexport const price = cents(2);\n",
  'wallet/http-wallet.ts': "import { cents } from '../domain/money';\nexport const hold = () => cents(3);\n",
  'wallet-service/server.ts': "import { cents } from '../domain/money';\nexport const answer = cents(4);\n",
  'dist/workflows/messages.js': '"use strict";\n',
  'dist/activities/psp.js': '"use strict";\nrequire("../connectpsp/client");\n',
  'dist/connectpsp/client.js': '"use strict";\n',
};

let folders: string[] = [];
afterEach(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  folders = [];
});

function writeTree(changes: Tree): string {
  const root = mkdtempSync(path.join(tmpdir(), 'import-rules-'));
  folders.push(root);
  const files: Tree = {
    ...CLEAN,
    ...changes,
    'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'node16', strict: true } }),
  };
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

function checkImports(changes: Tree) {
  const run = spawnSync('bash', [path.join(PROJECT_ROOT, 'scripts', 'check-imports')], {
    cwd: writeTree(changes),
    encoding: 'utf8',
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('import rules (dependency-cruiser, as npm run check runs them)', () => {
  it('pass on a tree that keeps every layer rule', () => {
    const { status, output } = checkImports({});
    expect(output).toContain('no dependency violations found');
    expect(status).toBe(0);
  });

  it.each([
    [
      'an upward import (domain → client)',
      { 'domain/money.ts': "import { env } from '../client/payments';\nexport const e = env;\n" },
      'domain-imports-nothing-above-it',
    ],
    [
      'an import cycle',
      {
        'client/payments.ts': "import { b } from './list';\nexport const a = () => b;\n",
        'client/list.ts': "import { a } from './payments';\nexport const b = () => a;\n",
      },
      'no-circular',
    ],
    [
      'a process importing another (relay → client)',
      { 'relay/server.ts': "import { env } from '../client/payments';\nexport const relayEnv = env;\n" },
      'relay-imports-no-other-process',
    ],
    [
      'an I/O module in workflow code',
      {
        'workflows/messages.ts':
          "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n",
      },
      'workflows-import-only-the-workflow-sdk',
    ],
    [
      'the sandbox importing the PSP client',
      { 'sandbox/server.ts': "import { pay } from '../connectpsp/client';\nexport const price = pay();\n" },
      'sandbox-imports-no-psp-client',
    ],
    [
      'the reference wallet service importing the HTTP wallet (it shares only the wire in domain/)',
      {
        'wallet-service/server.ts':
          "import { hold } from '../wallet/http-wallet';\nexport const answer = hold();\n",
      },
      'wallet-service-imports-no-wallet-client',
    ],
    [
      'the wallet library importing the PSP client (a library of the same layer)',
      {
        'wallet/http-wallet.ts':
          "import { pay } from '../connectpsp/client';\nexport const hold = () => pay();\n",
      },
      'wallet-imports-nothing-above-it',
    ],
    [
      'a process importing the reference wallet service (client → wallet-service)',
      {
        'client/payments.ts':
          "import { answer } from '../wallet-service/server';\nexport const env = answer;\n",
      },
      'client-imports-no-other-process',
    ],
    [
      'activities reading the runtime configuration',
      {
        'activities/psp.ts':
          "import { environment } from '../runtime/config';\nexport const e = environment;\n",
      },
      'activities-imports-nothing-above-it',
    ],
    [
      'compiled workflow code loading an activity module (a value import, not `import type`)',
      { 'dist/workflows/messages.js': '"use strict";\nrequire("../activities/psp");\n' },
      'workflows-load-no-side-effecting-module',
    ],
  ])('fail on %s', (_case, changes, rule) => {
    const { status, output } = checkImports(changes);
    expect(output).toContain(rule);
    expect(status).not.toBe(0);
  });
});

describe('process.env (Biome noProcessEnv, as npm run check runs it)', () => {
  function biomeLint(changes: Tree) {
    const config = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'biome.json'), 'utf8'));
    const root = writeTree({
      ...changes,
      'biome.json': JSON.stringify({ ...config, $schema: undefined, vcs: { enabled: false } }),
    });
    const run = spawnSync(path.join(PROJECT_ROOT, 'node_modules', '.bin', 'biome'), ['lint', '.'], {
      cwd: root,
      encoding: 'utf8',
    });
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
  }

  it('is read by the config module only', () => {
    expect(biomeLint({}).status).toBe(0);
    const outside = biomeLint({ 'client/payments.ts': 'export const level = process.env.LOG_LEVEL;\n' });
    expect(outside.output).toContain('noProcessEnv');
    expect(outside.output).toContain('client/payments.ts');
    expect(outside.status).not.toBe(0);
  });
});
