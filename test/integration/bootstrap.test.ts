import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../runtime/project-root';
import { cleanEnv } from '../helpers/processes';

function bootstrap(vars: Record<string, string> = {}, root = PROJECT_ROOT) {
  return spawnSync('bash', [path.join(root, 'scripts', 'bootstrap')], {
    env: cleanEnv(vars),
    encoding: 'utf8',
    timeout: 120_000,
  });
}

describe('scripts/bootstrap', () => {
  it('prints nothing and succeeds when everything is installed (npm test has just run it)', () => {
    const result = bootstrap();
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('');
  });

  it('refuses a TEMPORAL_CLI_PATH that is not an executable, naming the variable', () => {
    const result = bootstrap({ TEMPORAL_CLI_PATH: '/nonexistent/temporal' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('TEMPORAL_CLI_PATH=/nonexistent/temporal is not an executable file');
  });

  it('builds and checks nothing for Temporal when TEMPORAL_ADDRESS names a server', () => {
    const result = bootstrap({ TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_CLI_PATH: '/nonexistent/temporal' });
    expect(result.status).toBe(0);
    expect(result.stdout + result.stderr).toBe('');
  });
});

/**
 * A copy of the bootstrap script in a project of its own (npm dependencies up to date), with fake
 * `node`, `go` and `temporal` programs first on PATH: each branch runs without touching this
 * checkout, building anything or needing an old Node.
 */
const projects: string[] = [];
afterAll(() => {
  for (const dir of projects) rmSync(dir, { recursive: true, force: true });
});

function fakeProject() {
  const root = mkdtempSync(path.join(tmpdir(), 'pix-bootstrap-'));
  projects.push(root);
  mkdirSync(path.join(root, 'scripts'));
  copyFileSync(path.join(PROJECT_ROOT, 'scripts', 'bootstrap'), path.join(root, 'scripts', 'bootstrap'));
  writeFileSync(path.join(root, 'package-lock.json'), '{}');
  utimesSync(path.join(root, 'package-lock.json'), new Date(2020, 0), new Date(2020, 0));
  mkdirSync(path.join(root, 'node_modules'));
  writeFileSync(path.join(root, 'node_modules', '.package-lock.json'), '{}');
  const bin = path.join(root, 'fake-bin');
  mkdirSync(bin);
  const goCalls = path.join(root, 'go-calls.log');

  const program = (dir: string, name: string, script: string) => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, name), `#!/usr/bin/env bash\n${script}\n`);
    chmodSync(path.join(dir, name), 0o755);
    return path.join(dir, name);
  };
  return {
    root,
    linkedCli: path.join(root, '.tools', 'bin', 'temporal'),
    /** `node` answering `process.versions.node` with this version. */
    node: (version: string) => program(bin, 'node', `echo ${version}`),
    /** `go` of this version; `go install` writes a fake CLI into GOBIN; every call is logged. */
    go: (version: string) =>
      program(
        bin,
        'go',
        `echo "$*" >> ${goCalls}
case "$1" in
  env) echo go${version} ;;
  version) printf '%s: go${version}\\n\\tmod\\tgithub.com/temporalio/cli\\tv1.5.1\\n' "$3" ;;
  install) printf '#!/bin/sh\\necho "temporal version 0.0.0-DEV"\\n' > "$GOBIN/temporal"; chmod +x "$GOBIN/temporal" ;;
esac`,
      ),
    /** A Temporal CLI release binary of this version, on PATH or in `dir`. */
    temporal: (version: string, dir = bin) =>
      program(dir, 'temporal', `echo "temporal version ${version} (Server 1.29.1, UI 2.42.1)"`),
    goCalls: () => (existsSync(goCalls) ? readFileSync(goCalls, 'utf8') : ''),
    run: (vars: Record<string, string> = {}) =>
      bootstrap({ PATH: `${bin}:/usr/bin:/bin`, TEMPORAL_CLI_PATH: '', ...vars }, root),
  };
}

describe('scripts/bootstrap: prerequisites', () => {
  it.each([
    '20.18.1', // process.loadEnvFile and undici are fine, @brazilian-utils and vite are not
    '22.12.0', // dependency-cruiser needs 22.13 on the 22 line
    '21.7.3',
  ])('refuses Node.js %s in one line naming the versions it needs', (version) => {
    const project = fakeProject();
    project.node(version);
    const result = project.run();
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `bootstrap: Node.js ${version} is too old; this project needs Node.js 20.19+ (on the 22 line 22.13+, or 24+) (https://nodejs.org)\n`,
    );
  });

  it.each(['20.19.0', '22.13.0', '24.11.1'])('accepts Node.js %s', (version) => {
    const project = fakeProject();
    project.node(version);
    const result = project.run({ TEMPORAL_ADDRESS: '127.0.0.1:7233' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('refuses a Go older than the Temporal CLI v1.5.1 needs (1.25), in one line, and builds nothing', () => {
    const project = fakeProject();
    project.go('1.24.6');
    const result = project.run();
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'bootstrap: Go 1.24.6 is too old to build the Temporal CLI v1.5.1, which needs Go 1.25 or newer (https://go.dev/doc/install); or put a Temporal CLI 1.5.x on PATH\n',
    );
    expect(project.goCalls()).not.toContain('install');
  });
});

describe('scripts/bootstrap: which Temporal CLI', () => {
  it('1. TEMPORAL_CLI_PATH: uses it, whatever is on PATH, and builds nothing', () => {
    const project = fakeProject();
    project.go('1.25.0');
    project.temporal('1.5.1');
    const own = project.temporal('1.4.0', path.join(project.root, 'own'));
    const result = project.run({ TEMPORAL_CLI_PATH: own });
    expect(result.status).toBe(0);
    expect(result.stdout + result.stderr).toBe('');
    expect(existsSync(project.linkedCli)).toBe(false);
    expect(project.goCalls()).toBe('');
  });

  it('2. a `temporal` 1.5.x on PATH: linked into .tools/bin (what the launcher runs), no Go needed; quiet the next time', () => {
    const project = fakeProject();
    const onPath = project.temporal('1.5.3');
    project.go('1.24.0'); // too old to build: proves nothing is built
    const first = project.run();
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toBe(`bootstrap: using the Temporal CLI 1.5.3 found on PATH (${onPath})\n`);
    expect(lstatSync(project.linkedCli).isSymbolicLink()).toBe(true);
    expect(realpathSync(project.linkedCli)).toBe(realpathSync(onPath));
    expect(project.goCalls()).not.toContain('install');

    const second = project.run();
    expect(second.status).toBe(0);
    expect(second.stdout + second.stderr).toBe('');
  });

  it('3. a `temporal` of another minor version on PATH is not used: Go builds the pinned one', () => {
    const project = fakeProject();
    project.temporal('1.4.2');
    project.go('1.25.0');
    const result = project.run();
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('bootstrap: building the Temporal CLI v1.5.1 with Go into .tools/bin');
    expect(project.goCalls()).toContain('install github.com/temporalio/cli/cmd/temporal@v1.5.1');
    expect(lstatSync(project.linkedCli).isSymbolicLink()).toBe(false);
  });

  it('a linked CLI that moved to another minor version is dropped, then the pinned one is built', () => {
    const project = fakeProject();
    project.temporal('1.5.1');
    expect(project.run().status).toBe(0);
    project.temporal('1.6.0'); // the user upgraded the CLI on PATH
    project.go('1.26.0');
    const result = project.run();
    expect(result.status).toBe(0);
    expect(project.goCalls()).toContain('install');
    expect(lstatSync(project.linkedCli).isSymbolicLink()).toBe(false);
  });
});
