import { describe, expect, it } from 'vitest';
import { idempotencyKey, PROJECT_ID_NAMESPACE } from '../../domain/ids';

const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const NAMES = [
  'cash-out:ref-1:create',
  'cash-out:ref-1:refund',
  'cash-out:ref-2:create',
  'cash-in:ref-1:create',
  '',
  'ação:ç',
];

describe('idempotencyKey', () => {
  it.each(NAMES)(
    '%j is a UUID v5, stable, equal to the uuid package v5 in the project namespace',
    async (name) => {
      // uuid 14 is ESM-only: a dynamic import keeps this CommonJS test file type-checking.
      const { v5 } = await import('uuid');
      const key = idempotencyKey(name);
      expect(key).toMatch(UUID_V5);
      expect(idempotencyKey(name)).toBe(key);
      expect(key).toBe(v5(name, PROJECT_ID_NAMESPACE));
    },
  );

  it('gives different names different keys', () => {
    expect(new Set(NAMES.map(idempotencyKey)).size).toBe(NAMES.length);
  });

  it('is pinned: changing the namespace or the algorithm would change the key of every operation in flight', () => {
    expect(idempotencyKey('cash-out:ref-1:create')).toBe('857fbea6-dcbd-5703-a178-943e0ff63dd3');
  });
});
