import { CommanderError } from 'commander';
import { InsufficientFundsError } from '../../ledger/errors';
import { ConfigError } from '../../runtime/config';
import {
  PaymentAlreadyExistsError,
  PaymentNotFoundError,
  RequestRejectedError,
  SandboxNotInUseError,
  SandboxRequestError,
  ServiceUnreachableError,
  TemporalOverloadedError,
  TemporalRefusedError,
  ValidationError,
  WaitTimeoutError,
} from '../errors';
import { StackFileError } from '../stack-file';

/** The CLI's exit codes (documented in docs/cli.md). */
export const EXIT_CODES = {
  ok: 0,
  unexpected: 1,
  /** Invalid input, bad usage, invalid configuration, or a command that does not apply (sandbox with a real PSP). */
  invalidInput: 2,
  notFound: 3,
  /** Temporal, the ledger database or the sandbox did not answer. */
  unreachable: 4,
  /** `wait` gave up before a terminal state; the payment goes on. */
  timeout: 5,
  /** Understood but refused: the reference is taken by another payment, the state does not allow it, insufficient funds. */
  rejected: 6,
  /** Temporal is reachable but too slow or busy to answer in time (or no worker took the request). */
  overloaded: 7,
  /** Temporal answered no (permission denied, unknown namespace, invalid request). */
  temporalRefused: 8,
  /** `ledger verify` found differences (printed). */
  checkFailed: 9,
} as const;

export interface CliProblem {
  field: string;
  /** The command-line option the field comes from, when there is one. */
  option?: string;
  rule: string;
}

/** What the CLI prints about a failure, in either mode, and the exit code it ends with. */
export interface DescribedError {
  exitCode: number;
  code: string;
  message: string;
  problems?: CliProblem[];
  service?: string;
  retryable?: boolean;
}

/** Maps a domain field (`payer.document`) to the option a user typed (`--payer-document`). */
export type OptionNames = Readonly<Record<string, string>>;

export function describeError(err: unknown, options: OptionNames = {}): DescribedError {
  if (err instanceof ValidationError) {
    const problems = err.problems.map((p) => {
      const option = optionFor(p.field, options);
      return option ? { field: p.field, option, rule: p.rule } : { field: p.field, rule: p.rule };
    });
    const message = `invalid input: ${err.problems.map((p) => `${displayName(p.field, options)} ${p.rule}`).join('; ')}`;
    return { exitCode: EXIT_CODES.invalidInput, code: 'INVALID_INPUT', message, problems };
  }
  if (err instanceof CommanderError) {
    return {
      exitCode: EXIT_CODES.invalidInput,
      code: 'USAGE',
      message: err.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' '),
    };
  }
  if (err instanceof ConfigError) {
    const problems = err.problems.map((p) => {
      const [field = p, ...rule] = p.split(': ');
      return { field, rule: rule.join(': ') };
    });
    return {
      exitCode: EXIT_CODES.invalidInput,
      code: 'INVALID_CONFIG',
      message: `invalid configuration: ${err.problems.join('; ')}`,
      problems,
    };
  }
  if (err instanceof StackFileError) {
    return { exitCode: EXIT_CODES.invalidInput, code: 'INVALID_CONFIG', message: err.message };
  }
  if (err instanceof SandboxNotInUseError) {
    return { exitCode: EXIT_CODES.invalidInput, code: 'SANDBOX_NOT_IN_USE', message: err.message };
  }
  if (err instanceof PaymentNotFoundError) {
    return { exitCode: EXIT_CODES.notFound, code: 'NOT_FOUND', message: err.message };
  }
  if (err instanceof ServiceUnreachableError) {
    return {
      exitCode: EXIT_CODES.unreachable,
      code: 'UNREACHABLE',
      message: err.message,
      service: err.service,
      retryable: true,
    };
  }
  if (err instanceof TemporalOverloadedError) {
    return {
      exitCode: EXIT_CODES.overloaded,
      code: 'OVERLOADED',
      message: err.message,
      service: 'Temporal',
      retryable: true,
    };
  }
  if (err instanceof TemporalRefusedError) {
    return {
      exitCode: EXIT_CODES.temporalRefused,
      code: 'TEMPORAL_REFUSED',
      message: err.message,
      service: 'Temporal',
    };
  }
  if (err instanceof WaitTimeoutError) {
    return { exitCode: EXIT_CODES.timeout, code: 'TIMEOUT', message: err.message, retryable: true };
  }
  if (err instanceof PaymentAlreadyExistsError) {
    return { exitCode: EXIT_CODES.rejected, code: 'ALREADY_EXISTS', message: err.message };
  }
  if (
    err instanceof RequestRejectedError ||
    err instanceof SandboxRequestError ||
    err instanceof InsufficientFundsError
  ) {
    return { exitCode: EXIT_CODES.rejected, code: 'REJECTED', message: err.message };
  }
  return {
    exitCode: EXIT_CODES.unexpected,
    code: 'UNEXPECTED',
    message: err instanceof Error ? err.message : String(err),
  };
}

/** The option of the field, or of its nearest parent that has one (`payee.bankAccount.ispb` → `--bank-account`). */
function optionFor(field: string, options: OptionNames): string | undefined {
  return nearestOption(field, options)?.option;
}

/** `--payer-document`, `--bank-account ispb` (a part of an option's value), or the field itself. */
function displayName(field: string, options: OptionNames): string {
  const found = nearestOption(field, options);
  if (!found) return field;
  return found.name === field ? found.option : `${found.option} ${field.slice(found.name.length + 1)}`;
}

function nearestOption(field: string, options: OptionNames): { name: string; option: string } | undefined {
  for (let name = field; name; name = name.slice(0, Math.max(0, name.lastIndexOf('.')))) {
    const option = options[name];
    if (option) return { name, option };
  }
  return undefined;
}
