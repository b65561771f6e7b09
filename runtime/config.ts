import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { MIN_WORKER_MEMORY_BUDGET_MB } from './worker-capacity';

/**
 * The one configuration schema of every process (worker, relay, sandbox, client, stack launcher).
 * Temporal's own variables (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS*)
 * are read by @temporalio/envconfig in `temporal-connection.ts`, so the Temporal CLI and this
 * project agree; they are validated here too so a bad value is reported with the rest.
 */

const port = z.coerce
  .number()
  .int('must be an integer')
  .min(1, 'must be 1..65535')
  .max(65535, 'must be 1..65535');
/** 0 asks the OS for any free port (tests, several workers on one host). */
const portOrAny = z.coerce
  .number()
  .int('must be an integer')
  .min(0, 'must be 0..65535')
  .max(65535, 'must be 0..65535');
const positiveInt = z.coerce.number().int('must be an integer').positive('must be > 0');
const nonNegativeInt = z.coerce.number().int('must be an integer').min(0, 'must be >= 0');
const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' });
const optionalSecret = z.string().min(1, 'must not be empty').optional();

const encryptionKey = z
  .string()
  .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be base64 of exactly 32 bytes');

/** `scheme://host[:port]` and nothing else, as browsers send it in the Origin header. */
function isOrigin(value: string): boolean {
  try {
    return /^https?:$/.test(new URL(value).protocol) && new URL(value).origin === value;
  } catch {
    return false;
  }
}

export const PSP_MODES = ['sandbox', 'live'] as const;
export type PspMode = (typeof PSP_MODES)[number];

