// The composition root of every activity the worker registers; workflows import only its type.

import type { WalletPort } from '../wallet/port';
import { type ConnectPspApi, createConnectPspActivities } from './connectpsp';
import { createLateEventSweepActivities, type LateEventDoor } from './late-event-sweep';
import { createLedgerActivities } from './ledger';
import { createLedgerCheckActivities, type LedgerCheckDependencies } from './ledger-check';
import { createOrphanedHoldActivities, type OrphanedHoldDependencies } from './orphaned-hold';
import { createRebalanceActivities, type RebalanceActivityDependencies } from './rebalance';
import { createValidationActivities } from './validation';

export interface ActivityDependencies {
  psp: ConnectPspApi;
  /** The built-in ledger or the platform's wallet service (runtime/wallet.ts builds the configured one). */
  wallet: WalletPort;
  /** The rebalance coordinator's door (runtime/rebalance-door.ts), bound to the worker's client and task queue. */
  requestRebalance: RebalanceActivityDependencies['requestRebalance'];
  /** Settled lifecycles and late-event runs as Temporal keeps them (runtime/late-event-door.ts), for the sweep. */
  lateEvents: LateEventDoor;
  /** What the operators' workflows (operations/) need; without it their activities are not registered. */
  operations?: OperationsDependencies;
}

export type OperationsDependencies = Omit<LedgerCheckDependencies, 'psp' | 'wallet'> &
  OrphanedHoldDependencies;

export function createActivities(deps: ActivityDependencies) {
  const operations = deps.operations;
  return {
    ...createConnectPspActivities({ client: deps.psp }),
    ...createLedgerActivities({ wallet: deps.wallet }),
    ...createRebalanceActivities(deps),
    ...createValidationActivities(),
    ...createLateEventSweepActivities({ psp: deps.psp, lateEvents: deps.lateEvents }),
    ...(operations
      ? {
          ...createLedgerCheckActivities({ ...operations, psp: deps.psp, wallet: deps.wallet }),
          ...createOrphanedHoldActivities(operations),
        }
      : {}),
  };
}

export type Activities = ReturnType<typeof createActivities>;
