import path from 'node:path';
import { request } from 'undici';
import {
  type Config,
  servesCodec,
  startsLocalSandbox,
  usesWalletService,
  webhookUrl,
} from '../runtime/config';
import { embeddedPostgresUrl, WALLET_DATABASE, withoutPassword } from '../runtime/ledger-url';
import { requiredRetentionDays } from '../runtime/namespace-retention';
import { PROJECT_ROOT } from '../runtime/project-root';
import { temporalTarget } from '../runtime/temporal-connection';
import { postgresAccepts } from './embedded-postgres';
import { spawnManaged } from './managed-process';
import { freePort } from './ports';
import { startDevServer, temporalCliPath, waitUntilTemporalReady } from './temporal-dev-server';
import { waitFor } from './wait-for';

/** One line of the start-up table and of stack.json. */
export interface StackEntry {
  name: string;
  /** What a person types or clicks: a URL or host:port. */
  where: string;
  url?: string;
  address?: string;
  /** Undefined for services the stack uses but did not start (TEMPORAL_ADDRESS, LEDGER_DATABASE_URL, real PSP). */
  pid?: number;
  log?: string;
  /** Variables the processes started after this one need (e.g. TEMPORAL_ADDRESS of the dev server). */
  env?: Record<string, string>;
  stop?: () => Promise<void>;
  /** Resolves if the process ends on its own. */
  exited?: Promise<unknown>;
}

export interface StepContext {
  config: Config;
  /** The environment every process gets; grows as steps add their variables. */
  env: NodeJS.ProcessEnv;
  dataDir: string;
  logDir: string;
}

export interface StackStep {
  name: string;
  start(context: StepContext): Promise<StackEntry[]>;
}

const HEALTH_TIMEOUT_MS = 60_000;

const temporalStep: StackStep = {
  name: 'Temporal',
  async start({ config, env, dataDir, logDir }) {
    const target = temporalTarget(config, env);
    if (config.TEMPORAL_ADDRESS) {
      await waitUntilTemporalReady(config.TEMPORAL_ADDRESS, target.namespace, HEALTH_TIMEOUT_MS);
      return [{ name: 'temporal', where: config.TEMPORAL_ADDRESS, address: config.TEMPORAL_ADDRESS }];
    }
    const server = await startDevServer({
      cliPath: temporalCliPath(config),
      port: config.TEMPORAL_PORT,
      uiPort: config.TEMPORAL_UI_PORT,
      dbFile: path.join(dataDir, 'temporal.sqlite'),
      namespace: target.namespace,
      logFile: path.join(logDir, 'temporal.log'),
      // Closed lifecycles must outlive the late-event window (runtime/namespace-retention.ts).
      retentionDays: requiredRetentionDays(config.LATE_EVENT_WATCH_DAYS),
      // The Web UI has no login whose access token it could forward: it decodes only through a codec
      // that serves this machine without a token (CODEC_LOCAL_NO_AUTH, sandbox mode).
      ...(servesCodec(config) && config.CODEC_LOCAL_NO_AUTH
        ? { uiCodecEndpoint: localCodecUrl(config) }
        : {}),
    });
    const uiUrl = server.uiUrl as string;
    return [
      {
        name: 'temporal',
        where: server.address,
        address: server.address,
        pid: server.process.pid,
        log: server.process.logFile,
        env: { TEMPORAL_ADDRESS: server.address },
        stop: server.stop,
        exited: server.process.exited,
      },
      { name: 'web-ui', where: uiUrl, url: uiUrl, pid: server.process.pid },
    ];
  },
};

/** A project process run with the same Node.js from dist/, healthy once `isHealthy` says so. */
function nodeProcessStep(
  name: string,
  entry: string,
  describe: (config: Config) => Omit<StackEntry, 'name'>,
  isHealthy: (context: StepContext) => Promise<boolean>,
): StackStep {
  return {
    name,
    async start(context) {
      const log = path.join(context.logDir, `${name}.log`);
      const child = spawnManaged(name, process.execPath, [path.join(PROJECT_ROOT, 'dist', entry)], {
        env: context.env,
        logFile: log,
        cwd: PROJECT_ROOT,
      });
      try {
        await Promise.race([
          waitFor(name, () => isHealthy(context), { timeoutMs: HEALTH_TIMEOUT_MS, intervalMs: 200 }),
          child.exited.then((code) => {
            throw new Error(`${name} exited (${code}) before it was healthy; see ${log}`);
          }),
        ]);
      } catch (err) {
        await child.stop();
        throw err;
      }
      return [
        {
          ...describe(context.config),
          name,
          pid: child.pid,
          log,
          stop: () => child.stop(),
          exited: child.exited,
        },
      ];
    },
  };
}

async function httpOk(url: string): Promise<boolean> {
  const response = await request(url, { headersTimeout: 1_000, bodyTimeout: 1_000 });
  await response.body.dump();
  return response.statusCode === 200;
}

