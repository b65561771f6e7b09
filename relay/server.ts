import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import type { Logger } from 'pino';
import { type Config, parseConfig, processEnvironment } from '../runtime/config';
import { dataConverterFor } from '../runtime/data-converter';
import { createLogger } from '../runtime/logger';
import { payloadCodecFor } from '../runtime/payload-codec';
import { pspCredentials } from '../runtime/psp-credentials';
import { temporalTarget } from '../runtime/temporal-connection';
import { createRelayApp } from './app';
import { createRelayMetrics } from './metrics';

export interface RelayOptions {
  /** Default: parseConfig() of the environment. */
  config?: Config;
  /** 0 = a free port; default RELAY_PORT. */
  port?: number;
  /** Default: every interface (the PSP must reach it). */
  host?: string;
  /** A client of the caller's (not closed by close()); default: one built from the config. */
  client?: Client;
  /** Default: createLogger(config, 'relay'). */
  logger?: Logger;
  /** Add Node process metrics (CPU, memory, event loop) to /metrics. */
  processMetrics?: boolean;
  /** Web UI origins allowed to call /codec/*; default the local UI on TEMPORAL_UI_PORT. */
  codecCorsOrigins?: string[];
}

export interface RunningRelay {
  url: string;
  /** Stops accepting, lets requests in flight finish, then closes the Temporal connection it owns. */
  close(): Promise<void>;
}

/** Longest a request in flight may delay shutdown beyond its own signal deadline. */
const SHUTDOWN_SLACK_MS = 1_000;

export async function startRelay(options: RelayOptions = {}): Promise<RunningRelay> {
  const config = options.config ?? parseConfig(processEnvironment(), { needsPsp: true });
  const logger = options.logger ?? createLogger(config, 'relay');
  const client = options.client ?? relayClient(config);
  let shuttingDown = false;
  const app = createRelayApp({
    client,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    cryptoToken: pspCredentials(config).cryptoToken,
    codec: payloadCodecFor(config),
    codecCorsOrigins: options.codecCorsOrigins ?? [
      `http://localhost:${config.TEMPORAL_UI_PORT}`,
      `http://127.0.0.1:${config.TEMPORAL_UI_PORT}`,
    ],
    logger,
    metrics: createRelayMetrics({ processMetrics: options.processMetrics }),
    webhookPath: config.RELAY_WEBHOOK_PATH,
    maxBodyBytes: config.RELAY_MAX_BODY_BYTES,
    signalDeadlineMs: config.RELAY_SIGNAL_DEADLINE_MS,
    isShuttingDown: () => shuttingDown,
  });

  const server = createServer(app);
  // Keep-alive connections end with the response they carry once shutdown began.
  server.on('request', (_req, res) => {
    if (shuttingDown) res.setHeader('Connection', 'close');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? config.RELAY_PORT, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host =
    options.host && options.host !== '0.0.0.0' && options.host !== '::' ? options.host : '127.0.0.1';
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      closing ??= (async () => {
        shuttingDown = true;
        await new Promise<void>((resolve) => {
          const force = setTimeout(
            () => server.closeAllConnections(),
            config.RELAY_SIGNAL_DEADLINE_MS + SHUTDOWN_SLACK_MS,
          );
          server.close(() => {
            clearTimeout(force);
            resolve();
          });
          server.closeIdleConnections();
        });
        if (!options.client) await client.connection.close();
      })();
      return closing;
    },
  };
}

/**
 * A lazy connection: the relay starts, and answers 503 (so the PSP retries), while Temporal is
 * still unreachable, and connects on the first webhook once it is back.
 */
function relayClient(config: Config): Client {
  const { connectionOptions, namespace } = temporalTarget(config);
  const { address, tls, apiKey, metadata } = connectionOptions;
  const connection = Connection.lazy({ address, tls, apiKey, metadata });
  return new Client({ connection, namespace, dataConverter: dataConverterFor(config) });
}
