import {
  WALLET_REFUSAL_STATUS,
  type WalletProblem,
  type WalletRefusalCode,
} from '../domain/platform-wallet/wire';

/** A refusal of the contract: the books did not change, for this reason. Thrown by the store, answered by the server. */
export class Refusal extends Error {
  override name = 'Refusal';
  readonly status: number;
  constructor(
    readonly code: WalletRefusalCode,
    readonly detail: string,
    readonly extra: Omit<WalletProblem, 'code' | 'detail'> = {},
  ) {
    super(`${code}: ${detail}`);
    this.status = WALLET_REFUSAL_STATUS[code];
  }

  get problem(): WalletProblem {
    return { code: this.code, detail: this.detail, ...this.extra };
  }
}
