import { describe, expect, it } from 'vitest';
import { tokenResponseSchema } from '../../domain/connectpsp';
import { SANDBOX_CREDENTIALS } from '../../runtime/config';
import { startSandbox } from '../../sandbox/server';
import { waitFor } from '../../scripts/wait-for';
import { SANDBOX_POLL, SandboxCaller, useSandbox } from '../helpers/sandbox-kit';

const REBALANCE = { targetAmount: 0 };

describe('sandbox authentication', () => {
  const env = useSandbox();

  it('issues an HS256 JWT for the right credentials', async () => {
    const result = await env.psp.call('POST', '/auth/token', {
      anonymous: true,
      body: { clientId: SANDBOX_CREDENTIALS.clientId, clientSecret: SANDBOX_CREDENTIALS.clientSecret },
    });
    expect(result.status).toBe(200);
    const token = tokenResponseSchema.parse(result.body);
    expect(token).toMatchObject({ tokenType: 'Bearer', expiresIn: 3600 });
    const header = JSON.parse(Buffer.from(token.accessToken.split('.')[0] ?? '', 'base64url').toString());
    expect(header.alg).toBe('HS256');
  });

  it('answers 401 INVALID_CREDENTIALS as problem+json for a wrong secret', async () => {
    const result = await env.psp.call('POST', '/auth/token', {
      anonymous: true,
      body: { clientId: SANDBOX_CREDENTIALS.clientId, clientSecret: 'wrong' },
    });
    expect(result.status).toBe(401);
    expect(result.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(result.body).toMatchObject({
      status: 401,
      code: 'INVALID_CREDENTIALS',
      title: expect.any(String),
    });
    expect(result.body.type).toMatch(/^https:\/\//);
    expect(JSON.stringify(result.body)).not.toContain(SANDBOX_CREDENTIALS.clientSecret);
  });

  it('answers 400 INVALID_REQUEST with field errors for a malformed token request', async () => {
    const result = await env.psp.call('POST', '/auth/token', { anonymous: true, body: { clientId: 'abc' } });
    expect(result.status).toBe(400);
    expect(result.body.code).toBe('INVALID_REQUEST');
    expect(result.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'clientId',
      'clientSecret',
    ]);
  });

  it('answers 400 INVALID_REQUEST for a body that is not JSON', async () => {
    const result = await env.psp.call('POST', '/auth/token', {
      anonymous: true,
      headers: { 'content-type': 'application/json' },
      body: undefined,
    });
    expect(result.status).toBe(400);
    const broken = await fetch(`${env.sandbox.url}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"clientId":',
    });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { code: string }).code).toBe('INVALID_REQUEST');
  });

  it('requires a bearer token and the ApplicationToken', async () => {
    const missing = await env.psp.call('GET', '/account/balance', { anonymous: true });
    expect(missing.status).toBe(401);
    expect(missing.body.code).toBe('INVALID_TOKEN');

    const token = await env.psp.accessToken();
    const badApp = await env.psp.call('GET', '/account/balance', {
      anonymous: true,
      headers: { authorization: `Bearer ${token}`, applicationtoken: 'not-the-app-token' },
    });
    expect(badApp.status).toBe(401);
    expect(badApp.body.code).toBe('INVALID_APPLICATION_TOKEN');
  });

  it('rejects a token signed with another key as INVALID_TOKEN', async () => {
    const { SignJWT } = await import('jose');
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('connectpsp')
      .setSubject(SANDBOX_CREDENTIALS.clientId)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('another key entirely, 32 bytes!!'));
    const result = await env.psp.call('GET', '/account/balance', {
      headers: { authorization: `Bearer ${forged}` },
    });
    expect(result.status).toBe(401);
    expect(result.body.code).toBe('INVALID_TOKEN');
  });

  it('requires DigitalSignature = hex HMAC-SHA256(CryptoToken, JWT) on signed calls', async () => {
    const unsigned = await env.psp.call('POST', '/account/rebalance', { body: REBALANCE });
    expect(unsigned.status).toBe(422);
    expect(unsigned.body.code).toBe('INVALID_SIGNATURE');

    const wrong = await env.psp.call('POST', '/account/rebalance', {
      body: REBALANCE,
      headers: { digitalsignature: 'ab'.repeat(32) },
    });
    expect(wrong.body.code).toBe('INVALID_SIGNATURE');

    const signed = await env.psp.call('POST', '/account/rebalance', { body: REBALANCE, signed: true });
    expect(signed.status).toBe(200);
  });

  it('checks the token, then the ApplicationToken, then DigitalSignature, then the idempotency key and the body', async () => {
    const invalid = { targetAmount: -1 };
    const codeOf = async (options: Parameters<typeof env.psp.call>[2]) =>
      (await env.psp.call('POST', '/account/rebalance', { body: invalid, ...options })).body.code;
    expect(await codeOf({ anonymous: true, headers: { applicationtoken: 'wrong' } })).toBe('INVALID_TOKEN');
    const token = await env.psp.accessToken();
    expect(
      await codeOf({
        anonymous: true,
        headers: { authorization: `Bearer ${token}`, applicationtoken: 'wrong' },
      }),
    ).toBe('INVALID_APPLICATION_TOKEN');
    expect(await codeOf({ idempotencyKey: 'not-a-uuid' })).toBe('INVALID_SIGNATURE');
    expect(await codeOf({ signed: true })).toBe('INVALID_REQUEST');
  });

  it('answers 401 TOKEN_EXPIRED once the token lifetime has passed', async () => {
    const shortLived = await startSandbox({ port: 0, tokenTtlSeconds: 1 });
    try {
      const caller = new SandboxCaller(shortLived.url);
      expect((await caller.call('GET', '/account/balance')).status).toBe(200);
      const expired = await waitFor(
        'the 1 s token to expire',
        async () => {
          const result = await caller.call('GET', '/account/balance');
          return result.status === 401 ? result : undefined;
        },
        { ...SANDBOX_POLL, timeoutMs: 4000 },
      );
      expect(expired.body.code).toBe('TOKEN_EXPIRED');
    } finally {
      await shortLived.close();
    }
  });
});
