import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  type Config,
  loadConfigOrExit,
  loadDotEnv,
  PSP_IDENTITY_VARIABLES,
  parseConfig,
  processEnvironment,
  servesCodec,
  startsLocalSandbox,
  usesWalletService,
} from '../runtime/config';
import { ensureLocalPayloadKey } from '../runtime/local-payload-key';
import { PROJECT_ROOT } from '../runtime/project-root';
import { temporalTarget } from '../runtime/temporal-connection';
import { isPortFree } from './ports';
import { type StackEntry, stackProcessPlan } from './stack-processes';

/**
 * `npm start`: the whole local stack. Starts the Temporal dev server (unless TEMPORAL_ADDRESS),
 * then every project process in order, waits until each is healthy, prints where everything is,
 * writes the same to <DATA_DIR>/stack.json, and stops all of it on Ctrl-C / SIGTERM.
 */

export const EXIT_PORT_IN_USE = 3;

interface PortClaim {
  port: number;
  variable: string;
  what: string;
}

function portClaims(config: Config): PortClaim[] {
  const claims: PortClaim[] = [];
  if (!config.TEMPORAL_ADDRESS) {
    claims.push({ port: config.TEMPORAL_PORT, variable: 'TEMPORAL_PORT', what: 'Temporal server' });
    claims.push({ port: config.TEMPORAL_UI_PORT, variable: 'TEMPORAL_UI_PORT', what: 'Temporal Web UI' });
  }
  const referenceWallet = usesWalletService(config) && !config.PLATFORM_WALLET_URL;
  if (
    usesWalletService(config)
      ? referenceWallet && !config.WALLET_SERVICE_DATABASE_URL
      : !config.LEDGER_DATABASE_URL
  ) {
    const what = usesWalletService(config) ? 'wallet service PostgreSQL' : 'ledger PostgreSQL';
    claims.push({ port: config.LEDGER_PG_PORT, variable: 'LEDGER_PG_PORT', what });
  }
  if (referenceWallet) {
    claims.push({
      port: config.WALLET_SERVICE_PORT,
      variable: 'WALLET_SERVICE_PORT',
      what: 'reference wallet service',
    });
  }
  if (startsLocalSandbox(config)) {
    claims.push({ port: config.SANDBOX_PORT, variable: 'SANDBOX_PORT', what: 'ConnectPSP sandbox' });
  }
  if (config.WORKER_HTTP_PORT !== 0) {
    claims.push({
      port: config.WORKER_HTTP_PORT,
      variable: 'WORKER_HTTP_PORT',
      what: 'worker metrics and health',
    });
  }
  claims.push({ port: config.RELAY_PORT, variable: 'RELAY_PORT', what: 'webhook relay' });
  if (servesCodec(config)) {
    claims.push({ port: config.CODEC_PORT, variable: 'CODEC_PORT', what: 'payload codec' });
  }
  return claims;
}

async function busyPortMessages(claims: PortClaim[]): Promise<string[]> {
  const messages: string[] = [];
  for (const claim of claims) {
    if (!(await isPortFree(claim.port))) {
      messages.push(
        `port ${claim.port} (${claim.what}) is already in use: stop what uses it, or set ${claim.variable} to a free port`,
      );
    }
  }
  return messages;
}

function pspModeLine(config: Config): string {
  return config.CONNECTPSP_MODE === 'live'
    ? `PSP: ConnectPSP at ${config.CONNECTPSP_BASE_URL} (CONNECTPSP_MODE=live)`
    : `PSP: sandbox (CONNECTPSP_MODE=sandbox: public credentials, no real money)`;
}

function payloadsLine(config: Config, payloadKeyFile: string | undefined): string {
  if (!config.PAYLOAD_ENCRYPTION_KEY) return 'Payloads: in clear (no PAYLOAD_ENCRYPTION_KEY)';
  const key = payloadKeyFile
    ? `the local key ${path.relative(PROJECT_ROOT, payloadKeyFile)}`
    : 'PAYLOAD_ENCRYPTION_KEY';
  const ui =
    servesCodec(config) && config.CODEC_LOCAL_NO_AUTH ? '; the Web UI decodes them through the codec' : '';
  return `Payloads: encrypted with ${key}${ui}`;
}

function printTable(
  entries: StackEntry[],
  stackFile: string,
  logDir: string,
  config: Config,
  payloadKeyFile: string | undefined,
): void {
  const rows = entries.map((e) => [e.name, e.where, e.pid === undefined ? 'external' : String(e.pid)]);
  const widths = [0, 1, 2].map((i) =>
    Math.max(...[['process', 'where', 'pid'], ...rows].map((r) => (r[i] ?? '').length)),
  );
  const line = (r: string[]) => `  ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('   ')}`.trimEnd();
  const ui = entries.find((e) => e.name === 'web-ui');
  const out = [
    '',
    'PIX payments stack is up',
    line(['process', 'where', 'pid']),
    ...rows.map(line),
    '',
    ui ? `Temporal Web UI: ${ui.where}` : `Temporal namespace: ${config.TEMPORAL_NAMESPACE}`,
    pspModeLine(config),
    payloadsLine(config, payloadKeyFile),
    `State: ${path.relative(PROJECT_ROOT, stackFile)}   Logs: ${path.relative(PROJECT_ROOT, logDir)}/`,
    '',
    'Try next:',
    '  npm run demo              three users through cash-in, bets, cash-out, a return, a rebalance',
    '  npm run cli -- cash-in --user alice --amount 25.00 --payer-name "Maria Silva" --payer-document 390.533.447-05',
    '  npm run cli -- --help     every command: status, wait, list, refund, sandbox, rebalance, balance',
    '',
    'Press Ctrl-C to stop everything.',
    '',
  ];
  process.stdout.write(out.join('\n'));
}

