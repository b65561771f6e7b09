import { type LedgerTransfer, type UserBalance, userAccountId } from '../domain/ledger';
import type { Cents } from '../domain/money';
import { InsufficientFundsError } from '../ledger/errors';
import { ConfigError } from '../runtime/config';
import { WalletRefusal, WalletUnavailableError } from '../wallet/errors';
import type { TransferOutcome } from '../wallet/port';
import { ReferenceWallet } from '../wallet/reference-wallet';
import { ServiceUnreachableError } from './errors';
import {
  LedgerClient,
  MAX_MOVEMENTS,
  type PlatformMovementInput,
  throwIfInvalid,
  userIdProblems,
  validMovement,
  type WalletBooks,
} from './ledger-client';

export interface WalletServiceEndpoint {
  url: string;
  secret: string;
}

/**
 * The wallet books when the platform keeps them (WALLET_BACKEND=http): balances and the exposure
 * through the signed contract; bets, wins and the journal through what only the reference wallet
 * service offers. A platform's real service keeps those in its own books, and says so (404).
 */
export class WalletServiceClient implements WalletBooks {
  private readonly wallet: ReferenceWallet;

  constructor(private readonly endpoint: WalletServiceEndpoint) {
    this.wallet = new ReferenceWallet({
      baseUrl: endpoint.url,
      secret: endpoint.secret,
      timeouts: { connectMs: 5_000, responseMs: 10_000 },
      maxConnections: 4,
    });
  }

  /** Zeros for a user the wallet service does not know, as the built-in ledger answers. */
  async balance(userId: string): Promise<UserBalance> {
    throwIfInvalid(userIdProblems(userId));
    return this.guard(async () => {
      try {
        return await this.wallet.balance(userId);
      } catch (err) {
        if (err instanceof WalletRefusal && err.code === 'UNKNOWN_USER') {
          return { userId, postedCents: 0, pendingDebitCents: 0, availableCents: 0 };
        }
        throw err;
      }
    });
  }

  /** The platform's wallet service keeps its holds in its own books; this contract does not list them. */
  async openHolds(): Promise<null> {
    return null;
  }

  async isOpenHold(): Promise<boolean> {
    return false;
  }

  async exposure(): Promise<Cents> {
    return this.guard(() => this.wallet.exposureCents());
  }

  async movements(options: { userId?: string; limit?: number } = {}): Promise<LedgerTransfer[]> {
    const limit = options.limit ?? 20;
    const { userId } = options;
    const problems = userId === undefined ? [] : userIdProblems(userId);
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_MOVEMENTS) {
      problems.push({ field: 'limit', rule: `must be an integer 1..${MAX_MOVEMENTS}` });
    }
    if (userId === undefined) {
      problems.push({ field: 'userId', rule: "is required: the platform's own journal is in its books" });
    }
    throwIfInvalid(problems);
    return this.guard(async () => {
      try {
        return await this.wallet.movements(userId as string, limit);
      } catch (err) {
        if (err instanceof WalletRefusal && err.code === 'UNKNOWN_USER') return [];
        throw err;
      }
    });
  }

  /** InsufficientFundsError when the available balance is short, as with the built-in ledger. */
  async recordBet(input: PlatformMovementInput): Promise<TransferOutcome> {
    const { id, userId, amountCents } = validMovement(input, 'bet');
    return this.guard(async () => {
      try {
        return await this.wallet.recordBet({ transferId: id, userId, amountCents });
      } catch (err) {
        if (err instanceof WalletRefusal && err.code === 'INSUFFICIENT_FUNDS') {
          throw new InsufficientFundsError(
            userAccountId(userId),
            err.details.availableCents ?? 0,
            err.details.requestedCents ?? amountCents,
          );
        }
        throw err;
      }
    });
  }

  async recordWin(input: PlatformMovementInput): Promise<TransferOutcome> {
    const { id, userId, amountCents } = validMovement(input, 'win');
    return this.guard(() => this.wallet.recordWin({ transferId: id, userId, amountCents }));
  }

  close(): Promise<void> {
    return this.wallet.close();
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof WalletUnavailableError && err.status === 404) {
        throw new Error(
          `the wallet service at ${this.endpoint.url} does not offer this (${err.message}): bets, wins and ` +
            "the journal live in the platform's own books; only the reference wallet service offers them",
          { cause: err },
        );
      }
      if (err instanceof WalletUnavailableError && err.status === undefined) {
        throw new ServiceUnreachableError('wallet service', this.endpoint.url, err.message, { cause: err });
      }
      throw err;
    }
  }
}

/** The books of the configured wallet: the platform's wallet service, or the built-in ledger. */
export function openWalletBooks(endpoints: {
  walletService?: WalletServiceEndpoint;
  ledgerDatabaseUrl?: string;
}): WalletBooks {
  if (endpoints.walletService) return new WalletServiceClient(endpoints.walletService);
  if (!endpoints.ledgerDatabaseUrl) {
    throw new ConfigError([
      'LEDGER_DATABASE_URL: is needed to reach the ledger (the running stack does not say where it is)',
    ]);
  }
  return new LedgerClient({ databaseUrl: endpoints.ledgerDatabaseUrl });
}
