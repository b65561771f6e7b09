import { describe, expect, it } from 'vitest';
import { isEndToEndId, newEndToEndId } from '../../domain/pix/end-to-end-id';

describe('newEndToEndId', () => {
  it('is kind + ISPB + yyyyMMddHHmm (UTC) + 11 alphanumerics, 32 characters', () => {
    const id = newEndToEndId('E', '13935893', new Date('2026-03-10T23:59:30-03:00'));
    expect(id).toHaveLength(32);
    expect(id.slice(0, 21)).toBe('E139358932026031102' + '59');
    expect(id.slice(21)).toMatch(/^[0-9A-Za-z]{11}$/);
    expect(isEndToEndId(id, 'E')).toBe(true);
    expect(isEndToEndId(id, 'D')).toBe(false);
  });

  it('keeps leading zeros of the ISPB and draws a new suffix each time', () => {
    const at = new Date('2026-01-02T03:04:00Z');
    const a = newEndToEndId('D', '00000000', at);
    const b = newEndToEndId('D', '00000000', at);
    expect(a.startsWith('D00000000202601020304')).toBe(true);
    expect(a).not.toBe(b);
  });

  it('refuses an invalid ISPB', () => {
    expect(() => newEndToEndId('E', '1393589', new Date())).toThrow(RangeError);
  });
});

describe('isEndToEndId', () => {
  it('rejects wrong shapes and impossible timestamps', () => {
    expect(isEndToEndId('X13935893202603102359abcdefghijk')).toBe(false);
    expect(isEndToEndId('E13935893202603102359abcdefghij')).toBe(false);
    expect(isEndToEndId('E13935893202613102359abcdefghijk')).toBe(false);
    expect(isEndToEndId('E13935893202602302359abcdefghijk')).toBe(false);
    expect(isEndToEndId('E13935893202603102459abcdefghijk')).toBe(false);
    expect(isEndToEndId(42)).toBe(false);
    expect(isEndToEndId('E13935893202603102359abcdefghijk')).toBe(true);
  });
});
