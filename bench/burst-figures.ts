import { readdirSync, readFileSync } from 'node:fs';

/** Counts of named occurrences (error types, answers), printed as `name ×n, …`. */
export class Tally {
  private readonly counts = new Map<string, number>();

  add(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  count(matches: (key: string) => boolean): number {
    let total = 0;
    for (const [key, n] of this.counts) if (matches(key)) total += n;
    return total;
  }

  total(): number {
    return this.count(() => true);
  }

  describe(): string {
    return [...this.counts].map(([key, n]) => `${key} ×${n}`).join(', ');
  }
}

/** The q-quantile (0..1) of `values` by nearest rank; 0 when there are none. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
}

/** A process's peak resident memory (Linux VmHWM) in MB; -1 where /proc does not tell. */
export function peakRssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1]);
    return Number.isFinite(kb) ? Math.round(kb / 1024) : -1;
  } catch {
    return -1;
  }
}

/** CPU seconds (user + system) used so far by a process and every process below it; -1 without /proc. */
export function treeCpuSeconds(rootPid: number): number {
  let processes: Array<{ pid: number; ppid: number; ticks: number }>;
  try {
    processes = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .flatMap((name) => {
        try {
          // Fields after the command (which may hold spaces) start after its closing parenthesis.
          const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
          const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          const ticks = Number(fields[11]) + Number(fields[12]);
          return [{ pid: Number(name), ppid: Number(fields[1]), ticks }];
        } catch {
          return []; // exited meanwhile
        }
      });
  } catch {
    return -1;
  }
  const inTree = new Set([rootPid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of processes) {
      if (!inTree.has(p.pid) && inTree.has(p.ppid)) {
        inTree.add(p.pid);
        grew = true;
      }
    }
  }
  const ticks = processes.filter((p) => inTree.has(p.pid)).reduce((sum, p) => sum + p.ticks, 0);
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/** USER_HZ: 100 on every Linux this runs on. */
const CLOCK_TICKS_PER_SECOND = 100;
