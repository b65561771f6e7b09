import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CashInRecord } from '../sandbox/records';
import { DEFAULT_BEHAVIOUR } from '../sandbox/server';
import { SandboxState } from '../sandbox/state';
import { DOCUMENTED_INITIAL_WALLET } from '../sandbox/wallet';
import type { BenchResult } from './result';

const SIZES = [100, 10_000];

function cashInRecord(index: number): CashInRecord {
  const now = Date.now();
  return {
    transactionId: `CI${String(index).padStart(18, '0')}`,
    internalCode: `IC${String(index).padStart(10, '0')}`,
    externalReference: `bench-persistence-${index}`,
    status: 'AWAITING_PAYMENT',
    chargedCents: 25_00,
    paidCents: null,
    payer: { name: 'Bench Payer', document: '11144477735' },
    payerBankData: null,
    webhookUrl: 'http://127.0.0.1:8390/webhooks/connectpsp',
    copyAndPaste: `00020126580014br.gov.bcb.pix0136${'x'.repeat(100)}${index}`,
    openFinanceRedirectUrl: null,
    creditIspb: '13935893',
    endToEndId: null,
    originalEndToEndId: null,
    requestedAt: now,
    expiresAt: now + 30 * 60_000,
    paidAt: null,
    refundedAt: null,
    expiredAt: null,
  };
}

/** Mean microseconds of `run` over `count` calls. */
function microsPerCall(count: number, run: (index: number) => void): number {
  const t0 = performance.now();
  for (let i = 0; i < count; i++) run(i);
  return ((performance.now() - t0) * 1000) / count;
}

/**
 * What persisting one sandbox request costs with `records` cash-ins on file: the mean over enough
 * changes that the log compacts at least twice (so the figure includes compaction, amortised), and
 * what every request cost before the log: the whole state serialised and written (temp + rename).
 */
function measure(dir: string, records: number): { perChangeUs: number; fullRewriteUs: number } {
  const file = path.join(dir, `state-${records}.json`);
  const state = SandboxState.open(file, DEFAULT_BEHAVIOUR, DOCUMENTED_INITIAL_WALLET);
  try {
    const all = Array.from({ length: records }, (_, i) => cashInRecord(i));
    for (const record of all) state.cashIns.add(record);
    state.compact();
    const changes = 3 * Math.max(1_000, records);
    const perChangeUs = microsPerCall(changes, (i) => {
      const record = all[i % records] as CashInRecord;
      record.status = record.status === 'PAID' ? 'AWAITING_PAYMENT' : 'PAID';
      state.persist({ cashIn: record, banks: true });
    });
    const fullRewriteUs = microsPerCall(5, () => {
      const temp = `${file}.before.tmp`;
      writeFileSync(temp, JSON.stringify({ cashIns: state.cashIns.all(), banks: state.banks }));
      renameSync(temp, `${file}.before`);
    });
    return { perChangeUs, fullRewriteUs };
  } finally {
    state.close();
  }
}

const round = (us: number) => Math.round(us * 10) / 10;

/** Sandbox persistence: per-request cost at 100 and at 10,000 records (it should not grow). */
export async function benchSandboxPersistence(): Promise<BenchResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-sandbox-state-'));
  try {
    const figures: Record<string, number> = {};
    console.log('sandbox-persistence (per change, compaction amortised; full rewrite = before the log)');
    const perChange: number[] = [];
    for (const records of SIZES) {
      const { perChangeUs, fullRewriteUs } = measure(dir, records);
      perChange.push(perChangeUs);
      console.log(
        `  ${records} records: ${round(perChangeUs)} µs per change, full rewrite ${round(fullRewriteUs)} µs`,
      );
      figures[`per change µs @${records}`] = round(perChangeUs);
      figures[`full rewrite µs @${records}`] = round(fullRewriteUs);
    }
    figures[`per change ${SIZES[1]}/${SIZES[0]}`] =
      Math.round(((perChange[1] as number) / (perChange[0] as number)) * 100) / 100;
    return { name: 'sandbox-persistence', figures };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