export const configSchema = z.object({
  // Temporal (names and meaning shared with the Temporal CLI)
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^\s:/]+:\d{1,5}$/, 'must be host:port')
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_API_KEY: optionalSecret,
  TEMPORAL_TLS: booleanFlag.optional(),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('payments'),
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),

  // Local data (dev server SQLite file, embedded PostgreSQL, stack.json)
  DATA_DIR: z.string().min(1).default('.data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  // OpenTelemetry tracing (runtime/tracing.ts), with the standard variables: off unless an endpoint is set.
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl.optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: z
    .enum(['http/protobuf', 'http/json'], {
      message: 'must be http/protobuf or http/json (grpc is not supported)',
    })
    .default('http/protobuf'),
  OTEL_EXPORTER_OTLP_HEADERS: z
    .string()
    .regex(/^[^=,]+=[^,]*(,[^=,]+=[^,]*)*$/, 'must be comma-separated key=value pairs')
    .optional(),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  OTEL_BSP_SCHEDULE_DELAY: positiveInt.default(5_000),

  // ConnectPSP. CONNECTPSP_MODE says which one, explicitly (psp-mode rules below): `sandbox` (a
  // ConnectPSP sandbox and its public credentials; the local one when CONNECTPSP_BASE_URL is unset)
  // or `live` (a real ConnectPSP: CONNECTPSP_BASE_URL and every secret required).
  CONNECTPSP_MODE: z.enum(PSP_MODES, { message: 'must be sandbox or live' }).optional(),
  CONNECTPSP_BASE_URL: httpUrl.optional(),
  CONNECTPSP_CLIENT_ID: z.string().regex(/^\d+$/, 'must be numeric').optional(),
  CONNECTPSP_CLIENT_SECRET: optionalSecret,
  CONNECTPSP_APPLICATION_TOKEN: optionalSecret,
  CONNECTPSP_CRYPTO_TOKEN: optionalSecret,
  CONNECTPSP_CONNECT_TIMEOUT_MS: positiveInt.default(5_000),
  CONNECTPSP_HEADERS_TIMEOUT_MS: positiveInt.default(15_000),
  CONNECTPSP_BODY_TIMEOUT_MS: positiveInt.default(15_000),
  CONNECTPSP_MAX_CONNECTIONS: positiveInt.default(32),

  // Sandbox (only when no real ConnectPSP is configured)
  SANDBOX_PORT: port.default(8380),
  SANDBOX_HOST: z.string().min(1).default('127.0.0.1'),
  SANDBOX_STATE_FILE: z.string().min(1).optional(),
  SANDBOX_TOKEN_TTL_SECONDS: positiveInt.default(3600),
  SANDBOX_WEBHOOK_RETRY_SCHEDULE_MS: z
    .string()
    .regex(/^\d+(,\d+)*$/, 'must be comma-separated milliseconds')
    .default('1000,2000,4000,8000,16000,32000,64000'),
  // A fresh sandbox's wallet, in total over its three banks (ConnectPSP's documented example).
  SANDBOX_INITIAL_TRANSACTIONAL_CENTS: nonNegativeInt.default(500_000_00),
  SANDBOX_INITIAL_PROPRIETARY_CENTS: nonNegativeInt.default(1_000_000_00),

  // Webhook relay
  RELAY_PORT: port.default(8390),
  RELAY_HOST: z.string().min(1).default('127.0.0.1'),
  RELAY_PUBLIC_URL: httpUrl.optional(),
  RELAY_WEBHOOK_PATH: z.string().startsWith('/', 'must start with /').default('/webhooks/connectpsp'),
  RELAY_MAX_BODY_BYTES: positiveInt.default(256 * 1024),
  RELAY_SIGNAL_DEADLINE_MS: positiveInt.default(4_000),
  RELAY_MAX_IN_FLIGHT: positiveInt.default(128),

  // Ledger. When LEDGER_DATABASE_URL is unset an embedded PostgreSQL runs in DATA_DIR.
  LEDGER_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  LEDGER_PG_PORT: port.default(5433),

  // Wallet: the built-in ledger, or the platform's own wallet service over signed HTTP
  WALLET_BACKEND: z.enum(['ledger', 'http'], { message: 'must be ledger or http' }).default('ledger'),
  PLATFORM_WALLET_URL: httpUrl.optional(),
  PLATFORM_WALLET_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  // Connect + response timeouts stay below the wallet activities' 30 s start-to-close timeout.
  PLATFORM_WALLET_CONNECT_TIMEOUT_MS: positiveInt.max(5_000, 'must be at most 5000').default(2_000),
  PLATFORM_WALLET_TIMEOUT_MS: positiveInt.max(12_000, 'must be at most 12000').default(10_000),
  PLATFORM_WALLET_MAX_CONNECTIONS: positiveInt.default(16),
  // The reference wallet service (wallet-service/), run by npm start when WALLET_BACKEND=http and no PLATFORM_WALLET_URL
  WALLET_SERVICE_PORT: port.default(8391),
  WALLET_SERVICE_HOST: z.string().min(1).default('127.0.0.1'),
  WALLET_SERVICE_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  WALLET_SERVICE_SIGNATURE_TOLERANCE_SECONDS: positiveInt.max(3_600, 'must be at most 3600').default(300),

  // Lifecycles
  CASHIN_DEFAULT_EXPIRATION_MINUTES: positiveInt.default(30),
  CASHIN_RECONCILE_INTERVAL_SECONDS: positiveInt.default(60),
  CASHOUT_RECONCILE_INTERVAL_SECONDS: positiveInt.default(60),
  CASHOUT_TOPUP_RETRIES: nonNegativeInt.default(2),
  // ConnectPSP keeps idempotency keys 24 h: past that, a retry with the same key could do it twice.
  PSP_RETRY_WINDOW_SECONDS: positiveInt
    .max(23 * 3600, 'must be at most 82800 (23 h: below the PSP key retention of 24 h)')
    .default(23 * 3600),
  PSP_OUTCOME_DEADLINE_SECONDS: positiveInt.default(24 * 3600),
  PSP_CALL_TIMEOUT_SECONDS: positiveInt.min(2, 'must be at least 2').default(30),
  // A settled lifecycle completes after this grace window; later events run in a late-event workflow.
  LIFECYCLE_CLOSE_GRACE_SECONDS: positiveInt.default(300),
  // The sweep that catches lost late webhooks (refunds, MED reversals, returns) of closed lifecycles.
  LATE_EVENT_SWEEP_INTERVAL_HOURS: positiveInt.default(24),
  LATE_EVENT_WATCH_DAYS: positiveInt.max(366, 'must be at most 366').default(90),
  LATE_EVENT_SWEEP_REQUESTS_PER_SECOND: positiveInt.default(20),
  REBALANCE_INTERVAL_SECONDS: positiveInt.default(300),
  REBALANCE_THRESHOLD_CENTS: nonNegativeInt.default(100_00),

  // Payload encryption of PII in Temporal history (runtime/payload-codec.ts): the current key
  // encrypts; it and the previous keys decrypt (key rotation, docs/security.md).
  PAYLOAD_ENCRYPTION_KEY: encryptionKey.optional(),
  PAYLOAD_ENCRYPTION_PREVIOUS_KEYS: z
    .string()
    .refine(
      (v) => v.split(',').every((key) => encryptionKey.safeParse(key.trim()).success),
      'must be comma-separated keys, each base64 of exactly 32 bytes',
    )
    .optional(),

  // Payload codec endpoint for the Web UI and the Temporal CLI: a listener of its own in the
  // relay process, served only with an encryption key and a way to authenticate callers.
  CODEC_HOST: z.string().min(1).default('127.0.0.1'),
  CODEC_PORT: port.default(8392),
  // The local stack's Web UI (no login, so no token to forward) decodes through the codec: requests
  // addressed to this machine by a local name, from no web page or an allowed one, need no token.
  CODEC_LOCAL_NO_AUTH: booleanFlag.optional(),
  CODEC_AUTH_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
  CODEC_JWKS_URL: httpUrl.optional(),
  CODEC_JWT_ISSUER: z.string().min(1).optional(),
  CODEC_JWT_AUDIENCE: z.string().min(1).optional(),
  CODEC_CORS_ORIGINS: z
    .string()
    .refine(
      (v) => v.split(',').every((origin) => isOrigin(origin.trim())),
      'must be comma-separated origins such as https://temporal-ui.example.com',
    )
    .optional(),

  /** `production` makes the worker load the prebuilt workflow bundle (worker/workflow-source.ts). */
  NODE_ENV: z.string().min(1).optional(),

  /** Default: PSP_CALL_TIMEOUT_SECONDS + 5 (workerShutdownGraceSeconds). */
  WORKER_SHUTDOWN_GRACE_SECONDS: positiveInt.optional(),
  // Cache size and concurrency follow the memory budget (runtime/worker-capacity.ts); each WORKER_MAX_* wins.
  WORKER_MEMORY_BUDGET_MB: positiveInt
    .min(
      MIN_WORKER_MEMORY_BUDGET_MB,
      `must be at least ${MIN_WORKER_MEMORY_BUDGET_MB} (the worker's own memory and some room)`,
    )
    .default(1024),
  WORKER_MAX_CACHED_WORKFLOWS: positiveInt.optional(),
  WORKER_MAX_CONCURRENT_ACTIVITIES: positiveInt.optional(),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: positiveInt.optional(),

  // The worker's /metrics, /healthz and /readyz (worker/http-server.ts), and how often it reads the
  // lifecycle and orphaned-hold gauges (worker/lifecycle-gauges.ts).
  WORKER_HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  WORKER_HTTP_PORT: portOrAny.default(8393),
  WORKER_GAUGES_INTERVAL_SECONDS: positiveInt.default(30),
});

