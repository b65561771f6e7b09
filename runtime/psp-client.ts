import { ConnectPspClient, type ConnectPspClientOptions } from '../connectpsp/client';
import type { Config } from './config';
import { pspCredentials } from './psp-credentials';

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
    credentials: pspCredentials(config),
    timeouts: {
      connectMs: config.CONNECTPSP_CONNECT_TIMEOUT_MS,
      headersMs: config.CONNECTPSP_HEADERS_TIMEOUT_MS,
      bodyMs: config.CONNECTPSP_BODY_TIMEOUT_MS,
    },
    maxConnections: config.CONNECTPSP_MAX_CONNECTIONS,
    ...overrides,
  });
}
