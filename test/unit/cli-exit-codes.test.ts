import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { CASH_OUT_OPTIONS } from '../../client/cli/commands/cash-out';
import { describeError, EXIT_CODES } from '../../client/cli/exit-codes';
import {
  PaymentAlreadyExistsError,
  PaymentNotFoundError,
  RequestRejectedError,
  SandboxNotInUseError,
  SandboxRequestError,
  ServiceUnreachableError,
  TemporalOverloadedError,
  TemporalRefusedError,
  TemporalUnreachableError,
  ValidationError,
  WaitTimeoutError,
} from '../../client/errors';
import { StackFileError } from '../../client/stack-file';
import { InsufficientFundsError } from '../../ledger/errors';
import { ConfigError } from '../../runtime/config';

describe('exit codes and error descriptions', () => {
  it('the documented codes', () => {
    expect(EXIT_CODES).toEqual({
      ok: 0,
      unexpected: 1,
      invalidInput: 2,
      notFound: 3,
      unreachable: 4,
      timeout: 5,
      rejected: 6,
      overloaded: 7,
      temporalRefused: 8,
      checkFailed: 9,
    });
  });

  it.each([
    [new ValidationError([{ field: 'userId', rule: 'must not be empty' }]), 2, 'INVALID_INPUT'],
    [
      new CommanderError(
        1,
        'commander.missingMandatoryOptionValue',
        "error: required option '--user <id>' not specified",
      ),
      2,
      'USAGE',
    ],
    [new ConfigError(['TEMPORAL_PORT: must be 1..65535']), 2, 'INVALID_CONFIG'],
    [new StackFileError('.data/stack.json is not valid JSON'), 2, 'INVALID_CONFIG'],
    [new SandboxNotInUseError('CONNECTPSP_BASE_URL is set'), 2, 'SANDBOX_NOT_IN_USE'],
    [new PaymentNotFoundError('ref-1'), 3, 'NOT_FOUND'],
    [new TemporalUnreachableError('127.0.0.1:7233', 'connection refused'), 4, 'UNREACHABLE'],
    [new ServiceUnreachableError('ledger database', 'postgres://x', 'refused'), 4, 'UNREACHABLE'],
    [new TemporalOverloadedError('127.0.0.1:7233', 'DEADLINE_EXCEEDED: no answer'), 7, 'OVERLOADED'],
    [new TemporalRefusedError('127.0.0.1:7233', 'PERMISSION_DENIED', 'no'), 8, 'TEMPORAL_REFUSED'],
    [new WaitTimeoutError('ref-1', 60_000, 'AWAITING_PAYMENT'), 5, 'TIMEOUT'],
    [new PaymentAlreadyExistsError('ref-1', 'cash-in', 'it is for bob'), 6, 'ALREADY_EXISTS'],
    [new RequestRejectedError('ref-1', 'cash-in is AWAITING_PAYMENT'), 6, 'REJECTED'],
    [new SandboxRequestError(409, 'INVALID_STATE', 'already paid'), 6, 'REJECTED'],
    [new InsufficientFundsError('user:a', 100, 200), 6, 'REJECTED'],
    [new TypeError('boom'), 1, 'UNEXPECTED'],
    ['a string', 1, 'UNEXPECTED'],
  ])('%s → exit %i (%s)', (error, exitCode, code) => {
    const described = describeError(error);
    expect(described.exitCode).toBe(exitCode);
    expect(described.code).toBe(code);
    expect(described.message).not.toMatch(/\n/);
  });

  it('invalid input names the options the user typed, and the part of a composite option', () => {
    const error = new ValidationError([
      { field: 'amountCents', rule: 'must be greater than zero' },
      { field: 'payee.bankAccount.ispb', rule: 'must be 8 characters [0-9A-Z]' },
      { field: 'payee', rule: 'must have exactly one of pixKey or bankAccount' },
      { field: 'somethingElse', rule: 'is wrong' },
    ]);
    const described = describeError(error, CASH_OUT_OPTIONS);
    expect(described.message).toBe(
      'invalid input: --amount must be greater than zero; --bank-account ispb must be 8 characters [0-9A-Z]; ' +
        '--pix-key or --bank-account must have exactly one of pixKey or bankAccount; somethingElse is wrong',
    );
    expect(described.problems).toEqual([
      { field: 'amountCents', option: '--amount', rule: 'must be greater than zero' },
      { field: 'payee.bankAccount.ispb', option: '--bank-account', rule: 'must be 8 characters [0-9A-Z]' },
      {
        field: 'payee',
        option: '--pix-key or --bank-account',
        rule: 'must have exactly one of pixKey or bankAccount',
      },
      { field: 'somethingElse', rule: 'is wrong' },
    ]);
  });

  it('usage errors lose commander prefix and line breaks; config problems are split into field and rule', () => {
    const usage = describeError(
      new CommanderError(
        1,
        'commander.unknownCommand',
        "error: unknown command 'statu'\n(Did you mean status?)",
      ),
    );
    expect(usage.message).toBe("unknown command 'statu' (Did you mean status?)");
    const config = describeError(
      new ConfigError(['TEMPORAL_PORT: must be 1..65535', 'LOG_LEVEL: Invalid option']),
    );
    expect(config.problems).toEqual([
      { field: 'TEMPORAL_PORT', rule: 'must be 1..65535' },
      { field: 'LOG_LEVEL', rule: 'Invalid option' },
    ]);
    expect(describeError(new TemporalUnreachableError('h:1', 'x'))).toMatchObject({
      service: 'Temporal',
      retryable: true,
    });
  });
});
