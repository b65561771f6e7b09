import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import type { Logger } from 'pino';
import { type Config, parseConfig, processEnvironment, servesCodec } from '../runtime/config';
import { dataConverterFor } from '../runtime/data-converter';
import { deadlineBoundRetryInterceptor } from '../runtime/grpc-retry';
import { createLogger } from '../runtime/logger';
import { payloadCodecFor } from '../runtime/payload-codec';
import { pspCredentials } from '../runtime/psp-credentials';
import { temporalTarget } from '../runtime/temporal-connection';
import { temporalClientInterceptors } from '../runtime/tracing';
import { createRelayApp } from './app';
import { codecAuthenticator } from './codec-auth';
import { createCodecApp } from './codec-routes';
import { createRelayMetrics } from './metrics';

export interface RelayOptions {
  /** Default: parseConfig() of the environment. */
  config?: Config;
  /** 0 = a free port; default RELAY_PORT. */
  port?: number;
  /** Default: every interface (the PSP must reach it). */
  host?: string;
  /** Port of the payload codec's own listener; 0 = a free port; default CODEC_PORT. */
  codecPort?: number;
  /** A client of the caller's (not closed by close()); default: one built from the config. */
  client?: Client;
  /** Default: createLogger(config, 'relay'). */
  logger?: Logger;
  /** Add Node process metrics (CPU, memory, event loop) to /metrics. */
  processMetrics?: boolean;
}

export interface RunningRelay {
  url: string;
  /** The payload codec's listener, when it is served (an encryption key and a way to authenticate callers). */
  codecUrl?: string;
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
    logger,
    metrics: createRelayMetrics({ processMetrics: options.processMetrics }),
    webhookPath: config.RELAY_WEBHOOK_PATH,
    maxBodyBytes: config.RELAY_MAX_BODY_BYTES,
    signalDeadlineMs: config.RELAY_SIGNAL_DEADLINE_MS,
    maxInFlight: config.RELAY_MAX_IN_FLIGHT,
    isShuttingDown: () => shuttingDown,
  });

  const webhook = await listen(app, options.port ?? config.RELAY_PORT, options.host);
  // Keep-alive connections end with the response they carry once shutdown began.
  webhook.server.on('request', (_req, res) => {
    if (shuttingDown) res.setHeader('Connection', 'close');
  });
  let codec: Listening | undefined;
  try {
    codec = await startCodec(config, logger, options.codecPort);
  } catch (err) {
    webhook.server.close();
    throw err;
  }

  let closing: Promise<void> | undefined;
  return {
    url: webhook.url,
    ...(codec ? { codecUrl: codec.url } : {}),
    close() {
      closing ??= (async () => {
        shuttingDown = true;
        await Promise.all([
          closeGracefully(webhook.server, config.RELAY_SIGNAL_DEADLINE_MS + SHUTDOWN_SLACK_MS),
          codec ? closeGracefully(codec.server, SHUTDOWN_SLACK_MS) : undefined,
        ]);
        if (!options.client) await client.connection.close();
      })();
      return closing;
    },
  };
}

/**
 * The payload codec on its own listener (CODEC_HOST, default loopback; CODEC_PORT), served only
 * when there is something to decrypt and a way to tell who asks: an encryption key, and
 * CODEC_AUTH_TOKEN, CODEC_JWKS_URL or CODEC_LOCAL_NO_AUTH.
 */
async function startCodec(
  config: Config,
  logger: Logger,
  port: number | undefined,
): Promise<Listening | undefined> {
  const codec = payloadCodecFor(config);
  const { CODEC_JWKS_URL: jwksUrl, CODEC_JWT_ISSUER: issuer, CODEC_JWT_AUDIENCE: audience } = config;
  const authenticate = codecAuthenticator({
    token: config.CODEC_AUTH_TOKEN,
    jwt: jwksUrl && issuer && audience ? { jwksUrl, issuer, audience } : undefined,
  });
  if (!servesCodec(config) || !codec) {
    logger.info(
      {
        reason: codec
          ? 'none of CODEC_AUTH_TOKEN, CODEC_JWKS_URL and CODEC_LOCAL_NO_AUTH is set'
          : 'no payload encryption key',
      },
      'payload codec endpoint not served',
    );
    return undefined;
  }
  const corsOrigins = config.CODEC_CORS_ORIGINS?.split(',').map((origin) => origin.trim()) ?? [
    `http://localhost:${config.TEMPORAL_UI_PORT}`,
    `http://127.0.0.1:${config.TEMPORAL_UI_PORT}`,
  ];
  const listening = await listen(
    createCodecApp({
      codec,
      authenticate,
      servesLocalRequestsWithoutToken: config.CODEC_LOCAL_NO_AUTH === true,
      corsOrigins,
      logger: logger.child({ component: 'codec' }),
    }),
    port ?? config.CODEC_PORT,
    config.CODEC_HOST,
  );
  logger.info({ codecUrl: listening.url, corsOrigins }, 'payload codec listening');
  return listening;
}

interface Listening {
  server: Server;
  url: string;
}

async function listen(app: RequestListener, port: number, host: string | undefined): Promise<Listening> {
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port: bound } = server.address() as AddressInfo;
  const shown = host && host !== '0.0.0.0' && host !== '::' ? host : '127.0.0.1';
  return { server, url: `http://${shown.includes(':') ? `[${shown}]` : shown}:${bound}` };
}

/** Stops accepting, closes idle keep-alive connections, cuts stragglers after `forceAfterMs`. */
function closeGracefully(server: Server, forceAfterMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), forceAfterMs);
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/**
 * A lazy connection: the relay starts, and answers 503 (so the PSP retries), while Temporal is
 * still unreachable, and connects on the first webhook once it is back.
 */
function relayClient(config: Config): Client {
  const { connectionOptions, namespace } = temporalTarget(config);
  const { address, tls, apiKey, metadata } = connectionOptions;
  const connection = Connection.lazy({
    address,
    tls,
    apiKey,
    metadata,
    interceptors: [deadlineBoundRetryInterceptor()],
  });
  return new Client({
    connection,
    namespace,
    dataConverter: dataConverterFor(config),
    // With tracing on, each signal carries the webhook's trace into the workflow.
    interceptors: { workflow: temporalClientInterceptors(config) },
  });
}
