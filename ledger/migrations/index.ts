import { sql as init } from './001-init';
import { sql as openHoldsIndex } from './002-open-holds-index';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Every schema change, in order. Kept as TypeScript strings so the compiled worker in dist/
 * carries them (tsc copies no .sql files). Never edit an applied migration: add the next one.
 */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'init', sql: init },
  { version: 2, name: 'open-holds-index', sql: openHoldsIndex },
];
