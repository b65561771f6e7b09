import type { z } from 'zod';
import { ConnectPspError, type FieldProblem } from './errors';

// Zod issues as field problems, and the errors built from them: refused before sending, or a broken response.

export function issuesToProblems(issues: readonly z.core.$ZodIssue[]): FieldProblem[] {
  return issues.map((issue) => ({
    field: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
}

export function formatProblems(problems: readonly FieldProblem[]): string {
  return problems.map((p) => `${p.field}: ${p.message}`).join('; ');
}

export function problemsOf(schema: z.ZodType, value: unknown): FieldProblem[] {
  const parsed = schema.safeParse(value);
  return parsed.success ? [] : issuesToProblems(parsed.error.issues);
}

/** Rejects before sending anything: a non-retryable INVALID_REQUEST naming each field and rule. */
export function rejectIfInvalid(label: string, problems: FieldProblem[]): void {
  if (problems.length > 0) throw invalidRequest(label, problems);
}

function invalidRequest(label: string, problems: FieldProblem[]): ConnectPspError {
  return new ConnectPspError(`ConnectPSP ${label} not sent, invalid request: ${formatProblems(problems)}`, {
    code: 'INVALID_REQUEST',
    retryable: false,
    fieldProblems: problems,
  });
}

export function parseRequest<T>(label: string, schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw invalidRequest(label, issuesToProblems(parsed.error.issues));
}

export function contractViolation(label: string, status: number, problems: FieldProblem[]): ConnectPspError {
  return new ConnectPspError(
    `ConnectPSP ${label} → ${status} broke the contract at ${formatProblems(problems)}`,
    {
      status,
      code: 'CONTRACT_VIOLATION',
      retryable: false,
      fieldProblems: problems,
    },
  );
}
