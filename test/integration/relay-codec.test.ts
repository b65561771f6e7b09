import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Connection, Client as TemporalClient } from '@temporalio/client';
import pino from 'pino';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningRelay, startRelay } from '../../relay/server';
import { parseConfig } from '../../runtime/config';

// jose 6 is ESM-only: the test mints tokens and serves a JWKS the way an OIDC provider does.
const loadJose = () => import('jose');

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

async function call(
  url: string,
  init: { method?: string; body?: string; headers?: Record<string, string> } = {},
) {
  const res = await request(url, {
    method: (init.method ?? 'POST') as 'POST',
    body: init.body,
    headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...init.headers },
  });
  const text = await res.body.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.statusCode, headers: res.headers, body } satisfies Answer;
}

const PLAIN = {
  metadata: { encoding: Buffer.from('json/plain').toString('base64') },
  data: Buffer.from('{"document":"11144477735"}').toString('base64'),
};
const TOKEN = `codec-${randomBytes(24).toString('hex')}`;
const UI_ORIGIN = 'https://temporal-ui.example.com';

/** A relay whose Temporal client is never used: the codec needs none. */
async function relayWith(
  env: Record<string, string>,
): Promise<{ relay: RunningRelay; close(): Promise<void> }> {
  const client = new TemporalClient({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
  const relay = await startRelay({
    config: parseConfig({ CONNECTPSP_MODE: 'sandbox', ...env }),
    port: 0,
    codecPort: 0,
    host: '127.0.0.1',
    client,
    logger: pino({ level: 'silent' }),
  });
  return {
    relay,
    async close() {
      await relay.close();
      await client.connection.close();
    },
  };
}

describe('payload codec endpoint: its own loopback listener, bearer token required', () => {
  let running: Awaited<ReturnType<typeof relayWith>>;
  let codecUrl: string;
  const key = randomBytes(32).toString('base64');

  beforeAll(async () => {
    running = await relayWith({
      PAYLOAD_ENCRYPTION_KEY: key,
      CODEC_AUTH_TOKEN: TOKEN,
      CODEC_CORS_ORIGINS: UI_ORIGIN,
    });
    codecUrl = running.relay.codecUrl as string;
  });
  afterAll(() => running?.close());

  const codec = (operation: string, payloads: unknown[], headers: Record<string, string> = {}) =>
    call(`${codecUrl}/${operation}`, { body: JSON.stringify({ payloads }), headers });
  const withToken = { authorization: `Bearer ${TOKEN}` };

  it('listens on loopback, on a port of its own; the webhook listener serves no codec', async () => {
    expect(new URL(codecUrl).hostname).toBe('127.0.0.1');
    expect(new URL(codecUrl).port).not.toBe(new URL(running.relay.url).port);
    for (const path of ['/codec/decode', '/codec/encode', '/decode', '/encode']) {
      const answer = await call(`${running.relay.url}${path}`, {
        body: JSON.stringify({ payloads: [PLAIN] }),
      });
      expect({ path, status: answer.status }).toEqual({ path, status: 404 });
    }
  });

  it.each([
    ['no Authorization header', {}],
    ['an empty bearer', { authorization: 'Bearer ' }],
    ['a wrong token', { authorization: `Bearer ${TOKEN.slice(0, -1)}x` }],
    ['the token with another scheme', { authorization: `Basic ${TOKEN}` }],
    ['the token with a suffix', { authorization: `Bearer ${TOKEN}x` }],
  ])('refuses %s with 401 and decodes nothing', async (_name, headers) => {
    const [sealed] = (await codec('encode', [PLAIN], withToken)).body.payloads as unknown[];
    for (const operation of ['decode', 'encode']) {
      const answer = await codec(operation, [sealed], headers as Record<string, string>);
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toBe('Bearer');
      expect(answer.body).toMatchObject({ code: 'UNAUTHORIZED' });
      expect(answer.body.payloads).toBeUndefined();
    }
  });

  it('encodes and decodes in the remote codec format with the token', async () => {
    const encoded = await codec('encode', [PLAIN], withToken);
    expect(encoded.status).toBe(200);
    const [sealed] = encoded.body.payloads as Array<{ metadata: Record<string, string>; data: string }>;
    expect(Buffer.from(sealed?.metadata.encoding ?? '', 'base64').toString()).toBe('binary/encrypted');
    expect(Buffer.from(sealed?.data ?? '', 'base64').toString()).not.toContain('11144477735');
    expect((await codec('decode', [sealed], withToken)).body).toEqual({ payloads: [PLAIN] });

    const tampered = { ...sealed, data: Buffer.from('x'.repeat(40)).toString('base64') };
    expect((await codec('decode', [tampered], withToken)).status).toBe(400);
    expect((await codec('decode', [{ data: 42 }], withToken)).status).toBe(400);
  });

  it('allows the configured Web UI origin (preflight needs no token), not others', async () => {
    const preflight = await call(`${codecUrl}/decode`, {
      method: 'OPTIONS',
      headers: {
        origin: UI_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,x-namespace',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
    const allowed = String(preflight.headers['access-control-allow-headers']).toLowerCase();
    for (const header of ['authorization', 'x-namespace', 'content-type']) expect(allowed).toContain(header);
    expect(String(preflight.headers['access-control-allow-methods'])).toContain('POST');

    const fromUi = await codec('decode', [], { ...withToken, origin: UI_ORIGIN });
    expect(fromUi.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
    const local = await codec('decode', [], { ...withToken, origin: 'http://localhost:8233' });
    expect(local.headers['access-control-allow-origin']).toBeUndefined(); // not configured here
    const elsewhere = await codec('decode', [], { ...withToken, origin: 'https://evil.example' });
    expect(elsewhere.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('payload codec endpoint: the Web UI users’ access tokens (OIDC, JWKS)', () => {
  let jwks: Server;
  let jwksUrl: string;
  let running: Awaited<ReturnType<typeof relayWith>>;
  let sign: (
    claims: Record<string, unknown>,
    options?: { key?: 'other'; expiresIn?: string },
  ) => Promise<string>;
  const issuer = 'https://login.example.com/';
  const audience = 'temporal-ui';

  beforeAll(async () => {
    const { exportJWK, generateKeyPair, SignJWT } = await loadJose();
    const [provider, other] = [await generateKeyPair('RS256'), await generateKeyPair('RS256')];
    const publicJwk = { ...(await exportJWK(provider.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwks = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [publicJwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
    sign = (claims, options = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? '5m')
        .sign(options.key === 'other' ? other.privateKey : provider.privateKey);
    running = await relayWith({
      PAYLOAD_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      CODEC_JWKS_URL: jwksUrl,
      CODEC_JWT_ISSUER: issuer,
      CODEC_JWT_AUDIENCE: audience,
    });
  });
  afterAll(async () => {
    await running?.close();
    await new Promise((resolve) => jwks?.close(resolve));
  });

  const decodeWith = async (token: string) =>
    (
      await call(`${running.relay.codecUrl}/decode`, {
        body: JSON.stringify({ payloads: [PLAIN] }),
        headers: { authorization: `Bearer ${token}` },
      })
    ).status;

  it('accepts a token of the configured issuer and audience, signed by its JWKS', async () => {
    expect(await decodeWith(await sign({ iss: issuer, aud: audience, sub: 'operator@example.com' }))).toBe(
      200,
    );
  });

  it.each([
    ['another audience', { iss: issuer, aud: 'another-app' }, {}],
    ['another issuer', { iss: 'https://evil.example/', aud: audience }, {}],
    ['an expired token', { iss: issuer, aud: audience }, { expiresIn: '-1m' }],
    ['a key not in the JWKS', { iss: issuer, aud: audience }, { key: 'other' as const }],
  ])('refuses %s (401)', async (_name, claims, options) => {
    expect(await decodeWith(await sign(claims, options))).toBe(401);
  });

  it('refuses an unsigned token (alg none) and garbage', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const body = Buffer.from(JSON.stringify({ iss: issuer, aud: audience })).toString('base64url');
    expect(await decodeWith(`${header}.${body}.`)).toBe(401);
    expect(await decodeWith('not-a-jwt')).toBe(401);
  });
});

describe('payload codec endpoint with CODEC_LOCAL_NO_AUTH (npm start: the Web UI has no login to forward)', () => {
  let running: Awaited<ReturnType<typeof relayWith>>;
  let codecUrl: string;
  const LOCAL_UI = 'http://localhost:8233';
  let sealed: unknown;

  beforeAll(async () => {
    running = await relayWith({
      PAYLOAD_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      CODEC_LOCAL_NO_AUTH: 'true',
      CODEC_CORS_ORIGINS: LOCAL_UI,
    });
    codecUrl = running.relay.codecUrl as string;
    sealed = (
      (await call(`${codecUrl}/encode`, { body: JSON.stringify({ payloads: [PLAIN] }) })).body
        .payloads as unknown[]
    )[0];
  });
  afterAll(() => running?.close());

  const decode = (headers: Record<string, string>) =>
    call(`${codecUrl}/decode`, { body: JSON.stringify({ payloads: [sealed] }), headers });

  it('decodes without a token for this machine: the CLI (no Origin) and the allowed Web UI, by any local name', async () => {
    const port = new URL(codecUrl).port;
    const headerSets: Array<Record<string, string>> = [
      {},
      { origin: LOCAL_UI },
      { host: `localhost:${port}`, origin: LOCAL_UI },
      { host: `[::1]:${port}` },
    ];
    for (const headers of headerSets) {
      const answer = await decode(headers);
      expect({ headers, status: answer.status, body: answer.body }).toEqual({
        headers,
        status: 200,
        body: { payloads: [PLAIN] },
      });
    }
  });

  it.each([
    ["another site's page", { origin: 'https://evil.example' }],
    ['a DNS-rebound name (another site resolving its own name to 127.0.0.1)', { host: 'evil.example' }],
    ['a rebound name with the UI origin', { host: 'evil.example:8392', origin: LOCAL_UI }],
  ])('refuses %s with 401', async (_name, headers) => {
    const answer = await decode(headers);
    expect([answer.status, answer.body.payloads]).toEqual([401, undefined]);
  });

  it('is refused in live mode, naming the variable', () => {
    expect(() =>
      parseConfig({ CONNECTPSP_MODE: 'live', CODEC_LOCAL_NO_AUTH: 'true', PAYLOAD_ENCRYPTION_KEY: 'x' }),
    ).toThrow(/CODEC_LOCAL_NO_AUTH: is refused in live mode/);
  });
});

describe('payload codec endpoint: not served without a key or a way to authenticate', () => {
  it.each([
    ['no encryption key', { CODEC_AUTH_TOKEN: TOKEN }],
    ['no token nor JWKS', { PAYLOAD_ENCRYPTION_KEY: randomBytes(32).toString('base64') }],
  ])('%s: no codec listener', async (_name, env) => {
    const running = await relayWith(env);
    try {
      expect(running.relay.codecUrl).toBeUndefined();
    } finally {
      await running.close();
    }
  });

  it('CODEC_JWKS_URL needs an issuer and an audience (configuration error naming both)', () => {
    expect(() => parseConfig({ CODEC_JWKS_URL: 'https://login.example.com/jwks' })).toThrow(
      /CODEC_JWT_ISSUER: is required with CODEC_JWKS_URL[\s\S]*CODEC_JWT_AUDIENCE: is required with CODEC_JWKS_URL/,
    );
    expect(() => parseConfig({ CODEC_AUTH_TOKEN: 'short' })).toThrow(
      /CODEC_AUTH_TOKEN: must be at least 32 characters/,
    );
    expect(() => parseConfig({ CODEC_CORS_ORIGINS: 'https://ui.example.com/path' })).toThrow(
      /CODEC_CORS_ORIGINS/,
    );
  });
});
