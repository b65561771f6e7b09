import type { Logger } from 'pino';

/** Every timer the sandbox starts, so reset() and close() can stop them all. */
export class TimerSet {
  private readonly pending = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly logger: Logger) {}

  after(ms: number, task: () => void | Promise<void>): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      Promise.resolve()
        .then(task)
        .catch((err: unknown) => this.logger.error({ err }, 'sandbox timer task failed'));
    }, ms);
    this.pending.add(timer);
  }

  clearAll(): void {
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
  }

  close(): void {
    this.closed = true;
    this.clearAll();
  }
}