export type Config = z.infer<typeof configSchema>;

/** Each PSP credential variable and its field in SANDBOX_CREDENTIALS. */
const PSP_CREDENTIAL_VARIABLES = {
  CONNECTPSP_CLIENT_ID: 'clientId',
  CONNECTPSP_CLIENT_SECRET: 'clientSecret',
  CONNECTPSP_APPLICATION_TOKEN: 'applicationToken',
  CONNECTPSP_CRYPTO_TOKEN: 'cryptoToken',
} as const;
type PspCredentialVariable = keyof typeof PSP_CREDENTIAL_VARIABLES;

/** The variables that say which ConnectPSP this is and how to sign in to it. */
export const PSP_IDENTITY_VARIABLES: readonly string[] = [
  'CONNECTPSP_BASE_URL',
  ...Object.keys(PSP_CREDENTIAL_VARIABLES),
];

export const PSP_MODE_REQUIRED =
  'CONNECTPSP_MODE: is required by a process that talks to ConnectPSP: sandbox (a ConnectPSP sandbox and its public credentials) or live (a real ConnectPSP: CONNECTPSP_BASE_URL and every CONNECTPSP_* secret)';

export interface ParseOptions {
  /**
   * The process talks to ConnectPSP (worker, relay, stack launcher): CONNECTPSP_MODE is required,
   * and in live mode so are CONNECTPSP_BASE_URL and every credential. Clients (CLI, library) only
   * need what they use.
   */
  needsPsp?: boolean;
}

