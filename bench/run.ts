import { DefaultLogger, Runtime } from '@temporalio/worker';
import { chosenBenches } from './bench-choice';
import { benchBurst, burstSizeFrom } from './burst';
import { benchConnectPspClient } from './connectpsp-client';
import { benchLifecycles } from './lifecycle';
import { benchRelay } from './relay';
import type { BenchResult } from './result';
import { benchSandboxPersistence } from './sandbox-persistence';

/**
 * Every benchmark by name, run in this order; add new ones here. `--burst N` sizes the burst
 * (default 1,000); `--only burst,lifecycle` runs just those.
 */
const BENCHES: Record<string, () => Promise<BenchResult>> = {
  'connectpsp-client': benchConnectPspClient,
  relay: benchRelay,
  burst: () => benchBurst(burstSizeFrom(process.argv.slice(2))),
  'sandbox-persistence': benchSandboxPersistence,
  lifecycle: benchLifecycles,
};

function printTable(results: BenchResult[]): void {
  const rows = results.flatMap((r) =>
    Object.entries(r.figures).map(([figure, value]) => [r.name, figure, String(value)]),
  );
  const header = ['bench', 'figure', 'value'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 2 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ');
  console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const row of rows) console.log(line(row));
}

async function main(): Promise<void> {
  // A bad --burst or --only fails before anything runs.
  burstSizeFrom(process.argv.slice(2));
  const chosen = chosenBenches(process.argv.slice(2), Object.keys(BENCHES));
  // Workers started by benches log only warnings, so the figures stay readable.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const results: BenchResult[] = [];
  for (const name of chosen) results.push(await (BENCHES[name] as () => Promise<BenchResult>)());
  printTable(results);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
