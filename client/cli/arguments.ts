import { randomBytes } from 'node:crypto';
import { BANK_ACCOUNT_TYPES } from '../../domain/connectpsp/cash-out';
import { type Cents, parseAmountText } from '../../domain/money';
import { type BankAccountInput, ValidationError, type ValidationProblem } from '../../domain/validation';

/** The text of one command-line value turned into a value, or the rule it breaks. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; rule: string };

export function parseAmount(text: string): Parsed<Cents> {
  const result = parseAmountText(text);
  return result.ok ? { ok: true, value: result.cents } : result;
}

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type DurationUnit = keyof typeof UNIT_MS;

/** "90s", "5m", "2h", "1d", "250ms"; a bare number is in `defaultUnit`. */
export function parseDuration(text: string, defaultUnit: DurationUnit): Parsed<number> {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match)
    return {
      ok: false,
      rule: `must be a duration such as 30${defaultUnit === 'ms' ? 'ms' : 's'}, 5m, 2h or 1d`,
    };
  const ms = Math.round(Number(match[1]) * UNIT_MS[(match[2] as DurationUnit | undefined) ?? defaultUnit]);
  return ms > 0 ? { ok: true, value: ms } : { ok: false, rule: 'must be greater than zero' };
}

/** A charge lifetime in whole minutes ("30" = 30 minutes, "2h", "1d"). */
export function parseExpiryMinutes(text: string): Parsed<number> {
  const duration = parseDuration(text, 'm');
  if (!duration.ok) return duration;
  if (duration.value % UNIT_MS.m !== 0) return { ok: false, rule: 'must be a whole number of minutes' };
  return { ok: true, value: duration.value / UNIT_MS.m };
}

export const BANK_ACCOUNT_FORMAT = `ispb/branch/account/type (type ${BANK_ACCOUNT_TYPES.join('|')}), e.g. 00000000/0001/123456/CHECKING`;

/** "00000000/0001/123456/CHECKING"; the fields' own rules are checked by domain validation. */
export function parseBankAccount(text: string): Parsed<BankAccountInput> {
  const parts = text.split('/').map((part) => part.trim());
  if (parts.length !== 4 || parts.some((part) => part.length === 0)) {
    return { ok: false, rule: `must be ${BANK_ACCOUNT_FORMAT}` };
  }
  const [ispb = '', branch = '', account = '', type = ''] = parts;
  return {
    ok: true,
    value: {
      ispb: ispb.toUpperCase(),
      branch,
      account,
      accountType: type.toUpperCase() as BankAccountInput['accountType'],
    },
  };
}

/** An ISO date/time ("2026-03-01", "2026-03-01T12:00:00Z") or a duration ago ("2h" = two hours before now). */
export function parseSince(text: string, now: Date): Parsed<Date> {
  const ago = parseDuration(text, 'm');
  if (ago.ok && /[a-z]$/i.test(text.trim())) return { ok: true, value: new Date(now.getTime() - ago.value) };
  if (/^\d{4}-\d{2}-\d{2}/.test(text.trim())) {
    const at = new Date(text.trim());
    if (!Number.isNaN(at.getTime())) return { ok: true, value: at };
  }
  return {
    ok: false,
    rule: 'must be an ISO date/time (2026-03-01, 2026-03-01T12:00:00Z) or a duration ago (30m, 2h, 7d)',
  };
}

export function parsePositiveInteger(text: string, max: number): Parsed<number> {
  if (!/^\d+$/.test(text.trim())) return { ok: false, rule: `must be an integer 1..${max}` };
  const value = Number(text.trim());
  return value >= 1 && value <= max
    ? { ok: true, value }
    : { ok: false, rule: `must be an integer 1..${max}` };
}

/**
 * Gathers every problem of one command line: the CLI's own parsing and the domain validation of
 * the request built from it, so a user sees all of them at once, each once.
 */
export class InputProblems {
  private readonly problems: ValidationProblem[] = [];

  /** The parsed value, or undefined after recording the problem under `field`. */
  take<T>(field: string, parsed: Parsed<T>): T | undefined {
    if (parsed.ok) return parsed.value;
    this.problems.push({ field, rule: parsed.rule });
    return undefined;
  }

  add(field: string, rule: string): void {
    this.problems.push({ field, rule });
  }

  /**
   * Runs a domain validator; its problems join the list, except on fields already reported
   * or on their parents/children (a value the CLI could not parse is not also reported as missing).
   */
  validate<T>(validator: () => T): T | undefined {
    try {
      return validator();
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const reported = this.problems.map((p) => p.field);
      this.problems.push(
        ...err.problems.filter((p) => !reported.some((field) => relatedFields(field, p.field))),
      );
      return undefined;
    }
  }

  /** Throws ValidationError with everything gathered; returns when there was nothing. */
  throwIfAny(): void {
    if (this.problems.length > 0) throw new ValidationError(this.problems);
  }
}

/** `payee` and `payee.bankAccount.ispb` are related; `payee.name` and `payee.document` are not. */
function relatedFields(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);
}

/** `cash-in`/`cash-out` (or CASH_IN/CASH_OUT) → the payment kind. */
export function parseKind(text: string): Parsed<'CASH_IN' | 'CASH_OUT'> {
  const normalised = text.trim().toUpperCase().replace('-', '_');
  if (normalised === 'CASH_IN' || normalised === 'CASH_OUT') return { ok: true, value: normalised };
  return { ok: false, rule: 'must be cash-in or cash-out' };
}

/** A reference for a payment the user did not name: short, unique enough, valid as a workflow id. */
export function newReference(prefix: string, now: Date): string {
  return `${prefix}-${now.getTime().toString(36)}-${randomBytes(3).toString('hex')}`;
}
