import { safeEqual } from '../domain/safe-equal';

// jose 6 is ESM-only; a dynamic import is how this CommonJS project loads it.
const loadJose = (): Promise<typeof import('jose', { with: { 'resolution-mode': 'import' }})> =>
  import('jose');

export interface CodecAuthOptions {
  /** A shared secret, for the Temporal CLI (`--codec-auth "Bearer …"`) and scripts. */
  token?: string;
  /** The Web UI's users: their OIDC access tokens, forwarded by the UI (`TEMPORAL_CODEC_PASS_ACCESS_TOKEN`). */
  jwt?: { jwksUrl: string; issuer: string; audience: string };
}

/** Who called, for the log line of each codec request: never the token itself. */
export type CodecCaller = { via: 'token' } | { via: 'jwt'; subject: string | undefined } | { via: 'local' };

/** Resolves the caller of an `Authorization` header, or null when it proves nothing. */
export type CodecAuthenticator = (authorization: string | undefined) => Promise<CodecCaller | null>;

/**
 * Bearer authentication of the payload codec: the configured token (compared in constant time),
 * or a JWT whose signature (from the JWKS), issuer, audience and expiry all check out. With
 * neither configured there is no authenticator, and the codec is not served at all.
 */
export function codecAuthenticator(options: CodecAuthOptions): CodecAuthenticator | undefined {
  const { token, jwt } = options;
  if (!token && !jwt) return undefined;
  let keySet:
    | ReturnType<typeof import('jose', { with: { 'resolution-mode': 'import' }}).createRemoteJWKSet>
    | undefined;
  return async (authorization) => {
    const bearer = /^Bearer (\S+)$/i.exec(authorization ?? '')?.[1];
    if (!bearer) return null;
    if (token && safeEqual(bearer, token)) return { via: 'token' };
    if (!jwt) return null;
    const { createRemoteJWKSet, jwtVerify } = await loadJose();
    keySet ??= createRemoteJWKSet(new URL(jwt.jwksUrl));
    try {
      const { payload } = await jwtVerify(bearer, keySet, { issuer: jwt.issuer, audience: jwt.audience });
      return { via: 'jwt', subject: payload.sub };
    } catch {
      return null;
    }
  };
}

/** The names by which only this machine reaches a listener (a Host header names one of them). */
const LOCAL_HOSTNAMES: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * CODEC_LOCAL_NO_AUTH: a request this machine sends, from no web page (the Temporal CLI, scripts)
 * or from an allowed one (the Web UI), needs no token. The Host check stops DNS rebinding (another
 * site's page reaching 127.0.0.1 under that site's name), the Origin check other sites' pages.
 */
export function isLocalRequest(
  host: string | undefined,
  origin: string | undefined,
  allowedOrigins: ReadonlySet<string>,
): boolean {
  if (origin !== undefined && !allowedOrigins.has(origin)) return false;
  try {
    return LOCAL_HOSTNAMES.has(new URL(`http://${host ?? ''}`).hostname);
  } catch {
    return false;
  }
}
