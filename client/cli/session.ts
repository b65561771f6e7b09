import { type ConnectOptions, connectPaymentsClient, locateServices } from '../connect';
import { SandboxNotInUseError } from '../errors';
import type { WalletBooks } from '../ledger-client';
import type { PaymentsClient } from '../payments-client';
import { SandboxControl } from '../sandbox-control';
import { openWalletBooks } from '../wallet-service-client';
import { describeError, EXIT_CODES, type OptionNames } from './exit-codes';
import { renderError, renderJson } from './output';

/** Where the CLI writes, what it reads; a test runs the CLI in-process with its own. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  now(): Date;
}

export interface GlobalOptions {
  json: boolean;
  connectTimeoutMs: number;
}

/** What a command hands back: the data (printed as is with --json) and its human rendering. */
export interface CommandOutput {
  data: unknown;
  human: string;
  /** A command whose answer is a finding (the ledger check's differences) ends with this code. */
  exitCode?: number;
}

/**
 * One CLI invocation: global options, the services it opens only when a command needs them
 * (so bad input fails before anything is contacted), printing and the exit code.
 */
export class CliSession {
  exitCode: number = EXIT_CODES.ok;
  private globals: GlobalOptions = { json: false, connectTimeoutMs: 5_000 };
  private paymentsClient?: Promise<PaymentsClient>;
  private ledgerClient?: WalletBooks;

  constructor(readonly io: CliIo) {}

  setGlobals(globals: GlobalOptions): void {
    this.globals = globals;
  }

  get json(): boolean {
    return this.globals.json;
  }

  private connectOptions(): ConnectOptions {
    return { env: this.io.env, connectTimeoutMs: this.globals.connectTimeoutMs };
  }

  payments(): Promise<PaymentsClient> {
    this.paymentsClient ??= connectPaymentsClient(this.connectOptions());
    return this.paymentsClient;
  }

  /** The built-in ledger, or the platform's wallet service when the stack or WALLET_BACKEND says so. */
  ledger(): WalletBooks {
    this.ledgerClient ??= openWalletBooks(locateServices(this.connectOptions()).endpoints);
    return this.ledgerClient;
  }

  sandbox(): SandboxControl {
    const { endpoints } = locateServices(this.connectOptions());
    if ('unavailable' in endpoints.sandbox) throw new SandboxNotInUseError(endpoints.sandbox.unavailable);
    return new SandboxControl(endpoints.sandbox.url);
  }

  /** Human progress lines (nothing in JSON mode, whose stdout is one document). */
  progress(line: string): void {
    if (!this.json) this.io.stdout(`${line}\n`);
  }

  /** Runs a command body: prints its output, or its error with the exit code that error means. */
  async run(optionNames: OptionNames, body: () => Promise<CommandOutput>): Promise<void> {
    try {
      const output = await body();
      this.io.stdout(`${this.json ? renderJson(output.data) : output.human}\n`);
      if (output.exitCode !== undefined) this.exitCode = output.exitCode;
    } catch (err) {
      this.fail(err, optionNames);
    }
  }

  fail(err: unknown, optionNames: OptionNames = {}): void {
    const described = describeError(err, optionNames);
    const text = `${renderError(described, this.json)}\n`;
    // JSON mode keeps stdout one parseable document, the error included.
    if (this.json) this.io.stdout(text);
    else this.io.stderr(text);
    this.exitCode = described.exitCode;
  }

  async close(): Promise<void> {
    const payments = await this.paymentsClient?.catch(() => undefined);
    await Promise.all([payments?.close(), this.ledgerClient?.close()]);
  }
}
