import type { RequestHandler } from 'express';
import { HEADERS } from '../domain/connectpsp';
import { utcIso } from './time';

export interface RequestLogEntry {
  method: string;
  path: string;
  idempotencyKey: string | null;
  /** null when the connection was dropped without an answer (commitThenDrop fault). */
  status: number | null;
  at: string;
}

const MAX_ENTRIES = 10_000;

/** Every ConnectPSP API call (not the control API), in arrival order. */
export class RequestLog {
  private entries: RequestLogEntry[] = [];

  list(): RequestLogEntry[] {
    return [...this.entries];
  }

  clear(): void {
    this.entries = [];
  }

  middleware(): RequestHandler {
    return (req, res, next) => {
      const entry: RequestLogEntry = {
        method: req.method,
        path: req.path,
        idempotencyKey: req.get(HEADERS.idempotencyKey) ?? null,
        status: null,
        at: utcIso(Date.now()),
      };
      this.entries.push(entry);
      if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
      res.on('close', () => {
        entry.status = res.headersSent ? res.statusCode : null;
      });
      next();
    };
  }
}
