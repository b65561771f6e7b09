import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import {
  type Config,
  platformWalletEndpoint,
  usesRealPsp,
  usesWalletService,
  webhookUrl,
} from '../runtime/config';
import { embeddedPostgresUrl } from '../runtime/ledger-url';
import { readLocalPayloadKey } from '../runtime/local-payload-key';
import { PROJECT_ROOT } from '../runtime/project-root';

/** `<DATA_DIR>/stack.json`, written by `npm start` (scripts/stack.ts) while the local stack runs. */
export const stackFileSchema = z.object({
  startedAt: z.string().optional(),
  launcherPid: z.number().optional(),
  namespace: z.string().optional(),
  taskQueue: z.string().optional(),
  /** The stack's own payload key (npm start in sandbox mode, no PAYLOAD_ENCRYPTION_KEY of the user's). */
  payloadKeyFile: z.string().optional(),
  processes: z.array(
    z.object({
      name: z.string(),
      where: z.string().optional(),
      url: z.string().optional(),
      address: z.string().optional(),
      pid: z.number().optional(),
      log: z.string().optional(),
    }),
  ),
});
export type StackFile = z.infer<typeof stackFileSchema>;

export class StackFileError extends Error {
  override name = 'StackFileError';
}

export function stackFilePath(config: Pick<Config, 'DATA_DIR'>): string {
  return path.join(path.resolve(PROJECT_ROOT, config.DATA_DIR), 'stack.json');
}

/** The stack file, or null when no local stack is running (no file). A malformed file throws StackFileError. */
export function readStackFile(file: string): StackFile | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new StackFileError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new StackFileError(`${file} is not valid JSON; delete it if no stack is running`);
  }
  const parsed = stackFileSchema.safeParse(json);
  if (!parsed.success)
    throw new StackFileError(`${file} does not look like a stack file: ${parsed.error.message}`);
  return parsed.data;
}

/**
 * The configuration with the running stack's own payload key when the caller has none: the stack
 * encrypts with it, so its payloads are readable and the client's are readable by the stack.
 */
export function withStackPayloadKey(config: Config, stack: StackFile | null): Config {
  if (config.PAYLOAD_ENCRYPTION_KEY || config.PAYLOAD_ENCRYPTION_PREVIOUS_KEYS || !stack?.payloadKeyFile) {
    return config;
  }
  try {
    return { ...config, PAYLOAD_ENCRYPTION_KEY: readLocalPayloadKey(stack.payloadKeyFile) };
  } catch (err) {
    throw new StackFileError(`the stack's payload key: ${(err as Error).message}`);
  }
}

/** Where each service is, as far as the client can tell; undefined means unknown. */
export interface Endpoints {
  /** The environment to read Temporal's connection from: the caller's, plus the stack's address/namespace when the caller set none. */
  temporalEnv: NodeJS.ProcessEnv;
  taskQueue: string;
  webUiUrl?: string;
  /** Where the PSP should post webhooks: RELAY_PUBLIC_URL, the running stack's relay, or the local default. */
  webhookUrl: string;
  sandbox: { url: string } | { unavailable: string };
  ledgerDatabaseUrl?: string;
  /** WALLET_BACKEND=http: the platform's wallet service (or the stack's reference one) and the secret that signs for it. */
  walletService?: { url: string; secret: string };
}

/**
 * Resolves where Temporal, the Web UI, the sandbox and the ledger are: explicit variables first,
 * then the running local stack (stack.json), then the local defaults of the configuration.
 */
