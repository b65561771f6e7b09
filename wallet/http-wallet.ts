import { Pool, errors as undiciErrors } from 'undici';
import type { z } from 'zod';
import type { UserBalance } from '../domain/ledger';
import type { Cents } from '../domain/money';
import {
  ledgerTransferOf,
  type ReferenceTransfer,
  type ReferenceTransferType,
  referenceTransferSchema,
} from '../domain/platform-wallet/reference';
import { signatureHeaders } from '../domain/platform-wallet/signature';
import {
  type FinaliseRequest,
  type MovementRequest,
  WALLET_PATHS,
  WALLET_REFUSAL_CODES,
  WALLET_REFUSAL_STATUS,
  type WalletRefusalCode,
  type WalletTransferType,
  walletBalanceSchema,
  walletExposureSchema,
  walletProblemSchema,
} from '../domain/platform-wallet/wire';
import { WalletRefusal, WalletUnavailableError } from './errors';
import type { HoldFinalisation, TransferOutcome, WalletMovement, WalletPort } from './port';

export interface HttpWalletOptions {
  /** Origin plus optional path prefix of the platform's wallet service. */
  baseUrl: string;
  /** The shared secret that signs every request. */
  secret: string;
  timeouts: {
    /** TCP/TLS connection establishment. */
    connectMs: number;
    /** Time to the response headers, and between two body chunks. */
    responseMs: number;
  };
  maxConnections?: number;
  /** The clock of the signatures' timestamps; default Date.now. */
  now?: () => number;
}

interface Answer {
  status: number;
  text: string;
  retryAfter: string | undefined;
}

/**
 * The wallet port over the platform's wallet service (docs/platform-wallet.openapi.yaml). Every
 * request is signed; only an answer the contract defines as a refusal, with its status and a
 * readable body, becomes a WalletRefusal. Everything else, including a 2xx that cannot be read, is
 * a WalletUnavailableError: the request may have been applied, and sending it again tells.
 */
export class HttpWallet implements WalletPort {
  private readonly pool: Pool;
  private readonly pathPrefix: string;
  private readonly now: () => number;

  constructor(private readonly options: HttpWalletOptions) {
    const url = new URL(options.baseUrl);
    this.pathPrefix = url.pathname.replace(/\/+$/, '');
    this.now = options.now ?? Date.now;
    this.pool = new Pool(url.origin, {
      connections: options.maxConnections ?? 16,
      connect: { timeout: options.timeouts.connectMs },
      headersTimeout: options.timeouts.responseMs,
      bodyTimeout: options.timeouts.responseMs,
    });
  }

  credit = (m: WalletMovement) => this.movement(WALLET_PATHS.credits, 'CREDIT', m);
  debitReversal = (m: WalletMovement) => this.movement(WALLET_PATHS.reversals, 'REVERSAL', m);
  hold = (m: WalletMovement) => this.movement(WALLET_PATHS.holds, 'HOLD', m);
  post = (f: HoldFinalisation) => this.finalise(WALLET_PATHS.postHold(f.holdId), 'POST', f);
  void = (f: HoldFinalisation) => this.finalise(WALLET_PATHS.voidHold(f.holdId), 'VOID', f);

  async balance(userId: string): Promise<UserBalance> {
    const path = WALLET_PATHS.balance(userId);
    const answer = await this.send('GET', path);
    if (answer.status !== 200) throw this.failure('GET', path, answer);
    const balance = this.read('GET', path, answer, walletBalanceSchema);
    if (balance.userId !== userId) throw this.contractViolation('GET', path, 'the balance of another user');
    return {
      userId,
      postedCents: balance.postedCents,
      pendingDebitCents: balance.heldCents,
      availableCents: balance.availableCents,
    };
  }

