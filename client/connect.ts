import type { Client } from '@temporalio/client';
import { type Config, parseConfig, processEnvironment } from '../runtime/config';
import { dataConverterFor } from '../runtime/data-converter';
import { connectClient, type TemporalTarget, temporalTarget } from '../runtime/temporal-connection';
import { TemporalUnreachableError } from './errors';
import { type PaymentSettings, paymentSettingsFrom } from './payment-settings';
import { PaymentsClient } from './payments-client';
import {
  type Endpoints,
  readStackFile,
  resolveEndpoints,
  stackFilePath,
  withStackPayloadKey,
} from './stack-file';
import type { TemporalCallOptions } from './temporal-calls';

export interface ConnectOptions {
  /** Default: parsed from `env`. */
  config?: Config;
  /** Default: this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** The stack file to find a local stack by; default `<DATA_DIR>/stack.json`; null: ignore any. */
  stackFile?: string | null;
  /** How long to wait for Temporal to answer; default 5 s. */
  connectTimeoutMs?: number;
  /** Overrides of the lifecycle parameters read from the configuration. */
  settings?: Partial<PaymentSettings>;
  /** Bounds, deadlines and retries of the Temporal calls (docs/cli.md, "Bursts"). */
  calls?: TemporalCallOptions;
}

/** Where everything is for this configuration and environment (explicit variables, then stack.json, then defaults). */
export function locateServices(options: ConnectOptions = {}): {
  config: Config;
  endpoints: Endpoints;
  target: TemporalTarget;
} {
  const env = options.env ?? processEnvironment();
  const ownConfig = options.config ?? parseConfig(env);
  const stack =
    options.stackFile === null ? null : readStackFile(options.stackFile ?? stackFilePath(ownConfig));
  const config = withStackPayloadKey(ownConfig, stack);
  const endpoints = resolveEndpoints(config, env, stack);
  return { config, endpoints, target: temporalTarget(config, endpoints.temporalEnv) };
}

/**
 * A PaymentsClient connected the way the worker connects (same variables, same data converter, so
 * encrypted payloads are readable), pointed at the local stack when one is running.
 */
export async function connectPaymentsClient(options: ConnectOptions = {}): Promise<PaymentsClient> {
  const { config, endpoints, target } = locateServices(options);
  const temporal = await connectTemporal(target, config, options.connectTimeoutMs ?? 5_000);
  return new PaymentsClient({
    temporal,
    settings: {
      ...paymentSettingsFrom(config, endpoints.taskQueue),
      webhookUrl: endpoints.webhookUrl,
      ...options.settings,
    },
    temporalAddress: target.connectionOptions.address,
    ...(endpoints.webUiUrl ? { webUiUrl: endpoints.webUiUrl } : {}),
    ...(endpoints.ledgerDatabaseUrl ? { ledgerDatabaseUrl: endpoints.ledgerDatabaseUrl } : {}),
    ...(endpoints.walletService ? { walletService: endpoints.walletService } : {}),
    sandbox: endpoints.sandbox,
    ...(options.calls ? { calls: options.calls } : {}),
  });
}

async function connectTemporal(
  target: TemporalTarget,
  config: Config,
  connectTimeoutMs: number,
): Promise<Client> {
  try {
    return await connectClient(target, { dataConverter: dataConverterFor(config), connectTimeoutMs });
  } catch (err) {
    throw new TemporalUnreachableError(target.connectionOptions.address, (err as Error).message, {
      cause: err,
    });
  }
}
