import { type Config, SANDBOX_CREDENTIALS } from '../../worker/config';
import { ConnectPspClient, type ConnectPspClientOptions } from './client';
import type { ConnectPspCredentials } from './types';

/**
 * The client the worker uses: the configured ConnectPSP, or the local sandbox at
 * `http://127.0.0.1:${SANDBOX_PORT}` with its fixed credentials when CONNECTPSP_BASE_URL is unset.
 */
export function createConnectPspClientFromConfig(
  config: Config,
  overrides: Partial<ConnectPspClientOptions> = {},
): ConnectPspClient {
  return new ConnectPspClient({
    baseUrl: config.CONNECTPSP_BASE_URL ?? `http://127.0.0.1:${config.SANDBOX_PORT}`,
    credentials: config.CONNECTPSP_BASE_URL ? configuredCredentials(config) : { ...SANDBOX_CREDENTIALS },
    timeouts: {
      connectMs: config.CONNECTPSP_CONNECT_TIMEOUT_MS,
      headersMs: config.CONNECTPSP_HEADERS_TIMEOUT_MS,
      bodyMs: config.CONNECTPSP_BODY_TIMEOUT_MS,
    },
    maxConnections: config.CONNECTPSP_MAX_CONNECTIONS,
    ...overrides,
  });
}

function configuredCredentials(config: Config): ConnectPspCredentials {
  const {
    CONNECTPSP_CLIENT_ID,
    CONNECTPSP_CLIENT_SECRET,
    CONNECTPSP_APPLICATION_TOKEN,
    CONNECTPSP_CRYPTO_TOKEN,
  } = config;
  // parseConfig already requires all four with CONNECTPSP_BASE_URL; this guards hand-built configs.
  if (
    !CONNECTPSP_CLIENT_ID ||
    !CONNECTPSP_CLIENT_SECRET ||
    !CONNECTPSP_APPLICATION_TOKEN ||
    !CONNECTPSP_CRYPTO_TOKEN
  ) {
    throw new Error('CONNECTPSP_BASE_URL is set but a CONNECTPSP_* credential is missing');
  }
  return {
    clientId: CONNECTPSP_CLIENT_ID,
    clientSecret: CONNECTPSP_CLIENT_SECRET,
    applicationToken: CONNECTPSP_APPLICATION_TOKEN,
    cryptoToken: CONNECTPSP_CRYPTO_TOKEN,
  };
}
