import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { type Config, processEnvironment } from './config';
import { deadlineBoundRetryInterceptor } from './grpc-retry';

/**
 * How to reach Temporal: the four fields @temporalio/envconfig reads, which both the client's
 * Connection and the worker's NativeConnection take. Typed from @temporalio/client, not from
 * @temporalio/worker, so the client package's types need no worker installed.
 */
export type TemporalConnectionOptions = Pick<ConnectionOptions, 'tls' | 'metadata'> & {
  address: string;
  apiKey?: string;
};

export interface TemporalTarget {
  connectionOptions: TemporalConnectionOptions;
  namespace: string;
}

/**
 * Where and how to reach Temporal, read the way the Temporal CLI reads it (TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS*, TEMPORAL_PROFILE and its TOML file), so
 * both point at the same server with the same variables.
 */
export function temporalTarget(
  config: Config,
  env: NodeJS.ProcessEnv = processEnvironment(),
): TemporalTarget {
  const definedEnv = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const { connectionOptions, namespace } = loadClientConnectConfig({ overrideEnvVars: definedEnv });
  const { address, tls, apiKey, metadata } = connectionOptions;
  return {
    connectionOptions: { address: address ?? `127.0.0.1:${config.TEMPORAL_PORT}`, tls, apiKey, metadata },
    namespace: namespace ?? config.TEMPORAL_NAMESPACE,
  };
}

export interface ClientConnectOptions {
  /** The deployment's data converter (runtime/data-converter.ts) when payloads are encrypted. */
  dataConverter?: DataConverter;
  /** How long to wait for the server to answer; default the SDK's 10 s. */
  connectTimeoutMs?: number;
}

/** A client of the target, connected the same way by the worker, the relay, the CLI and the launcher. */
export async function connectClient(
  target: TemporalTarget,
  options: ClientConnectOptions = {},
): Promise<Client> {
  const { address, tls, apiKey, metadata } = target.connectionOptions;
  const connection = await Connection.connect({
    address,
    tls,
    apiKey,
    metadata,
    interceptors: [deadlineBoundRetryInterceptor()],
    ...(options.connectTimeoutMs === undefined ? {} : { connectTimeout: options.connectTimeoutMs }),
  });
  return new Client({ connection, namespace: target.namespace, dataConverter: options.dataConverter });
}
