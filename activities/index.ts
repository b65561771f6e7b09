// The composition root of every activity the worker registers; workflows import only its type.
import type { Client } from '@temporalio/client';
import { type ConnectPspApi, createConnectPspActivities } from './connectpsp';
import { createLedgerActivities, type Ledger } from './ledger';
import { createRebalanceActivities } from './rebalance';

export interface ActivityDependencies {
  psp: ConnectPspApi;
  ledger: Ledger;
  /** A client with the worker's data converter: cash-out top-ups reach the rebalance coordinator through it. */
  temporal: Client;
}

export function createActivities(deps: ActivityDependencies) {
  return {
    ...createConnectPspActivities({ client: deps.psp }),
    ...createLedgerActivities({ ledger: deps.ledger }),
    ...createRebalanceActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