  async exposureCents(): Promise<Cents> {
    const path = WALLET_PATHS.exposure;
    const answer = await this.send('GET', path);
    if (answer.status !== 200) throw this.failure('GET', path, answer);
    return this.read('GET', path, answer, walletExposureSchema).exposureCents;
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private movement(path: string, type: WalletTransferType, m: WalletMovement): Promise<TransferOutcome> {
    const body: MovementRequest = {
      transferId: m.transferId,
      userId: m.userId,
      amountCents: m.amountCents,
      reference: m.reference,
      code: m.code,
    };
    return this.applied(path, type, body, (t) => t.userId === m.userId && t.amountCents === m.amountCents);
  }

  private finalise(path: string, type: WalletTransferType, f: HoldFinalisation): Promise<TransferOutcome> {
    const body: FinaliseRequest = {
      transferId: f.transferId,
      code: f.code,
      ...(f.note ? { note: f.note } : {}),
    };
    return this.applied(path, type, body, (t) => t.holdId === f.holdId);
  }

  /** POSTs a movement and reads the transfer it answers, which must be the one asked for. */
  protected async applied(
    path: string,
    type: ReferenceTransferType,
    body: { transferId: string },
    matches: (transfer: ReferenceTransfer) => boolean,
  ): Promise<TransferOutcome> {
    const answer = await this.send('POST', path, JSON.stringify(body));
    if (answer.status !== 200 && answer.status !== 201) throw this.failure('POST', path, answer);
    const transfer = this.read('POST', path, answer, referenceTransferSchema);
    if (transfer.transferId !== body.transferId || transfer.type !== type || !matches(transfer)) {
      throw this.contractViolation('POST', path, `a transfer other than ${type} ${body.transferId}`);
    }
    const { finalised } = transfer;
    return {
      transfer: ledgerTransferOf(transfer),
      created: !transfer.replayed,
      ...(type === 'HOLD' && finalised
        ? {
            finalised: {
              state: finalised.state,
              transferId: finalised.transferId,
              note: finalised.note ?? {},
            },
          }
        : {}),
    };
  }

  protected async send(method: 'GET' | 'POST', path: string, body = ''): Promise<Answer> {
    const fullPath = this.pathPrefix + path;
    const headers = {
      accept: 'application/json',
      ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
      ...signatureHeaders({ method, path: fullPath, body }, this.options.secret, this.now()),
    };
    try {
      const response = await this.pool.request({
        method,
        path: fullPath,
        headers,
        ...(method === 'POST' ? { body } : {}),
      });
      const text = await response.body.text();
      const retryAfter = response.headers['retry-after'];
      return {
        status: response.statusCode,
        text,
        retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
      };
    } catch (err) {
      const code = err instanceof undiciErrors.UndiciError ? err.code : (err as { code?: unknown })?.code;
      const timedOut = typeof code === 'string' && /TIMEOUT/.test(code);
      throw new WalletUnavailableError(
        `wallet ${method} ${path}: ${timedOut ? 'timed out' : 'network error'} (${(err as Error).message})`,
        undefined,
        undefined,
        { cause: err },
      );
    }
  }

  protected read<S extends z.ZodType>(method: string, path: string, answer: Answer, schema: S): z.infer<S> {
    const parsed = schema.safeParse(parseJson(answer.text));
    if (!parsed.success) {
      const fields = parsed.error.issues.map((i) => i.path.join('.') || '(body)').join(', ');
      throw this.contractViolation(method, path, `an unreadable ${answer.status} answer (${fields})`);
    }
    return parsed.data;
  }

  /** A refusal only when the status and a readable body both say so; anything else may be retried. */
  protected failure(method: string, path: string, answer: Answer): Error {
    const problem = walletProblemSchema.safeParse(parseJson(answer.text));
    const code = problem.success ? problem.data.code : undefined;
    if (problem.success && isRefusalCode(code) && WALLET_REFUSAL_STATUS[code] === answer.status) {
      const { detail, availableCents, requestedCents, differingFields, state, finalisedBy } = problem.data;
      return new WalletRefusal(code, `wallet ${method} ${path}: ${code}: ${detail}`, {
        ...(availableCents === undefined ? {} : { availableCents }),
        ...(requestedCents === undefined ? {} : { requestedCents }),
        ...(differingFields === undefined ? {} : { differingFields }),
        ...(state === undefined ? {} : { state }),
        ...(finalisedBy === undefined ? {} : { finalisedBy }),
      });
    }
    const what = code ? `${answer.status} ${code}` : `${answer.status} with no readable problem`;
    return new WalletUnavailableError(
      `wallet ${method} ${path}: ${what}`,
      answer.status,
      retryAfterMs(answer),
    );
  }

  protected contractViolation(method: string, path: string, what: string): WalletUnavailableError {
    return new WalletUnavailableError(`wallet ${method} ${path}: the service answered ${what}`);
  }
}

function isRefusalCode(code: string | undefined): code is WalletRefusalCode {
  return (WALLET_REFUSAL_CODES as readonly (string | undefined)[]).includes(code);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function retryAfterMs(answer: Answer): number | undefined {
  return answer.retryAfter !== undefined && /^\d+$/.test(answer.retryAfter.trim())
    ? Number(answer.retryAfter.trim()) * 1000
    : undefined;
}
