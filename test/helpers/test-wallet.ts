/**
 * The wallet a lifecycle test runs against, either implementation behind one interface, so every
 * lifecycle test runs on both (`describe.each(WALLET_BACKENDS)`): the built-in ledger on a fresh
 * database, or the reference wallet service (its own fresh database) reached by the HTTP wallet.
 */
import { expect } from 'vitest';
import { SYSTEM_ACCOUNTS, type UserBalance } from '../../domain/ledger';
import { recordBet, recordWin } from '../../ledger';
import { WalletRefusal } from '../../wallet/errors';
import { ledgerWallet } from '../../wallet/ledger-wallet';
import type { WalletPort } from '../../wallet/port';
import { ReferenceWallet } from '../../wallet/reference-wallet';
import type { FiredFault, WalletFault } from '../../wallet-service/faults';
import { startWalletService } from '../../wallet-service/server';
import { type FreshLedgerDatabase, freshLedgerDatabase } from './ledger-db';

export const WALLET_BACKENDS = ['ledger', 'http'] as const;
export type WalletBackend = (typeof WALLET_BACKENDS)[number];

export const TEST_WALLET_SECRET = 'test-wallet-secret-0123456789';
/** Short, so a fault that withholds the answer costs a test seconds, not the default 10. */
export const TEST_WALLET_TIMEOUT_MS = 1_500;

export interface TestWallet {
  backend: WalletBackend;
  /** What the activities get. */
  port: WalletPort;
  /** The database behind it: the ledger's, or the reference service's. */
  db: FreshLedgerDatabase;
  /** Zeros for a user the wallet never saw (the reference service answers UNKNOWN_USER). */
  balance(userId: string): Promise<UserBalance>;
  /** Every transfer id on a user's wallet, sorted. */
  transferIds(userId: string): Promise<string[]>;
  /** The platform's own movements: a win credits, a bet debits. */
  win(userId: string, amountCents: number, id: string): Promise<void>;
  bet(userId: string, amountCents: number, id: string): Promise<void>;
  /** What only the built-in ledger can check: its books balance, and the settlement account. */
  expectBooksMatch(psp: { paidIn: number; paidOut: number; inFlight: number }): Promise<void>;
  /** Variables a worker process needs to reach this wallet. */
  workerEnv(): Record<string, string>;
  /** The wallet's line in a stack.json, as `npm start` writes it, and what the client needs besides. */
  stackEntry(): { name: string; where: string; url: string };
  clientEnv(): Record<string, string>;
  /** The reference service's fault control (http only). */
  faults(): {
    add(fault: Partial<WalletFault>): Promise<void>;
    clear(): Promise<void>;
    /** Every fault that fired so far, with the request it fired on. */
    fired(): Promise<FiredFault[]>;
  };
  close(): Promise<void>;
}

const zeros = (userId: string): UserBalance => ({
  userId,
  postedCents: 0,
  pendingDebitCents: 0,
  availableCents: 0,
});

export async function startTestWallet(backend: WalletBackend): Promise<TestWallet> {
  return backend === 'ledger' ? startLedgerWallet() : startReferenceWallet();
}

async function startLedgerWallet(): Promise<TestWallet> {
  const db = await freshLedgerDatabase();
  const { ledger } = db;
  return {
    backend: 'ledger',
    port: ledgerWallet(ledger),
    db,
    balance: (userId) => ledger.getUserBalance(userId),
    async transferIds(userId) {
      const transfers = await ledger.listTransfers({ accountId: `user:${userId}`, limit: 1000 });
      return transfers.map((t) => t.id).sort();
    },
    win: async (userId, amountCents, id) => void (await recordWin(ledger, { id, userId, amountCents })),
    bet: async (userId, amountCents, id) => void (await recordBet(ledger, { id, userId, amountCents })),
    async expectBooksMatch({ paidIn, paidOut, inFlight }) {
      expect(await ledger.checkBalanced()).toBe(0);
      // The PSP settlement account mirrors the money the PSP holds for our users.
      const settlement = await ledger.getBalances(SYSTEM_ACCOUNTS.pspSettlement);
      expect(settlement.debitsPostedCents - settlement.creditsPostedCents).toBe(paidIn - paidOut);
      expect(settlement.creditsPendingCents).toBe(inFlight);
    },
    workerEnv: () => ({ LEDGER_DATABASE_URL: db.url }),
    stackEntry: () => ({ name: 'ledger-db', where: 'test database', url: db.url }),
    clientEnv: () => ({}),
    faults() {
      throw new Error('wallet faults need the reference wallet service (the http backend)');
    },
    close: () => db.drop(),
  };
}

async function startReferenceWallet(): Promise<TestWallet> {
  const db = await freshLedgerDatabase({ migrated: false });
  const service = await startWalletService({ port: 0, databaseUrl: db.url, secret: TEST_WALLET_SECRET });
  const wallet = new ReferenceWallet({
    baseUrl: service.url,
    secret: TEST_WALLET_SECRET,
    timeouts: { connectMs: 1_000, responseMs: TEST_WALLET_TIMEOUT_MS },
  });
  const control = async (method: 'GET' | 'POST' | 'DELETE', body?: unknown) => {
    const response = await fetch(`${service.url}/_control/faults`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`${method} /_control/faults answered ${response.status}`);
    return method === 'GET' ? ((await response.json()) as { fired: FiredFault[] }) : undefined;
  };
  return {
    backend: 'http',
    port: wallet,
    db,
    async balance(userId) {
      try {
        return await wallet.balance(userId);
      } catch (err) {
        if (err instanceof WalletRefusal && err.code === 'UNKNOWN_USER') return zeros(userId);
        throw err;
      }
    },
    async transferIds(userId) {
      try {
        return (await wallet.movements(userId, 1000)).map((t) => t.id).sort();
      } catch (err) {
        if (err instanceof WalletRefusal && err.code === 'UNKNOWN_USER') return [];
        throw err;
      }
    },
    win: async (userId, amountCents, id) =>
      void (await wallet.recordWin({ transferId: id, userId, amountCents })),
    bet: async (userId, amountCents, id) =>
      void (await wallet.recordBet({ transferId: id, userId, amountCents })),
    async expectBooksMatch() {
      // The platform's books are its own: what can be checked goes through the port (lifecycle-env).
    },
    workerEnv: () => ({
      WALLET_BACKEND: 'http',
      PLATFORM_WALLET_URL: service.url,
      PLATFORM_WALLET_SECRET: TEST_WALLET_SECRET,
    }),
    stackEntry: () => ({ name: 'wallet-service', where: service.url, url: service.url }),
    clientEnv: () => ({ PLATFORM_WALLET_SECRET: TEST_WALLET_SECRET }),
    faults: () => ({
      add: async (fault) => void (await control('POST', fault)),
      clear: async () => void (await control('DELETE')),
      fired: async () => (await control('GET'))?.fired ?? [],
    }),
    async close() {
      await wallet.close();
      await service.close();
      await db.drop();
    },
  };
}
