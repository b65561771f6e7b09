import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { type OpenHold, openHoldOf } from '../domain/holds';
import {
  type LedgerTransfer,
  platformMovementIdProblem,
  SYSTEM_ACCOUNTS,
  type UserBalance,
  userAccountId,
} from '../domain/ledger';
import { type Cents, formatBrl, MAX_AMOUNT_CENTS } from '../domain/money';
import { ID_CHARACTERS, MAX_USER_ID_LENGTH, type ValidationProblem } from '../domain/validation';
import { createLedger, type Ledger, recordBet, recordWin, type TransferOutcome } from '../ledger';
import { withoutPassword } from '../runtime/ledger-url';
import { ServiceUnreachableError, ValidationError } from './errors';

export interface PlatformMovementInput {
  userId: string;
  amountCents: Cents;
  /** Unique per bet/win, the idempotency key; default a new `bet:<uuid>` / `win:<uuid>`. */
  id?: string;
}

export interface LedgerClientOptions {
  databaseUrl: string;
  /** Default 4: the client reads a little and writes one movement at a time. */
  maxConnections?: number;
  connectTimeoutMs?: number;
}

export const MAX_MOVEMENTS = 1000;

/** What the client and the CLI read and record on the wallet, whichever backend keeps it. */
export type WalletBooks = Pick<
  LedgerClient,
  'balance' | 'exposure' | 'movements' | 'recordBet' | 'recordWin' | 'openHolds' | 'isOpenHold' | 'close'
>;

/**
 * Reads the ledger (balances, exposure, journal) and records the platform's own movements (bets
 * and wins) straight on its database; payments move money only through their workflows.
 */
export class LedgerClient {
  private readonly pool: Pool;
  private readonly ledger: Ledger;
  private readonly where: string;

  constructor(options: LedgerClientOptions) {
    this.pool = new Pool({
      connectionString: options.databaseUrl,
      max: options.maxConnections ?? 4,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    });
    this.pool.on('error', () => undefined);
    this.ledger = createLedger(this.pool);
    this.where = withoutPassword(options.databaseUrl);
  }

  /** Posted, held (pending cash-outs) and available balance of a wallet; zeros for a user never seen. */
  async balance(userId: string): Promise<UserBalance> {
    throwIfInvalid(userIdProblems(userId));
    return this.guard(() => this.ledger.getUserBalance(userId));
  }

  /** What the platform owes its users (sum of positive wallet balances, holds included). */
  async exposure(): Promise<Cents> {
    return this.guard(() => this.ledger.exposureCents());
  }

  /** Journal entries, newest first: of one user's wallet, or of the platform account (bets/wins) when no user. */
  async movements(options: { userId?: string; limit?: number } = {}): Promise<LedgerTransfer[]> {
    const limit = options.limit ?? 20;
    const problems = options.userId === undefined ? [] : userIdProblems(options.userId);
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_MOVEMENTS) {
      problems.push({ field: 'limit', rule: `must be an integer 1..${MAX_MOVEMENTS}` });
    }
    throwIfInvalid(problems);
    const accountId = options.userId === undefined ? SYSTEM_ACCOUNTS.platform : userAccountId(options.userId);
    return this.guard(() => this.ledger.listTransfers({ accountId, limit }));
  }

  /**
   * The holds neither posted nor voided yet, oldest first (at most MAX_MOVEMENTS); null where the
   * books are the platform wallet service's, which does not list them.
   */
  async openHolds(): Promise<OpenHold[] | null> {
    return this.guard(async () =>
      (await this.ledger.listOpenHolds({ limit: MAX_MOVEMENTS })).map(openHoldOf),
    );
  }

  /** Whether this hold is still neither posted nor voided. */
  async isOpenHold(transferId: string): Promise<boolean> {
    return this.guard(async () => (await this.ledger.findOpenHold(transferId)) !== null);
  }

  /** A stake leaves the wallet; InsufficientFundsError (from the ledger) when the available balance is short. */
  async recordBet(input: PlatformMovementInput): Promise<TransferOutcome> {
    const movement = validMovement(input, 'bet');
    return this.guard(() => recordBet(this.ledger, movement));
  }

  /** A prize paid into the wallet. */
  async recordWin(input: PlatformMovementInput): Promise<TransferOutcome> {
    const movement = validMovement(input, 'win');
    return this.guard(() => recordWin(this.ledger, movement));
  }

  close(): Promise<void> {
    return this.pool.end();
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (isConnectionFailure(err)) {
        throw new ServiceUnreachableError(
          'ledger database',
          this.where,
          (err as Error).message || 'no answer',
          {
            cause: err,
          },
        );
      }
      throw err;
    }
  }
}

export function userIdProblems(userId: unknown): ValidationProblem[] {
  const ok =
    typeof userId === 'string' &&
    userId.length >= 1 &&
    userId.length <= MAX_USER_ID_LENGTH &&
    ID_CHARACTERS.test(userId);
  return ok ? [] : [{ field: 'userId', rule: `must be 1-${MAX_USER_ID_LENGTH} letters, digits and . _ : -` }];
}

export function validMovement(
  input: PlatformMovementInput,
  kind: 'bet' | 'win',
): Required<PlatformMovementInput> {
  const problems = userIdProblems(input.userId);
  const cents = input.amountCents;
  if (!Number.isSafeInteger(cents) || cents <= 0 || cents > MAX_AMOUNT_CENTS) {
    problems.push({
      field: 'amountCents',
      rule: `must be an integer number of centavos, 1..${formatBrl(MAX_AMOUNT_CENTS)}`,
    });
  }
  const idProblem = input.id === undefined ? null : platformMovementIdProblem(input.id);
  if (idProblem) problems.push({ field: 'id', rule: idProblem });
  throwIfInvalid(problems);
  return { userId: input.userId, amountCents: cents, id: input.id ?? `${kind}:${randomUUID()}` };
}

export function throwIfInvalid(problems: ValidationProblem[]): void {
  if (problems.length > 0) throw new ValidationError(problems);
}

// Socket errors, and PostgreSQL's connection-exception (08), authorisation (28) and unknown-database classes.
const CONNECTION_ERROR_CODES =
  /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|ETIMEDOUT|EHOSTUNREACH|EAI_AGAIN|08...|28...|3D000)$/;

function isConnectionFailure(err: unknown): boolean {
  if (err instanceof AggregateError) return err.errors.some(isConnectionFailure);
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && CONNECTION_ERROR_CODES.test(code)) return true;
  const message = err instanceof Error ? err.message : '';
  return /timeout exceeded when trying to connect|Connection terminated/i.test(message);
}
