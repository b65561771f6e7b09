// The workflow bundle the tests load: every product workflow plus test-only ones.

export * from '../../bench/relay-probe-workflow';
export * from '../../operations';
export * from '../../workflows';
export * from './greeting';
