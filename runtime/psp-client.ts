import { ConnectPspClient, type ConnectPspClientOptions } from '../connectpsp/client';
import type { Config } from './config';
import { pspBaseUrl, pspCredentials } from './psp-credentials';

/**
 * The client the worker uses, by CONNECTPSP_MODE: the configured ConnectPSP with its secrets
 * (live), or a sandbox (CONNECTPSP_BASE_URL, default the local one on SANDBOX_PORT) with its
 * public credentials (sandbox).
 */
export function createConnectPspClientFromConfig(
  config: Config,
  overrides: Partial<ConnectPspClientOptions> = {},
): ConnectPspClient {
  return new ConnectPspClient({
    baseUrl: pspBaseUrl(config),
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