/**
 * `npm start` is the local development stack: with no ConnectPSP variable at all it runs the local
 * sandbox and says so, by setting CONNECTPSP_MODE=sandbox for every process it starts. Once any of
 * CONNECTPSP_BASE_URL or the credentials is set, the user is configuring a PSP and must say which
 * mode (the processes refuse to start otherwise).
 */
export function launcherEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (env.CONNECTPSP_MODE || PSP_IDENTITY_VARIABLES.some((name) => env[name])) return env;
  return { ...env, CONNECTPSP_MODE: 'sandbox' };
}

/**
 * Encrypted by default: in sandbox mode with no key of the user's, the processes get the data
 * folder's own key (made on first run, kept after), and the codec serves this machine's Web UI and
 * CLI without a token, since the dev server's Web UI has no login. Live mode brings its own key.
 */
export function localEncryption(
  env: NodeJS.ProcessEnv,
  config: Config,
  dataDir: string,
): { env: NodeJS.ProcessEnv; payloadKeyFile?: string } {
  if (config.CONNECTPSP_MODE !== 'sandbox') return { env };
  const withCodec = { ...env, CODEC_LOCAL_NO_AUTH: env.CODEC_LOCAL_NO_AUTH || 'true' };
  if (config.PAYLOAD_ENCRYPTION_KEY || config.PAYLOAD_ENCRYPTION_PREVIOUS_KEYS) return { env: withCodec };
  mkdirSync(dataDir, { recursive: true });
  const { key, file } = ensureLocalPayloadKey(dataDir);
  return { env: { ...withCodec, PAYLOAD_ENCRYPTION_KEY: key }, payloadKeyFile: file };
}

async function main(): Promise<void> {
  loadDotEnv();
  const userEnv = launcherEnvironment(processEnvironment());
  const userConfig = loadConfigOrExit(userEnv, { needsPsp: true });
  const dataDir = path.resolve(PROJECT_ROOT, userConfig.DATA_DIR);
  let encryption: ReturnType<typeof localEncryption>;
  try {
    encryption = localEncryption(userEnv, userConfig, dataDir);
  } catch (err) {
    process.stderr.write(`Cannot start the stack: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const { env: launcherEnv, payloadKeyFile } = encryption;
  const config = parseConfig(launcherEnv, { needsPsp: true });
  const logDir = path.join(dataDir, 'logs');
  const stackFile = path.join(dataDir, 'stack.json');

  const busy = await busyPortMessages(portClaims(config));
  if (busy.length > 0) {
    process.stderr.write(`Cannot start the stack:\n${busy.map((m) => `  - ${m}`).join('\n')}\n`);
    process.exit(EXIT_PORT_IN_USE);
  }
  mkdirSync(logDir, { recursive: true });

  const started: StackEntry[] = [];
  let stopping = false;
  const stopAll = async (exitCode: number, reason?: string) => {
    if (stopping) return;
    stopping = true;
    if (reason) process.stderr.write(`${reason}\n`);
    process.stdout.write('Stopping the stack...\n');
    for (const entry of [...started].reverse()) {
      try {
        await entry.stop?.();
      } catch (err) {
        process.stderr.write(`  could not stop ${entry.name}: ${(err as Error).message}\n`);
      }
    }
    rmSync(stackFile, { force: true });
    process.stdout.write('Stopped.\n');
    process.exit(exitCode);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  const env: NodeJS.ProcessEnv = {
    ...launcherEnv,
    DATA_DIR: dataDir,
    // Like Temporal and the ledger, the sandbox keeps its state across restarts of the stack.
    SANDBOX_STATE_FILE: config.SANDBOX_STATE_FILE ?? path.join(dataDir, 'sandbox-state.json'),
  };
  try {
    for (const step of stackProcessPlan(config)) {
      if (stopping) return;
      process.stdout.write(`starting ${step.name}...\n`);
      const entries = await step.start({ config, env, dataDir, logDir });
      started.push(...entries);
      for (const entry of entries) {
        Object.assign(env, entry.env);
        entry.exited?.then(
          (code) =>
            void stopAll(1, `${entry.name} exited unexpectedly (${code}); see ${entry.log ?? 'its log'}`),
        );
      }
    }
  } catch (err) {
    await stopAll(1, `Could not start the stack: ${(err as Error).message}`);
    return;
  }

  const stackJson = {
    startedAt: new Date().toISOString(),
    launcherPid: process.pid,
    namespace: temporalTarget(config, env).namespace,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    // The CLI and the library read payloads with it when they have no key of their own.
    ...(payloadKeyFile ? { payloadKeyFile } : {}),
    processes: started.map(({ name, where, url, address, pid, log }) => ({
      name,
      where,
      url,
      address,
      pid,
      log,
    })),
  };
  writeFileSync(stackFile, `${JSON.stringify(stackJson, null, 2)}\n`);
  printTable(started, stackFile, logDir, config, payloadKeyFile);
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  });
}
