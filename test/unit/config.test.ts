import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  configSchema,
  type ParseOptions,
  parseConfig,
  platformWalletEndpoint,
  REFERENCE_WALLET_SECRET,
  SANDBOX_CREDENTIALS,
  SECRET_VARIABLES,
  webhookUrl,
  workerShutdownGraceSeconds,
} from '../../runtime/config';
import { PROJECT_ROOT } from '../../runtime/project-root';

function problemsOf(env: NodeJS.ProcessEnv, options: ParseOptions = {}): string[] {
  try {
    parseConfig(env, options);
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

  it('lets a stopping worker finish a PSP call in flight: the shutdown grace outlasts the call timeout unless set', () => {
    expect(workerShutdownGraceSeconds(parseConfig({}))).toBe(35);
    expect(workerShutdownGraceSeconds(parseConfig({ PSP_CALL_TIMEOUT_SECONDS: '60' }))).toBe(65);
    expect(workerShutdownGraceSeconds(parseConfig({ WORKER_SHUTDOWN_GRACE_SECONDS: '10' }))).toBe(10);
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

  describe('CONNECTPSP_MODE', () => {
    const psp = { needsPsp: true };
    const key = Buffer.alloc(32, 1).toString('base64');
    const live = {
      CONNECTPSP_MODE: 'live',
      PAYLOAD_ENCRYPTION_KEY: key,
      CONNECTPSP_BASE_URL: 'https://api.connectpsp.com',
      CONNECTPSP_CLIENT_ID: '42',
      CONNECTPSP_CLIENT_SECRET: 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6',
      CONNECTPSP_APPLICATION_TOKEN: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
      CONNECTPSP_CRYPTO_TOKEN: 'live-crypto-token-from-onboarding',
    };
    const sandboxValueOf = {
      CONNECTPSP_CLIENT_ID: SANDBOX_CREDENTIALS.clientId,
      CONNECTPSP_CLIENT_SECRET: SANDBOX_CREDENTIALS.clientSecret,
      CONNECTPSP_APPLICATION_TOKEN: SANDBOX_CREDENTIALS.applicationToken,
      CONNECTPSP_CRYPTO_TOKEN: SANDBOX_CREDENTIALS.cryptoToken,
    };

    it('is required by a process that talks to ConnectPSP, and only by one', () => {
      expect(problemsOf({}, psp)).toEqual([expect.stringMatching(/^CONNECTPSP_MODE: is required/)]);
      // The old implicit switch is gone: a base URL alone no longer means "real PSP".
      expect(problemsOf({ CONNECTPSP_BASE_URL: 'https://api.connectpsp.com' }, psp)).toEqual([
        expect.stringMatching(/^CONNECTPSP_MODE: is required/),
      ]);
      expect(parseConfig({}).CONNECTPSP_MODE).toBeUndefined(); // a client (CLI, library) needs none
      expect(problemsOf({ CONNECTPSP_MODE: 'prod' })).toEqual(['CONNECTPSP_MODE: must be sandbox or live']);
    });

    it('live: a complete configuration passes', () => {
      expect(parseConfig(live, psp).CONNECTPSP_MODE).toBe('live');
    });

    it.each([
      'CONNECTPSP_BASE_URL',
      'CONNECTPSP_CLIENT_ID',
      'CONNECTPSP_CLIENT_SECRET',
      'CONNECTPSP_APPLICATION_TOKEN',
      'CONNECTPSP_CRYPTO_TOKEN',
      'PAYLOAD_ENCRYPTION_KEY',
    ])('live: %s missing is named, and no secret value is echoed', (name) => {
      const problems = problemsOf({ ...live, [name]: undefined }, psp);
      expect(problems).toEqual([expect.stringMatching(new RegExp(`^${name}: is required in live mode`))]);
      for (const value of Object.values(live)) {
        if (value.length > 8) expect(problems.join('\n')).not.toContain(value);
      }
    });

    it('live: a client needs no PSP secret, but still the payload key', () => {
      expect(parseConfig({ CONNECTPSP_MODE: 'live', PAYLOAD_ENCRYPTION_KEY: key }).CONNECTPSP_MODE).toBe(
        'live',
      );
      expect(problemsOf({ CONNECTPSP_MODE: 'live' })).toEqual([
        expect.stringMatching(/^PAYLOAD_ENCRYPTION_KEY: is required in live mode/),
      ]);
    });

    it.each(Object.entries(sandboxValueOf))(
      'live: the public sandbox value of %s is refused, by name',
      (name, value) => {
        expect(problemsOf({ ...live, [name]: value }, psp)).toEqual([
          `${name}: is the public sandbox value, refused in live mode (use the value from ConnectPSP onboarding)`,
        ]);
      },
    );

    it('live: the base URL must be https', () => {
      expect(problemsOf({ ...live, CONNECTPSP_BASE_URL: 'http://api.connectpsp.com' }, psp)).toEqual([
        'CONNECTPSP_BASE_URL: must be an https URL in live mode (credentials travel to it)',
      ]);
    });

    it('sandbox: needs nothing else, and accepts the sandbox values where they are given', () => {
      expect(parseConfig({ CONNECTPSP_MODE: 'sandbox' }, psp).CONNECTPSP_MODE).toBe('sandbox');
      expect(parseConfig({ CONNECTPSP_MODE: 'sandbox', ...sandboxValueOf }, psp).CONNECTPSP_MODE).toBe(
        'sandbox',
      );
    });

    it.each(Object.keys(sandboxValueOf))(
      "sandbox: a %s other than the sandbox's is refused, by name",
      (name) => {
        const value = (live as Record<string, string>)[name] as string;
        const problems = problemsOf({ CONNECTPSP_MODE: 'sandbox', [name]: value }, psp);
        expect(problems).toEqual([expect.stringMatching(new RegExp(`^${name}: is not the sandbox's`))]);
        expect(problems.join('\n')).not.toContain(value.length > 8 ? value : '\u0000');
      },
    );
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
