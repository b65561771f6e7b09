import type { Client } from '@temporalio/client';
import { TemporalOverloadedError } from './errors';
import {
  classifyTemporalFailure,
  type TemporalFailureKind,
  temporalConnected,
  temporalTransportError,
} from './temporal-errors';

/** How the client paces and retries its Temporal calls (all optional; docs/cli.md, "Bursts"). */
export interface TemporalCallOptions {
  /**
   * Most Temporal calls (starts, queries, updates, lists) in flight at once; the rest wait their
   * turn in this client, first come first served. Default 32.
   */
  maxConcurrentCalls?: number;
  /**
   * Most waits (`waitForOutcome`'s awaitState calls, each held open by the server until the
   * payment moves or up to 60 s) in flight at once, counted apart so that waiting payments never
   * hold back starts and reads. Default 2000.
   */
  maxConcurrentWaits?: number;
  /**
   * Deadline of a read (status, list), queueing and retries included; inside a wait, the deadline
   * of each attempt (the wait retries until its own timeout). Default 30 s.
   */
  readTimeoutMs?: number;
  /** Deadline of a start or an update (refund, review), queueing and retries included. Default 60 s. */
  writeTimeoutMs?: number;
}

/** What the client's Temporal calls are doing, for metrics (docs/cli.md, "Bursts"). */
export interface TemporalCallStats {
  callsInFlight: number;
  callsQueued: number;
  waitsInFlight: number;
  waitsQueued: number;
  maxConcurrentCalls: number;
  maxConcurrentWaits: number;
  /** Calls made (each counted once, however many attempts it took). */
  calls: number;
  /** Attempts made again after a transient failure. */
  retries: number;
  /** Calls given up on, by why (the error thrown: TemporalUnreachableError, TemporalOverloadedError, TemporalRefusedError). */
  failures: Record<TemporalFailureKind, number>;
}

export type CallLane = 'call' | 'wait';

export const DEFAULT_CALL_OPTIONS: Required<TemporalCallOptions> = {
  maxConcurrentCalls: 32,
  maxConcurrentWaits: 2000,
  readTimeoutMs: 30_000,
  writeTimeoutMs: 60_000,
};

const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 2_000;

/**
 * Every Temporal call of one PaymentsClient goes through here: bounded in flight per lane (the
 * rest queued), each under one deadline that covers queueing and every attempt, transient failures
 * (unreachable, overloaded) tried again with exponential backoff and full jitter until that
 * deadline, and transport failures turned into the client's typed errors. Only calls that are safe
 * to repeat are retried (see `retrying`).
 */
export class TemporalCalls {
  readonly options: Required<TemporalCallOptions>;
  private readonly lanes: Record<CallLane, Lane>;
  private counters = { calls: 0, retries: 0, failures: { unreachable: 0, overloaded: 0, refused: 0 } };

  constructor(
    private readonly temporal: Client,
    private readonly address: string,
    options: TemporalCallOptions = {},
  ) {
    this.options = { ...DEFAULT_CALL_OPTIONS, ...definedOnly(options) };
    this.lanes = {
      call: new Lane(this.options.maxConcurrentCalls),
      wait: new Lane(this.options.maxConcurrentWaits),
    };
  }

  /**
   * A read, retried until `deadline` (default: the read deadline); each attempt has at most the
   * read deadline, so a wait's read that timed out is made again while the wait has time left.
   */
  read<T>(call: () => Promise<T>, deadline = Date.now() + this.options.readTimeoutMs): Promise<T> {
    return this.run('call', deadline, call, { retry: true, attemptMs: this.options.readTimeoutMs });
  }

  /**
   * A start or update that is idempotent when repeated (same workflow id, same update id), retried
   * until the write deadline.
   */
  write<T>(call: () => Promise<T>): Promise<T> {
    return this.retrying('call', Date.now() + this.options.writeTimeoutMs, call);
  }

  /** A call that is not safe to repeat: bounded and paced like the others, made once. */
  once<T>(call: () => Promise<T>, deadline = Date.now() + this.options.writeTimeoutMs): Promise<T> {
    return this.run('call', deadline, call, { retry: false });
  }

  /** Transient failures retried until `deadline`, in `lane`. */
  retrying<T>(lane: CallLane, deadline: number, call: () => Promise<T>): Promise<T> {
    return this.run(lane, deadline, call, { retry: true });
  }

  stats(): TemporalCallStats {
    return {
      callsInFlight: this.lanes.call.inFlight,
      callsQueued: this.lanes.call.queued,
      waitsInFlight: this.lanes.wait.inFlight,
      waitsQueued: this.lanes.wait.queued,
      maxConcurrentCalls: this.options.maxConcurrentCalls,
      maxConcurrentWaits: this.options.maxConcurrentWaits,
      calls: this.counters.calls,
      retries: this.counters.retries,
      failures: { ...this.counters.failures },
    };
  }

  private async run<T>(
    lane: CallLane,
    deadline: number,
    call: () => Promise<T>,
    { retry, attemptMs }: { retry: boolean; attemptMs?: number },
  ): Promise<T> {
    this.counters.calls++;
    for (let attempt = 1; ; attempt++) {
      const release = await this.acquire(lane, deadline);
      const attemptDeadline = attemptMs === undefined ? deadline : Math.min(deadline, Date.now() + attemptMs);
      let failure: unknown;
      try {
        return await this.temporal.withDeadline(attemptDeadline, call);
      } catch (err) {
        failure = err;
      } finally {
        release();
      }
      // Read at once: whether the connection is up now tells a slow server from an unreachable one.
      const connected = temporalConnected(this.temporal);
      const kind = classifyTemporalFailure(failure, connected);
      if (!kind) throw failure;
      const pause = backoff(attempt);
      if (!retry || kind === 'refused' || Date.now() + pause >= deadline) {
        this.counters.failures[kind]++;
        throw temporalTransportError(failure, this.address, connected) ?? failure;
      }
      this.counters.retries++;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  private async acquire(lane: CallLane, deadline: number): Promise<() => void> {
    try {
      return await this.lanes[lane].acquire(deadline);
    } catch (err) {
      if (!(err instanceof QueueTimeout)) throw err;
      this.counters.failures.overloaded++;
      const { inFlight, queued, max } = err;
      throw new TemporalOverloadedError(
        this.address,
        `this client's ${lane === 'wait' ? 'waits' : 'calls'} did not get a turn before the deadline ` +
          `(${inFlight} in flight, the most allowed is ${max}; ${queued} queued)`,
      );
    }
  }
}

/** Full jitter: a random pause up to an exponentially growing ceiling, so retries of a burst spread out. */
function backoff(attempt: number): number {
  return Math.random() * Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (attempt - 1));
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}

class QueueTimeout extends Error {
  constructor(
    readonly inFlight: number,
    readonly queued: number,
    readonly max: number,
  ) {
    super('no turn before the deadline');
  }
}

/** At most `max` holders at once; the others wait first come first served, each until its deadline. */
class Lane {
  inFlight = 0;
  private readonly waiting: Array<{ grant: () => void }> = [];

  constructor(readonly max: number) {}

  get queued(): number {
    return this.waiting.length;
  }

  acquire(deadline: number): Promise<() => void> {
    if (this.inFlight < this.max) {
      this.inFlight++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: () => {
          clearTimeout(timer);
          resolve(this.releaser());
        },
      };
      const timer = setTimeout(
        () => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          reject(new QueueTimeout(this.inFlight, this.waiting.length, this.max));
        },
        Math.max(0, deadline - Date.now()),
      );
      this.waiting.push(waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next.grant();
      else this.inFlight--;
    };
  }
}
