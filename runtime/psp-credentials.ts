import { type Config, ConfigError, PSP_MODE_REQUIRED, SANDBOX_CREDENTIALS } from './config';

export interface PspCredentials {
  clientId: string;
  clientSecret: string;
  applicationToken: string;
  cryptoToken: string;
}

const VARIABLE_OF: Record<keyof PspCredentials, string> = {
  clientId: 'CONNECTPSP_CLIENT_ID',
  clientSecret: 'CONNECTPSP_CLIENT_SECRET',
  applicationToken: 'CONNECTPSP_APPLICATION_TOKEN',
  cryptoToken: 'CONNECTPSP_CRYPTO_TOKEN',
};

/**
 * The ConnectPSP credentials of this deployment, by CONNECTPSP_MODE: the sandbox's public ones in
 * sandbox mode, the CONNECTPSP_* secrets in live mode. The PSP client signs with the CryptoToken
 * and the webhook relay verifies with it, so both must read it from here. Without a mode there is
 * no answer: never a silent fallback to the public sandbox keys.
 */
export function pspCredentials(
  config: Pick<
    Config,
    | 'CONNECTPSP_MODE'
    | 'CONNECTPSP_CLIENT_ID'
    | 'CONNECTPSP_CLIENT_SECRET'
    | 'CONNECTPSP_APPLICATION_TOKEN'
    | 'CONNECTPSP_CRYPTO_TOKEN'
  >,
): PspCredentials {
  if (config.CONNECTPSP_MODE === 'sandbox') return { ...SANDBOX_CREDENTIALS };
  if (config.CONNECTPSP_MODE !== 'live') throw new ConfigError([PSP_MODE_REQUIRED]);
  const credentials: Partial<PspCredentials> = {
    clientId: config.CONNECTPSP_CLIENT_ID,
    clientSecret: config.CONNECTPSP_CLIENT_SECRET,
    applicationToken: config.CONNECTPSP_APPLICATION_TOKEN,
    cryptoToken: config.CONNECTPSP_CRYPTO_TOKEN,
  };
  // parseConfig({needsPsp}) already requires all four in live mode; this guards hand-built configs.
  const missing = Object.entries(VARIABLE_OF)
    .filter(([field]) => !credentials[field as keyof PspCredentials])
    .map(([, variable]) => `${variable}: is required in live mode`);
  if (missing.length > 0) throw new ConfigError(missing);
  return credentials as PspCredentials;
}

/** Where the PSP is: CONNECTPSP_BASE_URL, or in sandbox mode the local sandbox on SANDBOX_PORT. */
export function pspBaseUrl(
  config: Pick<Config, 'CONNECTPSP_MODE' | 'CONNECTPSP_BASE_URL' | 'SANDBOX_PORT'>,
): string {
  if (config.CONNECTPSP_BASE_URL) return config.CONNECTPSP_BASE_URL;
  if (config.CONNECTPSP_MODE === 'sandbox') return `http://127.0.0.1:${config.SANDBOX_PORT}`;
  throw new ConfigError(
    config.CONNECTPSP_MODE === 'live'
      ? ['CONNECTPSP_BASE_URL: is required in live mode']
      : [PSP_MODE_REQUIRED],
  );
}
