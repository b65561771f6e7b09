import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BankAccounts, Behaviour, CashInRecord, CashOutRecord, IdempotencyRecord } from './records';
import { type InitialWallet, initialBanks } from './wallet';

const STATE_VERSION = 1;

interface PersistedState {
  version: typeof STATE_VERSION;
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

  add(record: R): void {
    this.byId.set(record.transactionId, record);
    this.byReference.set(record.externalReference, record);
    this.reindex(record);
  }

  /** Call after a mutation that gave the record a new alias (an end-to-end id). */
  reindex(record: R): void {
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

/** Everything the sandbox knows, in memory; persisted to `stateFile` (temp + rename) after each mutation. */
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

  private constructor(
    private readonly file: string | undefined,
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
    const saved = file ? readSaved(file) : undefined;
    const state = new SandboxState(
      file,
      defaultBehaviour,
      initialWallet,
      saved ? Buffer.from(saved.signingKey, 'base64') : randomBytes(32),
    );
    if (saved) {
      for (const record of saved.cashIns) state.cashIns.add(record);
      for (const record of saved.cashOuts) state.cashOuts.add(record);
      for (const record of saved.idempotency) state.idempotency.set(record.key, record);
      state.banks = saved.banks;
      state.behaviour = saved.behaviour;
      state.cashInCount = saved.cashInCount;
    }
    state.save();
    return state;
  }

  /** Back to a fresh sandbox (the signing key excepted). */
  reset(): void {
    this.cashIns.clear();
    this.cashOuts.clear();
    this.idempotency.clear();
    this.banks = initialBanks(this.initialWallet);
    this.behaviour = structuredClone(this.defaultBehaviour);
    this.cashInCount = 0;
    this.save();
  }

  save(): void {
    if (!this.file) return;
    const snapshot: PersistedState = {
      version: STATE_VERSION,
      signingKey: Buffer.from(this.signingKey).toString('base64'),
      cashIns: this.cashIns.all(),
      cashOuts: this.cashOuts.all(),
      banks: this.banks,
      behaviour: this.behaviour,
      idempotency: [...this.idempotency.values()],
      cashInCount: this.cashInCount,
    };
    mkdirSync(path.dirname(this.file), { recursive: true });
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(snapshot));
    renameSync(temp, this.file);
  }
}

function readSaved(file: string): PersistedState | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const saved = JSON.parse(text) as PersistedState;
  if (saved.version !== STATE_VERSION) {
    throw new Error(
      `sandbox state file ${file} has version ${String(saved.version)}, expected ${STATE_VERSION}`,
    );
  }
  return saved;
}
