import { describe, expect, it } from 'vitest';
import { isJsonContentType, MAX_JSON_DEPTH, parseStrictJson } from '../../domain/strict-json';

describe('strict JSON', () => {
  it('parses what JSON.parse parses, when unambiguous', () => {
    expect(parseStrictJson('{"a":{"b":[1,{"c":2}]},"d":"x"}')).toEqual({
      ok: true,
      value: { a: { b: [1, { c: 2 }] }, d: 'x' },
    });
    // The same key in sibling objects is not a duplicate.
    expect(parseStrictJson('[{"a":1},{"a":2}]').ok).toBe(true);
  });

  it('refuses malformed text', () => {
    expect(parseStrictJson('{"a":1,')).toMatchObject({ ok: false, kind: 'MALFORMED', field: '(body)' });
    expect(parseStrictJson('{"a":1} // comment')).toMatchObject({ ok: false, kind: 'MALFORMED' });
  });

  it('refuses a key given twice in one object, naming its path', () => {
    expect(parseStrictJson('{"data":{"amount":1,"amount":2}}')).toEqual({
      ok: false,
      kind: 'AMBIGUOUS',
      field: 'data.amount',
      rule: 'must appear only once in its object',
    });
    expect(parseStrictJson('{"a":1,"a":1}')).toMatchObject({ ok: false, field: 'a' });
  });

  it('refuses nesting deeper than the limit, objects and arrays alike', () => {
    const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    expect(parseStrictJson(nested(MAX_JSON_DEPTH)).ok).toBe(true);
    expect(parseStrictJson(nested(MAX_JSON_DEPTH + 1))).toMatchObject({
      ok: false,
      field: '(body)',
      rule: `must be nested at most ${MAX_JSON_DEPTH} levels deep`,
    });
    expect(parseStrictJson(`${'{"a":'.repeat(17)}1${'}'.repeat(17)}`).ok).toBe(false);
  });

  it.each([
    ['application/json', true],
    ['application/json; charset=utf-8', true],
    ['Application/JSON', true],
    ['application/problem+json', true],
    ['text/plain', false],
    ['application/x-www-form-urlencoded', false],
    [undefined, false],
  ])('content type %s is JSON: %s', (type, json) => {
    expect(isJsonContentType(type)).toBe(json);
  });
});
