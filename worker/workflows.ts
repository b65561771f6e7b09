// Every workflow type the worker runs: the payment lifecycles and rebalance (workflows/), and the
// operators' workflows (operations/). The bundler starts here.
export * from '../operations';
export * from '../workflows';
