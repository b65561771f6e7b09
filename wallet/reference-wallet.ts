import type { LedgerTransfer } from '../domain/ledger';
import {
  ledgerTransferOf,
  movementsSchema,
  type PlatformMovementRequest,
  REFERENCE_PATHS,
} from '../domain/platform-wallet/reference';
import { HttpWallet } from './http-wallet';
import type { TransferOutcome } from './port';

/**
 * The HTTP wallet plus what only the reference wallet service (wallet-service/) offers beyond the
 * contract: the platform's own bets and wins, and a wallet's journal. A platform's real wallet
 * service answers these 404 (its own books record bets); the demo and the CLI use them locally.
 */
export class ReferenceWallet extends HttpWallet {
  /** A stake leaves the wallet; WalletRefusal INSUFFICIENT_FUNDS when the available balance is short. */
  recordBet(movement: PlatformMovementRequest): Promise<TransferOutcome> {
    return this.platformMovement(REFERENCE_PATHS.bets, 'BET', movement);
  }

  /** A prize the platform pays into the wallet (opens it for a new user). */
  recordWin(movement: PlatformMovementRequest): Promise<TransferOutcome> {
    return this.platformMovement(REFERENCE_PATHS.wins, 'WIN', movement);
  }

  /** A wallet's transfers, newest first, in the ledger's vocabulary. */
  async movements(userId: string, limit: number): Promise<LedgerTransfer[]> {
    const path = REFERENCE_PATHS.movements(userId, limit);
    const answer = await this.send('GET', path);
    if (answer.status !== 200) throw this.failure('GET', path, answer);
    return this.read('GET', path, answer, movementsSchema).movements.map(ledgerTransferOf);
  }

  private platformMovement(path: string, type: 'BET' | 'WIN', m: PlatformMovementRequest) {
    return this.applied(path, type, m, (t) => t.userId === m.userId && t.amountCents === m.amountCents);
  }
}
