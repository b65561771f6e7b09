// Every workflow type the worker runs. The bundler starts here.
export { cashInWorkflow } from './cash-in';
export { cashOutWorkflow } from './cash-out';
export { lateEventSweepWorkflow } from './late-event-sweep';
export { parkedEventWorkflow } from './parked-event';
export { rebalanceWorkflow, scheduledRebalanceWorkflow } from './rebalance';
