// The ConnectPSP library: a typed HTTP client with tokens, signatures, errors and wire mapping. No Temporal here.
export type * from './call-observer';
export * from './client';
export * from './errors';
export type { HttpTimeouts } from './http';
export * from './types';
