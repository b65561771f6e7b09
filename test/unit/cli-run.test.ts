import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { buildProgram, runCli } from '../../client/cli/main';
import { CliSession } from '../../client/cli/session';
import { PROJECT_ROOT } from '../../runtime/project-root';

// The CLI run in-process, for what is decided before any service is contacted: parsing, help,
// validation, exit codes. DATA_DIR is empty and Temporal points at a closed port, so a command
// that got as far as connecting would fail with exit 4 instead.
const dataDir = mkdtempSync(path.join(tmpdir(), 'pix-cli-unit-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env: { DATA_DIR: dataDir, TEMPORAL_ADDRESS: '127.0.0.1:1', ...env },
    now: () => new Date('2026-03-01T12:00:00Z'),
  });
  return { code, stdout, stderr };
}

function commandPaths(command: Command, prefix: string[] = []): string[][] {
  return command.commands.flatMap((sub) => {
    const here = [...prefix, sub.name()];
    return [here, ...commandPaths(sub, here)];
  });
}

describe('the CLI before it contacts anything', () => {
  const paths = commandPaths(
    buildProgram(new CliSession({ stdout() {}, stderr() {}, env: {}, now: () => new Date() })),
  );

  it('has every command of the brief', () => {
    expect(paths.map((p) => p.join(' '))).toEqual(
      expect.arrayContaining([
        'cash-in',
        'cash-out',
        'status',
        'wait',
        'list',
        'refund',
        'rebalance status',
        'rebalance trigger',
        'rebalance pause',
        'rebalance resume',
        'balance',
        'exposure',
        'sandbox pay',
        'sandbox expire',
        'sandbox complete',
        'sandbox fail',
        'sandbox return',
      ]),
    );
  });

  it('--help works on every command (exit 0, usage on stdout)', async () => {
    for (const commandPath of [[], ...paths]) {
      const result = await run([...commandPath, '--help']);
      expect(result.code, commandPath.join(' ')).toBe(0);
      expect(result.stdout).toContain(
        `Usage: pix${commandPath.length > 0 ? ` ${commandPath.join(' ')}` : ''}`,
      );
    }
    expect((await run(['--help'])).stdout).toContain('Exit codes:');
  });

  it('--version prints the package version and exits 0', async () => {
    const { version } = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(await run(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    expect((await run(['-V'])).stdout).toBe(`${version}\n`);
  });

  it('cash-in --open-finance with a bad --redirect-url: one line naming the option, exit 2; JSON too', async () => {
    const args = ['cash-in', '--user', 'alice', '--amount', '10', '--payer-name', 'Ana Souza'];
    args.push('--payer-document', '52998224725', '--open-finance', '--redirect-url', 'shop.example.com/back');
    expect(await run(args)).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'error: invalid input: --redirect-url must be an absolute http:// or https:// URL, e.g. https://shop.example.com/pix/return\n',
    });
    const json = await run([...args, '--json']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout).error.problems).toEqual([
      {
        field: 'openFinanceRedirectUrl',
        option: '--redirect-url',
        rule: 'must be an absolute http:// or https:// URL, e.g. https://shop.example.com/pix/return',
      },
    ]);
  });

  it('no command prints the help on stderr and exits 2', async () => {
    const result = await run([]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Usage: pix');
  });

  it('usage errors: one line, exit 2, as JSON with --json', async () => {
    expect(await run(['statu'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "error: unknown command 'statu' (Did you mean status?)\n",
    });
    const json = await run(['cash-in', '--json', '--user', 'a']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({
      error: { code: 'USAGE', message: "required option '--amount <reais>' not specified", exitCode: 2 },
    });
    expect(json.stderr).toBe('');
  });

  it('invalid input is reported with every problem before Temporal is contacted', async () => {
    const result = await run([
      'cash-in',
      ...['--user', 'alice', '--amount', '12,345', '--payer-name', 'Ana', '--payer-document', '11111111111'],
    ]);
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'error: invalid input: --amount must be a positive number with at most 2 decimals, e.g. 25.00; ' +
        '--payer-document must not be a repeated-digit CPF\n',
    });
    const list = await run(['list', '--json', '--since', 'soon', '--limit', '0']);
    expect(list.code).toBe(2);
    expect(JSON.parse(list.stdout).error.problems).toEqual([
      { field: 'since', option: '--since', rule: expect.stringMatching(/^must be an ISO date/) },
      { field: 'limit', option: '--limit', rule: 'must be an integer 1..1000' },
    ]);
    expect((await run(['wait', 'ref-1', '--timeout', 'forever'])).stderr).toBe(
      'error: invalid input: --timeout must be a duration such as 30s, 5m, 2h or 1d\n',
    );
    expect((await run(['status', 'bad ref'])).stderr).toBe(
      'error: invalid input: <ref> must be 1-100 letters, digits and . _ : -\n',
    );
  });

  it('sandbox commands with a real ConnectPSP: a clear error, exit 2', async () => {
    const result = await run(['sandbox', 'complete', 'co-1'], {
      CONNECTPSP_BASE_URL: 'https://api.connectpsp.com',
      CONNECTPSP_CLIENT_ID: '1',
      CONNECTPSP_CLIENT_SECRET: 's',
      CONNECTPSP_APPLICATION_TOKEN: 't',
      CONNECTPSP_CRYPTO_TOKEN: 'c',
    });
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'error: CONNECTPSP_BASE_URL is set: the PSP is a real ConnectPSP, which has no sandbox control API\n',
    });
  });

  it('invalid configuration is reported like invalid input (exit 2), values never shown', async () => {
    const result = await run(['--json', 'exposure'], { LEDGER_DATABASE_URL: 'mysql://user:hunter2@db/x' });
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout).error).toMatchObject({
      code: 'INVALID_CONFIG',
      problems: [{ field: 'LEDGER_DATABASE_URL', rule: 'must be a postgres:// URL' }],
    });
    expect(result.stdout).not.toContain('hunter2');
    expect((await run(['--connect-timeout', 'never', 'status', 'x'])).stderr).toBe(
      'error: invalid input: --connect-timeout must be a duration such as 30s, 5m, 2h or 1d\n',
    );
  });
});