/**
 * Rules between variables; checked on the raw values so they are reported alongside field errors.
 * Never a silent fallback to the public sandbox keys: without a mode a PSP process does not start,
 * live mode refuses a missing secret or a sandbox value, sandbox mode refuses anything but the
 * sandbox's own credentials (so a real secret is never sent to a sandbox, nor a sandbox run
 * mistaken for a live one).
 */
function crossVariableProblems(values: Record<string, string | undefined>, options: ParseOptions): string[] {
  return [...pspModeProblems(values, options), ...walletProblems(values)];
}

function pspModeProblems(values: Record<string, string | undefined>, options: ParseOptions): string[] {
  const mode = values.CONNECTPSP_MODE;
  const credentials = Object.keys(PSP_CREDENTIAL_VARIABLES) as PspCredentialVariable[];
  const isSandboxValue = (name: PspCredentialVariable) =>
    values[name] === SANDBOX_CREDENTIALS[PSP_CREDENTIAL_VARIABLES[name]];
  if (mode === 'sandbox') {
    return credentials
      .filter((name) => values[name] !== undefined && !isSandboxValue(name))
      .map(
        (name) =>
          `${name}: is not the sandbox's; CONNECTPSP_MODE=sandbox uses only the sandbox's public credentials (set CONNECTPSP_MODE=live for a real ConnectPSP)`,
      );
  }
  if (mode === 'live') {
    const problems = credentials
      .filter((name) => values[name] !== undefined && isSandboxValue(name))
      .map(
        (name) =>
          `${name}: is the public sandbox value, refused in live mode (use the value from ConnectPSP onboarding)`,
      );
    if (!values.PAYLOAD_ENCRYPTION_KEY) {
      problems.push(
        'PAYLOAD_ENCRYPTION_KEY: is required in live mode (personal data in Temporal payloads must be encrypted)',
      );
    }
    if (!options.needsPsp) return problems;
    for (const name of ['CONNECTPSP_BASE_URL', ...credentials]) {
      if (!values[name]) problems.push(`${name}: is required in live mode`);
    }
    if (values.CONNECTPSP_BASE_URL?.startsWith('http://')) {
      problems.push('CONNECTPSP_BASE_URL: must be an https URL in live mode (credentials travel to it)');
    }
    return problems;
  }
  return options.needsPsp && mode === undefined ? [PSP_MODE_REQUIRED] : [];
}

/**
 * Verifying the Web UI's access tokens needs to know whose tokens, and for whom; a codec that reads
 * payloads without a token is for the sandbox's made-up people only, never real ones.
 */
