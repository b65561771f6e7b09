/**
 * `npm run build:client-package`: builds packages/client, the installable client library
 * (`@pix-payments/client`). tsc compiles client/index.ts and everything it imports, declarations
 * included; what neither loads at run time nor is read by a type checker is then removed, and
 * every package the rest imports must be a dependency of packages/client/package.json at exactly
 * the version this repository locks. `npm pack ./packages/client` then makes the tarball.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../runtime/project-root';
import { importClosure } from './import-closure';

export const CLIENT_PACKAGE_DIR = path.join(PROJECT_ROOT, 'packages', 'client');
const DIST = path.join(CLIENT_PACKAGE_DIR, 'dist');

interface Manifest {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
const manifest = (dir: string) =>
  JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? filesUnder(file) : [file];
  });
}

function removeEmptyFolders(dir: string): void {
  for (const name of readdirSync(dir)) {
    const sub = path.join(dir, name);
    if (statSync(sub).isDirectory()) removeEmptyFolders(sub);
  }
  if (readdirSync(dir).length === 0) rmdirSync(dir);
}

/** Problems of the package's dependencies against what its files import and the repository locks. */
export function dependencyProblems(imported: Iterable<string>): string[] {
  const declared = manifest(CLIENT_PACKAGE_DIR).dependencies ?? {};
  const root = manifest(PROJECT_ROOT);
  const locked = { ...root.dependencies, ...root.devDependencies };
  const needed = new Set(imported);
  return [
    ...[...needed]
      .filter((name) => !declared[name])
      .map((name) => `${name} is imported but not a dependency`),
    ...Object.keys(declared)
      .filter((name) => !needed.has(name))
      .map((name) => `${name} is a dependency nothing imports`),
    ...Object.entries(declared)
      .filter(([name, version]) => locked[name] !== version)
      .map(
        ([name, version]) => `${name}@${version} is not the version this repository uses (${locked[name]})`,
      ),
  ];
}

/** The package a type checker reads for `name`: `@types/<name>` when `name` ships no declarations of its own. */
function typesPackageOf(name: string): string {
  const own = JSON.parse(
    readFileSync(path.join(PROJECT_ROOT, 'node_modules', name, 'package.json'), 'utf8'),
  ) as {
    types?: string;
    typings?: string;
  };
  const definitelyTyped = `@types/${name.replace(/^@/, '').replace('/', '__')}`;
  return own.types || own.typings || !existsSync(path.join(PROJECT_ROOT, 'node_modules', definitelyTyped))
    ? name
    : definitelyTyped;
}

export function buildClientPackage(): { files: number; bytes: number } {
  rmSync(DIST, { recursive: true, force: true });
  const tsc = path.join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const compiled = spawnSync(process.execPath, [tsc, '-p', path.join(CLIENT_PACKAGE_DIR, 'tsconfig.json')], {
    encoding: 'utf8',
  });
  if (compiled.status !== 0) throw new Error(`tsc failed:\n${compiled.stdout}${compiled.stderr}`);

  // The failure converter is loaded by path (runtime/data-converter.ts), not imported: a root of its own.
  const runtime = importClosure(
    [path.join(DIST, 'client', 'index.js'), path.join(DIST, 'runtime', 'failure-converter.js')],
    'js',
  );
  const types = importClosure([path.join(DIST, 'client', 'index.d.ts')], 'd.ts');
  const kept = new Set([...runtime.files, ...types.files]);
  for (const file of filesUnder(DIST)) if (!kept.has(file)) rmSync(file);
  removeEmptyFolders(DIST);

  const problems = dependencyProblems(
    new Set([...runtime.packages.keys(), ...[...types.packages.keys()].map(typesPackageOf)]),
  );
  if (problems.length > 0) throw new Error(`packages/client/package.json:\n  ${problems.join('\n  ')}`);
  return { files: kept.size, bytes: [...kept].reduce((sum, file) => sum + statSync(file).size, 0) };
}

if (require.main === module) {
  try {
    const { files, bytes } = buildClientPackage();
    process.stdout.write(`packages/client/dist: ${files} files, ${Math.round(bytes / 1024)} KiB\n`);
  } catch (err) {
    process.stderr.write(`build-client-package: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
