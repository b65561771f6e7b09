import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { HEADERS, type TokenRequest, type TokenResponse } from '../domain/connectpsp';
import { digitalSignature } from '../domain/connectpsp/signatures';
import { safeEqual } from '../domain/safe-equal';
import type { SandboxContext } from './context';
import { ProblemError } from './problem';
import { utcIso } from './time';

const ISSUER = 'connectpsp';

// jose 6 is ESM-only; a dynamic import is how this CommonJS project loads it.
const loadJose = (): Promise<typeof import('jose', { with: { 'resolution-mode': 'import' }})> =>
  import('jose');

export async function issueToken(ctx: SandboxContext, request: TokenRequest): Promise<TokenResponse> {
  const { credentials, tokenTtlSeconds } = ctx;
  const idMatches = safeEqual(request.clientId, credentials.clientId);
  const secretMatches = safeEqual(request.clientSecret, credentials.clientSecret);
  if (!(idMatches && secretMatches)) {
    throw new ProblemError(401, 'INVALID_CREDENTIALS', 'The clientId or clientSecret is not valid');
  }
  const { SignJWT } = await loadJose();
  const issuedAt = Math.floor(Date.now() / 1000);
  const accessToken = await new SignJWT({ scope: 'pix' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setSubject(credentials.clientId)
    .setJti(randomUUID())
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + tokenTtlSeconds)
    .sign(ctx.state.signingKey);
  return { accessToken, tokenType: 'Bearer', expiresIn: tokenTtlSeconds, issuedAt: utcIso(issuedAt * 1000) };
}

const accessTokenOf = (res: Response): string => res.locals.accessToken as string;

/** Bearer JWT (signature, issuer, expiry) and ApplicationToken on every call but /auth/token. */
export function requireAuth(ctx: SandboxContext): RequestHandler {
  return async (req, res, next) => {
    const match = /^Bearer (\S+)$/.exec(req.get(HEADERS.authorization) ?? '');
    const token = match?.[1];
    if (!token)
      throw new ProblemError(401, 'INVALID_TOKEN', 'Missing Authorization: Bearer <accessToken> header');
    const { errors, jwtVerify } = await loadJose();
    try {
      await jwtVerify(token, ctx.state.signingKey, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        subject: ctx.credentials.clientId,
      });
    } catch (err) {
      if (err instanceof errors.JWTExpired) {
        throw new ProblemError(401, 'TOKEN_EXPIRED', 'The access token has expired; request a new one');
      }
      throw new ProblemError(401, 'INVALID_TOKEN', 'The access token is not valid');
    }
    if (!safeEqual(req.get(HEADERS.applicationToken) ?? '', ctx.credentials.applicationToken)) {
      throw new ProblemError(
        401,
        'INVALID_APPLICATION_TOKEN',
        'The ApplicationToken header is missing or not valid',
      );
    }
    res.locals.accessToken = token;
    next();
  };
}

/** DigitalSignature on cash-out, rebalance and refund; must follow requireAuth. */
export function requireSignature(ctx: SandboxContext): RequestHandler {
  return (req, res, next) => {
    const expected = digitalSignature(accessTokenOf(res), ctx.credentials.cryptoToken);
    if (!safeEqual(req.get(HEADERS.digitalSignature) ?? '', expected)) {
      throw new ProblemError(
        422,
        'INVALID_SIGNATURE',
        'The DigitalSignature header is missing or does not match',
      );
    }
    next();
  };
}
