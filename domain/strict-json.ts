import { visit } from 'jsonc-parser';

/** Real webhook and API bodies nest 4 levels; anything far deeper is an attack on the parser or on us. */
export const MAX_JSON_DEPTH = 16;

export type StrictJsonResult =
  | { ok: true; value: unknown }
  | { ok: false; field: string; rule: string; kind: 'MALFORMED' | 'AMBIGUOUS' };

/**
 * JSON.parse, strictly: besides malformed text it refuses what JSON.parse silently accepts and
 * other parsers read differently: a key given twice in one object (JSON.parse keeps the last,
 * others the first, so a signed body could mean two things) and nesting deeper than `maxDepth`.
 * The field of a duplicate is its path (`data.amount`).
 */
export function parseStrictJson(text: string, maxDepth = MAX_JSON_DEPTH): StrictJsonResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, kind: 'MALFORMED', field: '(body)', rule: 'must be valid JSON' };
  }
  const keysOfOpenObjects: Array<Set<string>> = [];
  let depth = 0;
  let problem: StrictJsonResult | undefined;
  const enter = () => {
    depth += 1;
    if (depth > maxDepth && !problem) {
      problem = {
        ok: false,
        kind: 'AMBIGUOUS',
        field: '(body)',
        rule: `must be nested at most ${maxDepth} levels deep`,
      };
    }
  };
  visit(text, {
    onObjectBegin: () => {
      enter();
      keysOfOpenObjects.push(new Set());
    },
    onObjectEnd: () => {
      depth -= 1;
      keysOfOpenObjects.pop();
    },
    onArrayBegin: () => enter(),
    onArrayEnd: () => {
      depth -= 1;
    },
    onObjectProperty: (property, _offset, _length, _line, _column, pathSupplier) => {
      const keys = keysOfOpenObjects[keysOfOpenObjects.length - 1];
      if (!keys || problem) return;
      if (keys.has(property)) {
        problem = {
          ok: false,
          kind: 'AMBIGUOUS',
          field: [...pathSupplier().map(String), property].join('.'),
          rule: 'must appear only once in its object',
        };
      }
      keys.add(property);
    },
  });
  return problem ?? { ok: true, value };
}

/** `application/json` or `application/<x>+json`, parameters (charset) allowed. */
export function isJsonContentType(contentType: string | undefined): boolean {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return mediaType === 'application/json' || /^application\/[\w.-]+\+json$/.test(mediaType);
}
