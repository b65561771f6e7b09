/**
 * Ledger database URLs: the one of the local embedded PostgreSQL (the launcher starts it, the
 * client finds it), and the printable form of any URL.
 */

/** The embedded server's superuser; local only, never a production credential. */
export const EMBEDDED_POSTGRES_USER = 'postgres';
/** Not a secret: the embedded server listens on loopback only and holds local test data. */
export const EMBEDDED_POSTGRES_PASSWORD = 'ledger-local';
export const LEDGER_DATABASE = 'ledger';
/** The reference wallet service's own database on the same local server (WALLET_BACKEND=http). */
export const WALLET_DATABASE = 'wallet';

/** The URL of a database (default: the ledger's) on the embedded server listening on `port`. */
export function embeddedPostgresUrl(port: number, database = LEDGER_DATABASE): string {
  return `postgres://${EMBEDDED_POSTGRES_USER}:${EMBEDDED_POSTGRES_PASSWORD}@127.0.0.1:${port}/${database}`;
}

/** Hides the password of a connection URL before it is printed. */
export function withoutPassword(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
