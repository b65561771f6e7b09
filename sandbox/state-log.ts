import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';

/** What a state file held when it was opened: its snapshot (if any) and the changes after it, in order. */
export interface LogContents {
  snapshot: unknown;
  changes: unknown[];
  /** A last line cut short by a crash (no newline): ignored, it was never acknowledged. */
  tornTail: boolean;
}

/** Changes are appended until they outnumber the live records (and at least this many). */
const MIN_CHANGES_BEFORE_COMPACTION = 1_000;

/**
 * A JSON Lines file: one snapshot line, then one line per change. Appending a change costs what
 * the change weighs, whatever the state's size; when the changes outnumber the live records the
 * file is rewritten as one snapshot (compaction: temp file, fsync, rename), so compaction costs
 * O(1) per change on average and the file stays within about twice the state's size.
 *
 * A change is written with one `write` before the caller answers anything, so a crash can only
 * cut the last line, which is then ignored (its request was never answered). Writes are not
 * fsynced: the sandbox's state survives a crash of its process, not a power cut.
 */
export class StateLog {
  private fd: number;
  private changesSinceSnapshot = 0;

  private constructor(
    private readonly file: string,
    private readonly snapshot: () => unknown,
    private readonly liveRecords: () => number,
  ) {
    this.fd = -1;
  }

  /** The file's contents, or undefined when there is no file yet. Throws on a damaged line before the last. */
  static read(file: string): LogContents | undefined {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    if (text.length === 0) return undefined;
    const lines = text.split('\n');
    // Only newline-terminated lines were written whole; what follows the last newline was cut short,
    // except in a file without any newline: the single snapshot the state file was before the log.
    const tail = lines.pop() as string;
    if (lines.length === 0) return { snapshot: parseLine(file, tail, 1), changes: [], tornTail: false };
    const [first, ...rest] = lines.map((line, index) => parseLine(file, line, index + 1));
    return { snapshot: first, changes: rest, tornTail: tail.length > 0 };
  }

  /**
   * Starts the log afresh from `snapshot()` (a compaction) and keeps it open for appends.
   * `liveRecords()` tells how many records the state holds, which sets when to compact again.
   */
  static start(file: string, snapshot: () => unknown, liveRecords: () => number): StateLog {
    const log = new StateLog(file, snapshot, liveRecords);
    log.compact();
    return log;
  }

  append(change: unknown): void {
    writeSync(this.fd, `${JSON.stringify(change)}\n`);
    this.changesSinceSnapshot += 1;
    if (this.changesSinceSnapshot > Math.max(MIN_CHANGES_BEFORE_COMPACTION, this.liveRecords())) {
      this.compact();
    }
  }

  /** Rewrites the file as one snapshot line, atomically. */
  compact(): void {
    mkdirSync(path.dirname(this.file), { recursive: true });
    const temp = `${this.file}.${process.pid}.tmp`;
    const tempFd = openSync(temp, 'w');
    try {
      writeFileSync(tempFd, `${JSON.stringify(this.snapshot())}\n`);
      fsyncSync(tempFd);
    } finally {
      closeSync(tempFd);
    }
    renameSync(temp, this.file);
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = openSync(this.file, 'a');
    this.changesSinceSnapshot = 0;
  }

  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
  }
}

function parseLine(file: string, line: string, lineNumber: number): unknown {
  try {
    return JSON.parse(line);
  } catch (err) {
    throw new Error(
      `sandbox state file ${file}: line ${lineNumber} is not JSON (${(err as Error).message}); ` +
        'only the last line may be cut short by a crash. Move the file away to start a fresh sandbox',
    );
  }
}