const embeddedLedgerStep = nodeProcessStep(
  'ledger-db',
  'scripts/ledger-db.js',
  (config) => {
    const url = embeddedPostgresUrl(config.LEDGER_PG_PORT);
    return {
      where: withoutPassword(url),
      address: `127.0.0.1:${config.LEDGER_PG_PORT}`,
      env: { LEDGER_DATABASE_URL: url },
    };
  },
  ({ config }) => postgresAccepts(embeddedPostgresUrl(config.LEDGER_PG_PORT)),
);

const externalLedgerStep: StackStep = {
  name: 'ledger database',
  async start({ config }) {
    return [{ name: 'ledger-db', where: withoutPassword(config.LEDGER_DATABASE_URL as string) }];
  },
};

/** The same embedded PostgreSQL, holding the reference wallet service's own database instead. */
const embeddedWalletDbStep = nodeProcessStep(
  'wallet-db',
  'scripts/ledger-db.js',
  (config) => {
    const url = embeddedPostgresUrl(config.LEDGER_PG_PORT, WALLET_DATABASE);
    return {
      where: withoutPassword(url),
      address: `127.0.0.1:${config.LEDGER_PG_PORT}`,
      env: { WALLET_SERVICE_DATABASE_URL: url },
    };
  },
  ({ config }) => postgresAccepts(embeddedPostgresUrl(config.LEDGER_PG_PORT, WALLET_DATABASE)),
);

const walletServiceStep = nodeProcessStep(
  'wallet-service',
  'wallet-service/main.js',
  (config) => {
    const url = `http://127.0.0.1:${config.WALLET_SERVICE_PORT}`;
    return { where: url, url };
  },
  ({ config }) => httpOk(`http://127.0.0.1:${config.WALLET_SERVICE_PORT}/_control/healthz`),
);

const externalWalletServiceStep: StackStep = {
  name: 'wallet service',
  async start({ config }) {
    const url = config.PLATFORM_WALLET_URL as string;
    return [{ name: 'wallet-service', where: url, url }];
  },
};

/**
 * Where the wallets are: the built-in ledger (its PostgreSQL), or with WALLET_BACKEND=http the
 * platform's wallet service, or the reference one on its own database when PLATFORM_WALLET_URL is unset.
 */
function walletSteps(config: Config): StackStep[] {
  if (!usesWalletService(config))
    return [config.LEDGER_DATABASE_URL ? externalLedgerStep : embeddedLedgerStep];
  if (config.PLATFORM_WALLET_URL) return [externalWalletServiceStep];
  return [...(config.WALLET_SERVICE_DATABASE_URL ? [] : [embeddedWalletDbStep]), walletServiceStep];
}

const sandboxStep = nodeProcessStep(
  'sandbox',
  'sandbox/main.js',
  (config) => {
    const url = `http://127.0.0.1:${config.SANDBOX_PORT}`;
    return { where: url, url };
  },
  ({ config }) => httpOk(`http://127.0.0.1:${config.SANDBOX_PORT}/_sandbox/healthz`),
);

/**
 * The worker, healthy once its /readyz says so (Temporal lists it polling, the wallet answers). Its
 * row shows where /metrics, /healthz and /readyz are; WORKER_HTTP_PORT=0 gets a free port here.
 */
const workerStep: StackStep = {
  name: 'worker',
  async start(context) {
    const port = context.config.WORKER_HTTP_PORT || (await freePort());
    const url = `http://127.0.0.1:${port}`;
    const step = nodeProcessStep(
      'worker',
      'worker/main.js',
      (config) => ({ where: `task queue ${config.TEMPORAL_TASK_QUEUE}; ${url}/metrics`, url }),
      () => httpOk(`${url}/readyz`),
    );
    return step.start({ ...context, env: { ...context.env, WORKER_HTTP_PORT: String(port) } });
  },
};

const relayProcessStep = nodeProcessStep(
  'relay',
  'relay/main.js',
  (config) => {
    const url = `http://127.0.0.1:${config.RELAY_PORT}`;
    return { where: webhookUrl(config), url };
  },
  ({ config }) => httpOk(`http://127.0.0.1:${config.RELAY_PORT}/healthz`),
);

/** Where this machine's browser and CLI reach the relay's codec listener. */
export function localCodecUrl(config: Config): string {
  const host = ['0.0.0.0', '::'].includes(config.CODEC_HOST) ? '127.0.0.1' : config.CODEC_HOST;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.CODEC_PORT}`;
}

/** The relay, and its payload codec listener as a row of its own when it serves one. */
const relayStep: StackStep = {
  name: 'relay',
  async start(context) {
    const entries = await relayProcessStep.start(context);
    const { config } = context;
    if (!servesCodec(config)) return entries;
    const url = localCodecUrl(config);
    const who = config.CODEC_LOCAL_NO_AUTH ? 'Web UI and CLI of this machine' : 'bearer token';
    return [...entries, { name: 'codec', where: `${url} (${who})`, url, pid: entries[0]?.pid }];
  },
};

/** The processes of the local stack, in start order. */
export function stackProcessPlan(config: Config): StackStep[] {
  return [
    temporalStep,
    ...walletSteps(config),
    ...(startsLocalSandbox(config) ? [sandboxStep] : []),
    workerStep,
    relayStep,
  ];
}