function codecProblems(values: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  if (values.CODEC_JWKS_URL) {
    problems.push(
      ...['CODEC_JWT_ISSUER', 'CODEC_JWT_AUDIENCE']
        .filter((name) => !values[name])
        .map((name) => `${name}: is required with CODEC_JWKS_URL`),
    );
  }
  if (values.CONNECTPSP_MODE === 'live' && booleanFlag.safeParse(values.CODEC_LOCAL_NO_AUTH).data === true) {
    problems.push(
      'CODEC_LOCAL_NO_AUTH: is refused in live mode (real personal data is decoded only for a bearer token: CODEC_AUTH_TOKEN or CODEC_JWKS_URL)',
    );
  }
  return problems;
}

/** The platform wallet's variables only make sense together, and only with WALLET_BACKEND=http. */
function walletProblems(values: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  if (values.PLATFORM_WALLET_URL && values.WALLET_BACKEND !== 'http') {
    problems.push(
      'PLATFORM_WALLET_URL: is set, but WALLET_BACKEND is not http (the built-in ledger would be used)',
    );
  }
  if (values.PLATFORM_WALLET_URL && !values.PLATFORM_WALLET_SECRET) {
    problems.push('PLATFORM_WALLET_SECRET: is required when PLATFORM_WALLET_URL is set');
  }
  return problems;
}

/** Variables whose values are never printed. */
export const SECRET_VARIABLES: ReadonlySet<string> = new Set([
  'TEMPORAL_API_KEY',
  'CONNECTPSP_CLIENT_SECRET',
  'CONNECTPSP_APPLICATION_TOKEN',
  'CONNECTPSP_CRYPTO_TOKEN',
  'PAYLOAD_ENCRYPTION_KEY',
  'PAYLOAD_ENCRYPTION_PREVIOUS_KEYS',
  'CODEC_AUTH_TOKEN',
  'LEDGER_DATABASE_URL',
  'PLATFORM_WALLET_SECRET',
  'WALLET_SERVICE_DATABASE_URL',
  'OTEL_EXPORTER_OTLP_HEADERS',
]);

/** Credentials the sandbox issues and accepts; used only when no real ConnectPSP is configured. */
export const SANDBOX_CREDENTIALS = {
  clientId: '1000001',
  clientSecret: '6f1c2b7e-9a3d-4c5e-8f70-1a2b3c4d5e6f',
  applicationToken: '0d9c8b7a-6f5e-4d3c-2b1a-0f9e8d7c6b5a',
  cryptoToken: 'sandbox-crypto-token-not-a-secret',
} as const;

/**
 * The secret shared with the local reference wallet service when PLATFORM_WALLET_URL is unset: local
 * only, like the sandbox's credentials; a real wallet service gets PLATFORM_WALLET_SECRET.
 */
export const REFERENCE_WALLET_SECRET = 'reference-wallet-secret-not-a-secret';

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * This process's environment. The one place `process.env` is read: project variables go through
 * `parseConfig`; the whole environment is only handed on, to child processes and to
 * @temporalio/envconfig (which reads Temporal's own variables as the Temporal CLI does).
 */
export function processEnvironment(): NodeJS.ProcessEnv {
  return process.env;
}

/**
 * How long in-flight activities get to finish when the worker stops: by default longer than one PSP
 * call may take, so a deploy never cuts a payment call in half (its outcome would be unknown, and
 * the payment would wait in NEEDS_REVIEW until the PSP's record decides).
 */
export function workerShutdownGraceSeconds(
  config: Pick<Config, 'WORKER_SHUTDOWN_GRACE_SECONDS' | 'PSP_CALL_TIMEOUT_SECONDS'>,
): number {
  return config.WORKER_SHUTDOWN_GRACE_SECONDS ?? config.PSP_CALL_TIMEOUT_SECONDS + SHUTDOWN_MARGIN_SECONDS;
}
const SHUTDOWN_MARGIN_SECONDS = 5;

/** Reads `.env` (if present) without overriding variables already set in the environment. */
export function loadDotEnv(file = path.resolve('.env')): void {
  if (existsSync(file)) process.loadEnvFile(file);
}

/** Parses an environment into a Config; throws ConfigError listing every bad variable (values never shown). */
export function parseConfig(env: NodeJS.ProcessEnv = process.env, options: ParseOptions = {}): Config {
  const relevant: Record<string, string> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') relevant[key] = value;
  }
  const result = configSchema.safeParse(relevant);
  const problems = [
    ...(result.success
      ? []
      : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)),
    ...crossVariableProblems(relevant, options),
    ...codecProblems(relevant),
  ];
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  return result.data;
}

