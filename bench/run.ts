import { DefaultLogger, Runtime } from '@temporalio/worker';
import { benchBurst, burstSizeFrom } from './burst';
import { benchConnectPspClient } from './connectpsp-client';
import { benchLifecycles } from './lifecycle';
import { benchRelay } from './relay';
import type { BenchResult } from './result';
import { benchSandboxPersistence } from './sandbox-persistence';

/** Every benchmark, run in this order; add new ones here. `--burst N` sizes the burst (default 1,000). */
const BENCHES: Array<() => Promise<BenchResult>> = [
  benchConnectPspClient,
  benchRelay,
  () => benchBurst(burstSizeFrom(process.argv.slice(2))),
  benchSandboxPersistence,
  benchLifecycles,
];

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
  burstSizeFrom(process.argv.slice(2)); // a bad --burst fails before anything runs
  // Workers started by benches log only warnings, so the figures stay readable.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const results: BenchResult[] = [];
  for (const bench of BENCHES) results.push(await bench());
  printTable(results);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
