export * from './account';
export * from './auth';
export * from './cash-in';
export * from './cash-out';
export * from './common';
export * from './readers';
export * from './webhook';
