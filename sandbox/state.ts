import { randomBytes } from 'node:crypto';
import type { BankAccounts, Behaviour, CashInRecord, CashOutRecord, IdempotencyRecord } from './records';
import { StateLog } from './state-log';
import { type InitialWallet, initialBanks } from './wallet';

/** The snapshot line's version (2: the first line of a log; 1 was the whole file). */
const STATE_VERSION = 2;

interface PersistedState {
  version: typeof STATE_VERSION | 1;
  signingKey: string;
  cashIns: CashInRecord[];
  cashOuts: CashOutRecord[];
  banks: BankAccounts[];
  behaviour: Behaviour;
  idempotency: IdempotencyRecord[];
  cashInCount: number;
}

/** Index of the ids a transaction can be looked up by (transactionId, internalCode, end-to-end ids). */
class Registry<R extends { transactionId: string; externalReference: string }> {
  readonly byId = new Map<string, R>();
  private readonly aliases = new Map<string, R>();
  private readonly byReference = new Map<string, R>();

  constructor(private readonly aliasesOf: (record: R) => (string | null)[]) {}

  /** Indexes a new record, or one that changed. */
  add(record: R): void {
    this.byId.set(record.transactionId, record);
    this.byReference.set(record.externalReference, record);
    this.reindex(record);
  }

  /** A mutation may have given the record a new alias (an end-to-end id); earlier ones stay. */
  private reindex(record: R): void {
    for (const alias of this.aliasesOf(record)) if (alias) this.aliases.set(alias, record);
  }

  find(id: string): R | undefined {
    return this.byId.get(id) ?? this.aliases.get(id);
  }

  findByReference(reference: string): R | undefined {
    return this.byReference.get(reference);
  }

  all(): R[] {
    return [...this.byId.values()];
  }

  clear(): void {
    this.byId.clear();
    this.aliases.clear();
    this.byReference.clear();
  }
}

/** What changed in one mutation: written as one line, so a crash never keeps half of it. */
export interface StateChange {
  /** A cash-in created or changed (indexed again: a change may have given it an end-to-end id). */
  cashIn?: CashInRecord;
  cashOut?: CashOutRecord;
  /** The partner banks' balances changed. */
  banks?: true;
  behaviour?: true;
  idempotency?: IdempotencyRecord;
}

/** One line of the log after the snapshot. */
interface LoggedChange {
  cashIn?: CashInRecord;
  cashOut?: CashOutRecord;
  banks?: BankAccounts[];
  behaviour?: Behaviour;
  idempotency?: IdempotencyRecord;
  cashInCount?: number;
}

/**
 * Everything the sandbox knows, in memory; with a `stateFile`, each mutation is appended to it
 * (state-log.ts), so persisting costs what changed, not what the sandbox has seen.
 */
export class SandboxState {
  readonly cashIns = new Registry<CashInRecord>((r) => [r.internalCode, r.endToEndId, r.originalEndToEndId]);
  readonly cashOuts = new Registry<CashOutRecord>((r) => [
    r.internalCode,
    r.endToEndId,
    r.originalEndToEndId,
  ]);
  readonly idempotency = new Map<string, IdempotencyRecord>();
  banks: BankAccounts[];
  behaviour: Behaviour;
  cashInCount = 0;
  /** HS256 key of the access tokens; kept across resets and restarts so issued tokens stay valid. */
  readonly signingKey: Uint8Array;
  private log: StateLog | undefined;

  private constructor(
    private readonly defaultBehaviour: Behaviour,
    private readonly initialWallet: InitialWallet,
    signingKey: Uint8Array,
  ) {
    this.signingKey = signingKey;
    this.behaviour = structuredClone(defaultBehaviour);
    this.banks = initialBanks(initialWallet);
  }

  /** The saved state of `file` if there is one; otherwise a fresh sandbox whose wallet holds `initialWallet`. */
  static open(
    file: string | undefined,
    defaultBehaviour: Behaviour,
    initialWallet: InitialWallet,
  ): SandboxState {
    const saved = file ? StateLog.read(file) : undefined;
    const snapshot = saved ? checkedSnapshot(file as string, saved.snapshot) : undefined;
    const state = new SandboxState(
      defaultBehaviour,
      initialWallet,
      snapshot ? Buffer.from(snapshot.signingKey, 'base64') : randomBytes(32),
    );
    if (snapshot) {
      for (const record of snapshot.cashIns) state.cashIns.add(record);
      for (const record of snapshot.cashOuts) state.cashOuts.add(record);
      for (const record of snapshot.idempotency) state.idempotency.set(record.key, record);
      state.banks = snapshot.banks;
      state.behaviour = snapshot.behaviour;
      state.cashInCount = snapshot.cashInCount;
    }
    for (const change of (saved?.changes ?? []) as LoggedChange[]) state.apply(change);
    if (file) {
      state.log = StateLog.start(
        file,
        () => state.snapshot(),
        () => state.cashIns.byId.size + state.cashOuts.byId.size + state.idempotency.size,
      );
    }
    return state;
  }

  /** Records a mutation already made in memory: indexes the records it names and appends it to the log. */
  persist(change: StateChange): void {
    const logged: LoggedChange = {};
    if (change.cashIn) {
      this.cashIns.add(change.cashIn);
      logged.cashIn = change.cashIn;
      logged.cashInCount = this.cashInCount;
    }
    if (change.cashOut) {
      this.cashOuts.add(change.cashOut);
      logged.cashOut = change.cashOut;
    }
    if (change.banks) logged.banks = this.banks;
    if (change.behaviour) logged.behaviour = this.behaviour;
    if (change.idempotency) logged.idempotency = change.idempotency;
    this.log?.append(logged);
  }

  /** Back to a fresh sandbox (the signing key excepted). */
  reset(): void {
    this.cashIns.clear();
    this.cashOuts.clear();
    this.idempotency.clear();
    this.banks = initialBanks(this.initialWallet);
    this.behaviour = structuredClone(this.defaultBehaviour);
    this.cashInCount = 0;
    this.log?.compact();
  }

  /** Rewrites the state file as one snapshot (the log does it by itself as changes pile up). */
  compact(): void {
    this.log?.compact();
  }

  close(): void {
    this.log?.close();
    this.log = undefined;
  }

  private apply(change: LoggedChange): void {
    if (change.cashIn) this.cashIns.add(change.cashIn);
    if (change.cashOut) this.cashOuts.add(change.cashOut);
    if (change.banks) this.banks = change.banks;
    if (change.behaviour) this.behaviour = change.behaviour;
    if (change.idempotency) this.idempotency.set(change.idempotency.key, change.idempotency);
    if (change.cashInCount !== undefined) this.cashInCount = change.cashInCount;
  }

  private snapshot(): PersistedState {
    return {
      version: STATE_VERSION,
      signingKey: Buffer.from(this.signingKey).toString('base64'),
      cashIns: this.cashIns.all(),
      cashOuts: this.cashOuts.all(),
      banks: this.banks,
      behaviour: this.behaviour,
      idempotency: [...this.idempotency.values()],
      cashInCount: this.cashInCount,
    };
  }
}

/** Version 1 is the whole-file snapshot the state file was before the log; it reads the same. */
function checkedSnapshot(file: string, saved: unknown): PersistedState {
  const version = (saved as { version?: unknown } | null)?.version;
  if (version !== STATE_VERSION && version !== 1) {
    throw new Error(`sandbox state file ${file} has version ${String(version)}, expected ${STATE_VERSION}`);
  }
  return saved as PersistedState;
}
