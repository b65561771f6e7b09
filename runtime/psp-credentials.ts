import { type Config, SANDBOX_CREDENTIALS, usesRealPsp } from './config';

export interface PspCredentials {
  clientId: string;
  clientSecret: string;
  applicationToken: string;
  cryptoToken: string;
}

/**
 * The ConnectPSP credentials of this deployment: the CONNECTPSP_* variables when
 * CONNECTPSP_BASE_URL is set, else the sandbox's fixed ones. The PSP client signs with the
 * CryptoToken and the webhook relay verifies with it, so both must read it from here.
 */
export function pspCredentials(config: Config): PspCredentials {
  if (!usesRealPsp(config)) return { ...SANDBOX_CREDENTIALS };
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
