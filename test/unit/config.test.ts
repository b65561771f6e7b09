import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  configSchema,
  parseConfig,
  platformWalletEndpoint,
  REFERENCE_WALLET_SECRET,
  SECRET_VARIABLES,
  webhookUrl,
} from '../../runtime/config';
import { PROJECT_ROOT } from '../../runtime/project-root';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('has a working default for every variable when nothing is set', () => {
    const config = parseConfig({});
    expect(config.TEMPORAL_NAMESPACE).toBe('default');
    expect(config.TEMPORAL_TASK_QUEUE).toBe('payments');
    expect(config.TEMPORAL_UI_PORT).toBe(8233);
    expect(config.DATA_DIR).toBe('.data');
    expect(config.CONNECTPSP_BASE_URL).toBeUndefined();
  });

  it('coerces numbers and booleans from strings', () => {
    const config = parseConfig({
      SANDBOX_PORT: '9000',
      TEMPORAL_TLS: 'true',
      REBALANCE_THRESHOLD_CENTS: '0',
    });
    expect(config.SANDBOX_PORT).toBe(9000);
    expect(config.TEMPORAL_TLS).toBe(true);
    expect(config.REBALANCE_THRESHOLD_CENTS).toBe(0);
  });

  it('lists every bad variable with its rule, in one error', () => {
    const problems = problemsOf({
      SANDBOX_PORT: 'eighty',
      RELAY_PORT: '70000',
      LOG_LEVEL: 'loud',
      TEMPORAL_ADDRESS: 'http://x',
      PAYLOAD_ENCRYPTION_KEY: 'c2hvcnQ=',
    });
    expect(problems).toHaveLength(5);
    expect(problems.find((p) => p.startsWith('RELAY_PORT:'))).toContain('1..65535');
    expect(problems.find((p) => p.startsWith('TEMPORAL_ADDRESS:'))).toContain('host:port');
    expect(problems.find((p) => p.startsWith('PAYLOAD_ENCRYPTION_KEY:'))).toContain('32 bytes');
    expect(problems.some((p) => p.startsWith('SANDBOX_PORT:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('LOG_LEVEL:'))).toBe(true);
  });

  it('requires all four ConnectPSP credentials once a real ConnectPSP URL is set, and never echoes secrets', () => {
    const secret = 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6';
    let message = '';
    try {
      parseConfig({ CONNECTPSP_BASE_URL: 'https://api.connectpsp.com', CONNECTPSP_CLIENT_SECRET: secret });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('CONNECTPSP_CLIENT_ID: is required when CONNECTPSP_BASE_URL is set');
    expect(message).toContain('CONNECTPSP_APPLICATION_TOKEN');
    expect(message).toContain('CONNECTPSP_CRYPTO_TOKEN');
    expect(message).not.toContain('CONNECTPSP_CLIENT_SECRET:');
    expect(message).not.toContain(secret);
  });

  it('does not echo the value of a malformed secret either', () => {
    const value = 'not base64 !!! secret-material';
    const problems = problemsOf({ PAYLOAD_ENCRYPTION_KEY: value });
    expect(problems.join('\n')).not.toContain(value);
    expect(SECRET_VARIABLES.has('PAYLOAD_ENCRYPTION_KEY')).toBe(true);
  });

  it('selects the wallet: the built-in ledger by default, or the platform wallet service, validated with the rest', () => {
    expect(parseConfig({}).WALLET_BACKEND).toBe('ledger');
    expect(
      platformWalletEndpoint(parseConfig({ WALLET_BACKEND: 'http', WALLET_SERVICE_PORT: '9100' })),
    ).toEqual({
      url: 'http://127.0.0.1:9100',
      secret: REFERENCE_WALLET_SECRET,
      local: true,
    });
    const secret = 'platform-wallet-secret-0123456789';
    expect(
      platformWalletEndpoint(
        parseConfig({
          WALLET_BACKEND: 'http',
          PLATFORM_WALLET_URL: 'https://wallet.example.com/pix',
          PLATFORM_WALLET_SECRET: secret,
        }),
      ),
    ).toEqual({ url: 'https://wallet.example.com/pix', secret, local: false });

    const problems = problemsOf({
      WALLET_BACKEND: 'books',
      PLATFORM_WALLET_URL: 'ftp://wallet',
      PLATFORM_WALLET_TIMEOUT_MS: '60000',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'WALLET_BACKEND: must be ledger or http',
        'PLATFORM_WALLET_URL: must be an http(s) URL',
        'PLATFORM_WALLET_TIMEOUT_MS: must be at most 12000',
        'PLATFORM_WALLET_URL: is set, but WALLET_BACKEND is not http (the built-in ledger would be used)',
        'PLATFORM_WALLET_SECRET: is required when PLATFORM_WALLET_URL is set',
      ]),
    );
    const short = 'too-short';
    const weak = problemsOf({ WALLET_BACKEND: 'http', PLATFORM_WALLET_SECRET: short });
    expect(weak).toEqual(['PLATFORM_WALLET_SECRET: must be at least 16 characters']);
    expect(weak.join('\n')).not.toContain(short);
    expect(SECRET_VARIABLES.has('PLATFORM_WALLET_SECRET')).toBe(true);
    expect(SECRET_VARIABLES.has('WALLET_SERVICE_DATABASE_URL')).toBe(true);
  });

  it('builds the webhook URL from RELAY_PUBLIC_URL or the local relay port', () => {
    expect(webhookUrl(parseConfig({ RELAY_PORT: '9001' }))).toBe('http://127.0.0.1:9001/webhooks/connectpsp');
    expect(
      webhookUrl(parseConfig({ RELAY_PUBLIC_URL: 'https://pay.example.com/', RELAY_WEBHOOK_PATH: '/hooks' })),
    ).toBe('https://pay.example.com/hooks');
  });

  it('documents every variable in the README configuration table', () => {
    const readme = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
    const undocumented = Object.keys(configSchema.shape).filter((name) => !readme.includes(`\`${name}\``));
    expect(undocumented).toEqual([]);
  });
});
