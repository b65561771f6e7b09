import express, { type RequestHandler } from 'express';
import { isJsonContentType, parseStrictJson } from '../domain/strict-json';
import { ProblemError } from './problem';

/**
 * Reads a request body strictly, each refusal a 400 INVALID_REQUEST naming the field and the rule
 * (nothing else runs): a body must be JSON by its Content-Type, within `limitBytes`, valid, with no
 * key twice in an object and at most 16 levels deep (domain/strict-json.ts). An empty body stays
 * undefined, for the route's own schema to judge.
 */
export function jsonBody(limitBytes: number): RequestHandler {
  const read = express.raw({ type: () => true, limit: limitBytes });
  return (req, res, next) => {
    read(req, res, (readError?: unknown) => {
      if (readError) {
        const tooLarge = (readError as { type?: string }).type === 'entity.too.large';
        next(
          new ProblemError(
            400,
            'INVALID_REQUEST',
            tooLarge ? 'The request body is too large' : 'The request body cannot be read',
            [
              {
                field: '(body)',
                message: tooLarge ? `must be at most ${limitBytes} bytes` : 'must be readable',
              },
            ],
          ),
        );
        return;
      }
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      req.body = undefined;
      if (raw.length === 0) {
        next();
        return;
      }
      if (!isJsonContentType(req.get('content-type'))) {
        next(
          new ProblemError(400, 'INVALID_REQUEST', 'The request body must be JSON', [
            { field: 'Content-Type', message: 'must be application/json' },
          ]),
        );
        return;
      }
      const parsed = parseStrictJson(raw.toString('utf8'));
      if (!parsed.ok) {
        const detail =
          parsed.kind === 'MALFORMED'
            ? 'The request body is not valid JSON'
            : 'The request body is ambiguous';
        next(
          new ProblemError(400, 'INVALID_REQUEST', detail, [{ field: parsed.field, message: parsed.rule }]),
        );
        return;
      }
      req.body = parsed.value;
      next();
    });
  };
}
