import type { Logger } from 'pino';
import type { FaultRegistry } from './faults';
import type { IdempotencyStore } from './idempotency';
import type { RequestLog } from './request-log';
import type { SandboxState } from './state';
import type { TimerSet } from './timers';
import type { Wallet } from './wallet';
import type { WebhookDispatcher } from './webhooks';

export interface SandboxCredentials {
  clientId: string;
  clientSecret: string;
  applicationToken: string;
  cryptoToken: string;
}

/** The parts of a running sandbox that routes and operations share. */
export interface SandboxContext {
  readonly state: SandboxState;
  readonly wallet: Wallet;
  readonly webhooks: WebhookDispatcher;
  readonly faults: FaultRegistry;
  readonly timers: TimerSet;
  readonly idempotency: IdempotencyStore;
  readonly requestLog: RequestLog;
  readonly credentials: SandboxCredentials;
  readonly tokenTtlSeconds: number;
  readonly logger: Logger;
}
