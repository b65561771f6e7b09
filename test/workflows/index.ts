// The workflow bundle the tests load: every product workflow plus test-only ones.
export * from '../../workflows';
export * from './greeting';
export * from './relay-probe';
