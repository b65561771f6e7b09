import { connectLedger, type Ledger } from '../ledger';
import { HttpWallet } from '../wallet/http-wallet';
import { ledgerWallet } from '../wallet/ledger-wallet';
import type { WalletPort } from '../wallet/port';
import { type Config, platformWalletEndpoint, usesWalletService } from './config';
import { withoutPassword } from './ledger-url';

export interface OpenWallet {
  wallet: WalletPort;
  /** What the worker logs: the backend and where it is (no secrets). */
  description: { backend: Config['WALLET_BACKEND']; where: string };
  /** The built-in ledger's own books (integrity check, open holds); absent with the platform's wallet service. */
  ledger?: Ledger;
  close(): Promise<void>;
}

/** The HTTP wallet of the configuration (WALLET_BACKEND=http): PLATFORM_WALLET_URL or the local reference service. */
export function httpWalletFromConfig(config: Config): HttpWallet {
  const endpoint = platformWalletEndpoint(config);
  return new HttpWallet({
    baseUrl: endpoint.url,
    secret: endpoint.secret,
    timeouts: {
      connectMs: config.PLATFORM_WALLET_CONNECT_TIMEOUT_MS,
      responseMs: config.PLATFORM_WALLET_TIMEOUT_MS,
    },
    maxConnections: config.PLATFORM_WALLET_MAX_CONNECTIONS,
  });
}

/**
 * The wallet the configuration selects: the platform's wallet service over signed HTTP, or the
 * built-in ledger on LEDGER_DATABASE_URL (connected and migrated here).
 */
export async function openWalletFromConfig(
  config: Config,
  options: { onIdleConnectionError?: (err: Error) => void } = {},
): Promise<OpenWallet> {
  if (usesWalletService(config)) {
    const wallet = httpWalletFromConfig(config);
    return {
      wallet,
      description: { backend: 'http', where: platformWalletEndpoint(config).url },
      close: () => wallet.close(),
    };
  }
  if (!config.LEDGER_DATABASE_URL) {
    throw new Error(
      'LEDGER_DATABASE_URL is not set: the built-in ledger needs its database (npm start provides one)',
    );
  }
  const ledger = await connectLedger({
    databaseUrl: config.LEDGER_DATABASE_URL,
    ...(options.onIdleConnectionError ? { onIdleConnectionError: options.onIdleConnectionError } : {}),
  });
  return {
    wallet: ledgerWallet(ledger.ledger),
    ledger: ledger.ledger,
    description: { backend: 'ledger', where: withoutPassword(config.LEDGER_DATABASE_URL) },
    close: () => ledger.close(),
  };
}
