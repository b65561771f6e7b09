// The composition root of every activity the worker registers; workflows import only its type.
import { type ConnectPspApi, createConnectPspActivities } from './connectpsp';
import { createLedgerActivities, type Ledger } from './ledger';

export interface ActivityDependencies {
  psp: ConnectPspApi;
  ledger: Ledger;
}

export function createActivities(deps: ActivityDependencies) {
  return {
    ...createConnectPspActivities({ client: deps.psp }),
    ...createLedgerActivities({ ledger: deps.ledger }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
