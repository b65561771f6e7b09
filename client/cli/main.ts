#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { loadDotEnv, processEnvironment } from '../../runtime/config';
import { InputProblems, parseDuration } from './arguments';
import { registerCashIn } from './commands/cash-in';
import { registerCashOut } from './commands/cash-out';
import { registerLedgerCommands } from './commands/ledger';
import { registerPaymentCommands } from './commands/payments';
import { registerRebalance } from './commands/rebalance';
import { registerReview } from './commands/review';
import { registerSandbox } from './commands/sandbox';
import { EXIT_CODES } from './exit-codes';
import { type CliIo, CliSession } from './session';
import { packageVersion } from './version';

const EXIT_CODE_HELP = `Exit codes:
  0  ok
  1  unexpected error
  2  invalid input, usage or configuration; sandbox command without the sandbox
  3  not found (unknown reference)
  4  unreachable: Temporal, the ledger database or the sandbox
  5  timeout (wait)
  6  rejected: reference taken by another payment, not allowed in this state, insufficient funds
  7  overloaded: Temporal is reachable but too slow or busy to answer (or no worker took the request)
  8  Temporal refused the request: permission, namespace, invalid request`;

/** The whole command tree; actions report through `session`. */
export function buildProgram(session: CliSession): Command {
  const program = new Command('pix')
    .description(
      'PIX payments on Temporal: cash-in, cash-out, status, refunds, rebalance, ledger and the local sandbox. ' +
        'Finds the local stack through <DATA_DIR>/stack.json (npm start), or the TEMPORAL_* variables.',
    )
    .version(packageVersion(), '-V, --version', 'print the version of pix (the package version) and exit')
    .option('--json', 'machine-readable output: one JSON document on stdout, errors as {"error": {...}}')
    .option('--connect-timeout <duration>', 'how long to wait for Temporal: seconds, or 500ms, 10s', '5s')
    .addHelpText('after', `\n${EXIT_CODE_HELP}`)
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => session.io.stdout(text),
      writeErr: (text) => session.io.stderr(text),
      // Usage errors are printed by runCli, like every other error (and as JSON with --json).
      outputError: () => undefined,
    })
    .hook('preAction', (command) => {
      const options = command.optsWithGlobals<{ json?: boolean; connectTimeout: string }>();
      const problems = new InputProblems();
      const connectTimeoutMs = problems.take('connectTimeoutMs', parseDuration(options.connectTimeout, 's'));
      session.setGlobals({ json: options.json === true, connectTimeoutMs: connectTimeoutMs ?? 5_000 });
      problems.throwIfAny();
    });
  // Subcommands inherit exitOverride and configureOutput from here.
  registerCashIn(program, session);
  registerCashOut(program, session);
  registerPaymentCommands(program, session);
  registerRebalance(program, session);
  registerReview(program, session);
  registerLedgerCommands(program, session);
  registerSandbox(program, session);
  return program;
}

/** Runs one command line (without `node main.js`) and returns its exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const session = new CliSession(io);
  // Known before parsing, so a usage error is reported in the requested mode.
  session.setGlobals({ json: argv.includes('--json'), connectTimeoutMs: 5_000 });
  const program = buildProgram(session);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError && err.exitCode === 0) return EXIT_CODES.ok; // --help, --version
    // No command given: commander has printed the help to stderr.
    if (err instanceof CommanderError && err.code === 'commander.help') return EXIT_CODES.invalidInput;
    session.fail(err, { connectTimeoutMs: '--connect-timeout' });
  } finally {
    await session.close();
  }
  return session.exitCode;
}

/**
 * Like any Unix tool, pix stops quietly once whoever reads its output is gone (`pix list | head -1`):
 * a write to a closed pipe fails with EPIPE, which would otherwise crash with a stack trace.
 */
function exitQuietlyWhenReaderLeaves(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT_CODES.ok);
    throw err;
  });
}

if (require.main === module) {
  exitQuietlyWhenReaderLeaves(process.stdout);
  exitQuietlyWhenReaderLeaves(process.stderr);
  loadDotEnv();
  runCli(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: processEnvironment(),
    now: () => new Date(),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = EXIT_CODES.unexpected;
    },
  );
}
