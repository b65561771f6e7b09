import type { z } from 'zod';
import { type FieldError, ProblemError } from './problem';

/** Parses a request body with a wire schema; a failure is 400 INVALID_REQUEST naming every bad field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const errors: FieldError[] = result.error.issues.map((issue) => ({
    field: issue.path.map(String).join('.') || '(body)',
    message: issue.message,
  }));
  throw new ProblemError(400, 'INVALID_REQUEST', 'The request body is invalid', errors);
}
