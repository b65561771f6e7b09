export * from './activities';
export * from './client';
export * from './errors';
export * from './from-config';
export type { HttpTimeouts } from './http';
export * from './types';