/**
 * Entry points call this first: loads `.env`, parses, and on failure prints one message
 * listing every bad variable and exits with code 2 before anything else happens.
 */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env, options: ParseOptions = {}): Config {
  loadDotEnv();
  try {
    return parseConfig(env, options);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

/**
 * True when the PSP is a real ConnectPSP: live mode, or (for clients, which need no mode) a
 * CONNECTPSP_BASE_URL without one. Otherwise the PSP is a sandbox, which has a control API.
 */
export function usesRealPsp(config: Pick<Config, 'CONNECTPSP_MODE' | 'CONNECTPSP_BASE_URL'>): boolean {
  if (config.CONNECTPSP_MODE !== undefined) return config.CONNECTPSP_MODE === 'live';
  return config.CONNECTPSP_BASE_URL !== undefined;
}

/** The local stack starts its own sandbox: sandbox mode and no CONNECTPSP_BASE_URL naming another. */
export function startsLocalSandbox(config: Pick<Config, 'CONNECTPSP_MODE' | 'CONNECTPSP_BASE_URL'>): boolean {
  return config.CONNECTPSP_MODE === 'sandbox' && config.CONNECTPSP_BASE_URL === undefined;
}

/**
 * The relay serves the payload codec (its own listener, CODEC_HOST:CODEC_PORT) only when there is
 * something to decrypt and a way to tell who asks (or, CODEC_LOCAL_NO_AUTH, that this machine asks).
 */
export function servesCodec(config: Config): boolean {
  const hasKey = Boolean(config.PAYLOAD_ENCRYPTION_KEY || config.PAYLOAD_ENCRYPTION_PREVIOUS_KEYS);
  return hasKey && Boolean(config.CODEC_AUTH_TOKEN || config.CODEC_JWKS_URL || config.CODEC_LOCAL_NO_AUTH);
}

/** The URL ConnectPSP posts webhooks to: RELAY_PUBLIC_URL, or the local relay. */
export function webhookUrl(config: Config): string {
  const base = config.RELAY_PUBLIC_URL ?? `http://127.0.0.1:${config.RELAY_PORT}`;
  return `${base.replace(/\/$/, '')}${config.RELAY_WEBHOOK_PATH}`;
}

/** True when the worker uses the platform's wallet service (WALLET_BACKEND=http) instead of the built-in ledger. */
export function usesWalletService(config: Config): boolean {
  return config.WALLET_BACKEND === 'http';
}

/** The wallet service the worker calls in http mode: PLATFORM_WALLET_URL, or the local reference service. */
export function platformWalletEndpoint(config: Config): { url: string; secret: string; local: boolean } {
  if (config.PLATFORM_WALLET_URL) {
    return { url: config.PLATFORM_WALLET_URL, secret: config.PLATFORM_WALLET_SECRET as string, local: false };
  }
  return {
    url: `http://127.0.0.1:${config.WALLET_SERVICE_PORT}`,
    secret: config.PLATFORM_WALLET_SECRET ?? REFERENCE_WALLET_SECRET,
    local: true,
  };
}