export function resolveEndpoints(config: Config, env: NodeJS.ProcessEnv, stack: StackFile | null): Endpoints {
  const processOf = (name: string) => stack?.processes.find((p) => p.name === name);
  const temporalEnv: NodeJS.ProcessEnv = { ...env };
  const stackTemporal = processOf('temporal')?.address;
  if (!env.TEMPORAL_ADDRESS && stackTemporal) temporalEnv.TEMPORAL_ADDRESS = stackTemporal;
  if (!env.TEMPORAL_NAMESPACE && stack?.namespace) temporalEnv.TEMPORAL_NAMESPACE = stack.namespace;

  const webUi = processOf('web-ui')?.url;
  const usesExternalTemporal = Boolean(env.TEMPORAL_ADDRESS) || (stack !== null && webUi === undefined);
  const webUiUrl =
    webUi ?? (usesExternalTemporal ? undefined : `http://localhost:${config.TEMPORAL_UI_PORT}`);

  return {
    temporalEnv,
    taskQueue: env.TEMPORAL_TASK_QUEUE
      ? config.TEMPORAL_TASK_QUEUE
      : (stack?.taskQueue ?? config.TEMPORAL_TASK_QUEUE),
    ...(webUiUrl ? { webUiUrl } : {}),
    webhookUrl: relayWebhookUrl(config, processOf('relay')?.url),
    sandbox: sandboxEndpoint(config, stack),
    ...ledgerEndpoint(config, processOf('ledger-db')),
    ...walletServiceEndpoint(config, processOf('wallet-service')),
  };
}

/** The wallet service when the configuration or the running stack uses one (WALLET_BACKEND=http). */
function walletServiceEndpoint(
  config: Config,
  entry: StackFile['processes'][number] | undefined,
): Pick<Endpoints, 'walletService'> {
  if (!usesWalletService(config) && !entry) return {};
  const configured = platformWalletEndpoint(config);
  return {
    walletService: {
      url: config.PLATFORM_WALLET_URL ?? entry?.url ?? configured.url,
      secret: configured.secret,
    },
  };
}

function relayWebhookUrl(config: Config, stackRelayUrl: string | undefined): string {
  if (config.RELAY_PUBLIC_URL || !stackRelayUrl) return webhookUrl(config);
  return `${stackRelayUrl.replace(/\/$/, '')}${config.RELAY_WEBHOOK_PATH}`;
}

function sandboxEndpoint(config: Config, stack: StackFile | null): Endpoints['sandbox'] {
  if (usesRealPsp(config)) {
    const why = config.CONNECTPSP_MODE === 'live' ? 'CONNECTPSP_MODE=live' : 'CONNECTPSP_BASE_URL is set';
    return { unavailable: `${why}: the PSP is a real ConnectPSP, which has no sandbox control API` };
  }
  // Sandbox mode with a base URL: that sandbox, wherever it runs.
  if (config.CONNECTPSP_BASE_URL) return { url: config.CONNECTPSP_BASE_URL };
  if (stack) {
    const url = stack.processes.find((p) => p.name === 'sandbox')?.url;
    return url
      ? { url }
      : {
          unavailable:
            'the running stack has no sandbox: it uses a real ConnectPSP, which has no sandbox control API',
        };
  }
  return { url: `http://127.0.0.1:${config.SANDBOX_PORT}` };
}

function ledgerEndpoint(
  config: Config,
  entry: StackFile['processes'][number] | undefined,
): Pick<Endpoints, 'ledgerDatabaseUrl'> {
  if (config.LEDGER_DATABASE_URL) return { ledgerDatabaseUrl: config.LEDGER_DATABASE_URL };
  if (entry?.url) return { ledgerDatabaseUrl: entry.url };
  // The stack's own embedded PostgreSQL: local-only, with fixed credentials.
  const embeddedPort = Number(entry?.address?.split(':').pop());
  if (Number.isInteger(embeddedPort) && embeddedPort > 0)
    return { ledgerDatabaseUrl: embeddedPostgresUrl(embeddedPort) };
  // A stack whose ledger is external but whose URL the caller does not have: nothing to guess.
  if (entry) return {};
  return { ledgerDatabaseUrl: embeddedPostgresUrl(config.LEDGER_PG_PORT) };
}
