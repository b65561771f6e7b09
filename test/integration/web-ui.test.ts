import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../runtime/project-root';
import { freeStackPorts } from '../../scripts/ports';
import { GiveUp, waitFor } from '../../scripts/wait-for';
import { launchChromium } from '../helpers/browser';
import { type FreshLedgerDatabase, freshLedgerDatabase } from '../helpers/ledger-db';
import { cleanEnv, collectOutput, type RunResult, runNode } from '../helpers/processes';

// The Web UI as an operator sees it on `npm start` (payloads encrypted with the stack's own key, the
// Web UI pointed at the relay's codec), in a real browser: headless Chromium. Screenshots go to
// WEB_UI_SCREENSHOTS_DIR when set (docs/web-ui.md shows them), to a temporary folder otherwise.
const PAYER = { name: 'Ana Maria Souza', document: '529.982.247-25', digits: '52998224725' };
/** How the Web UI prints the metadata `encoding: binary/encrypted` of a payload it cannot decode. */
const ENCRYPTED_ENCODING = Buffer.from('binary/encrypted').toString('base64');
const UI_TIMEOUT_MS = 30_000;

describe('the Web UI of npm start in Chromium: decoded through the codec, encrypted without it', () => {
  const run = Math.random().toString(36).slice(2, 8);
  const settled = `ui-${run}-settled`;
  const waiting = `ui-${run}-waiting`;
  let dataDir: string;
  let screenshots: string;
  let ledgerDb: FreshLedgerDatabase;
  let launcher: { stop(): void; output: Promise<RunResult> };
  let uiUrl: string;
  let codecUrl: string;
  let browser: Browser;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'pix-web-ui-'));
    chmodSync(dataDir, 0o755);
    screenshots = process.env.WEB_UI_SCREENSHOTS_DIR ?? path.join(dataDir, 'screenshots');
    mkdirSync(screenshots, { recursive: true });
    ledgerDb = await freshLedgerDatabase();
    const ports = {
      ...(await freeStackPorts()),
    };
    uiUrl = `http://localhost:${ports.TEMPORAL_UI_PORT}`;
    codecUrl = `http://127.0.0.1:${ports.CODEC_PORT}`;
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'scripts', 'stack.js')], {
      cwd: PROJECT_ROOT,
      env: cleanEnv({
        ...ports,
        DATA_DIR: dataDir,
        LEDGER_DATABASE_URL: ledgerDb.url,
        REBALANCE_INTERVAL_SECONDS: '3600',
        LOG_LEVEL: 'warn',
      }),
    });
    let exited: RunResult | undefined;
    const output = collectOutput(child, 280_000).then((result) => {
      exited = result;
      return result;
    });
    launcher = { stop: () => child.kill('SIGTERM'), output };
    const [stackUp, chromium] = await Promise.all([
      waitFor(
        'stack.json',
        () => {
          if (exited) throw new GiveUp(`the launcher exited early (${exited.code}):\n${exited.stderr}`);
          return existsSync(path.join(dataDir, 'stack.json'));
        },
        { timeoutMs: 150_000, intervalMs: 250 },
      ),
      launchChromium(),
    ]);
    void stackUp;
    browser = chromium;

    // Two cash-ins from the CLI, which finds the stack and its key through DATA_DIR.
    const cli = async (args: string[]) => {
      const result = await runNode('client/cli/main.js', args, cleanEnv({ DATA_DIR: dataDir }));
      expect(result.code, `pix ${args.join(' ')}\n${result.stdout}\n${result.stderr}`).toBe(0);
    };
    const cashIn = (reference: string) =>
      cli(
        ['cash-in', '--user', `ui-${run}`, '--amount', '25', '--payer-name', PAYER.name].concat([
          '--payer-document',
          PAYER.document,
          '--ref',
          reference,
        ]),
      );
    await Promise.all([cashIn(settled), cashIn(waiting)]);
    await cli(['sandbox', 'pay', settled]);
    await cli(['wait', settled, '--timeout', '30s']);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    launcher?.stop();
    const result = await launcher?.output;
    await ledgerDb?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    expect(result?.code, result?.stderr).toBe(0);
  });

  async function openPage(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    return page;
  }
  const workflowUrl = (reference: string) => `${uiUrl}/namespaces/default/workflows/cash-in:${reference}`;

  it('lists the cash-ins of one PaymentStatus', async () => {
    const page = await openPage();
    try {
      const query = `PaymentStatus = "SETTLED" AND UserId = "ui-${run}"`;
      await page.goto(`${uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(query)}`);
      await page
        .getByRole('link', { name: `cash-in:${settled}` })
        .first()
        .waitFor();
      const list = (await page.textContent('main')) ?? '';
      expect(list).toContain(`cash-in:${settled}`);
      expect(list).not.toContain(`cash-in:${waiting}`);
      expect(list).toContain('PaymentStatus');
      await page.screenshot({ path: path.join(screenshots, 'web-ui-list-by-status.png') });
    } finally {
      await page.close();
    }
  });

  it("shows one cash-in's input decoded (the payer's name and CPF), its summary and its timeline", async () => {
    const page = await openPage();
    const codecCalls: string[] = [];
    page.on('request', (request) => {
      if (request.url().startsWith(codecUrl)) codecCalls.push(new URL(request.url()).pathname);
    });
    try {
      await page.goto(workflowUrl(settled));
      await page.getByText(PAYER.name).first().waitFor();
      const history = (await page.textContent('main')) ?? '';
      expect(history).toContain(`"name": "${PAYER.name}"`);
      expect(history).toContain(`"document": "${PAYER.digits}"`);
      expect(history).not.toContain(ENCRYPTED_ENCODING);
      // The timeline: every step of the lifecycle, up to the wallet credit.
      for (const step of ['createCashIn', 'pspEvent', 'getCashIn', 'creditCashIn'])
        expect(history).toContain(step);
      expect(codecCalls).toContain('/decode');
      await page.screenshot({ path: path.join(screenshots, 'web-ui-cash-in-decoded.png') });

      // The summary is a payload too: decoded, with the payer's name masked by design.
      await page.getByRole('tab', { name: 'User Metadata' }).click();
      const summary = page
        .frameLocator('iframe[src*="render"]')
        .first()
        .getByText('Cash-in R$ 25,00 · Ana S***');
      await summary.waitFor();
      await page.screenshot({ path: path.join(screenshots, 'web-ui-cash-in-summary.png') });
    } finally {
      await page.close();
    }
  });

  it('without the codec, the same page shows only binary/encrypted payloads', async () => {
    const page = await openPage();
    // A browser that cannot reach the codec: what Temporal stores, as anyone without the key sees it.
    await page.route(`${codecUrl}/**`, (route) => route.abort());
    try {
      await page.goto(workflowUrl(settled));
      await page.getByText(ENCRYPTED_ENCODING).first().waitFor();
      const history = (await page.textContent('main')) ?? '';
      expect(history).toContain('"encryption-key-id"');
      expect(history).not.toContain(PAYER.name);
      expect(history).not.toContain(PAYER.digits);
      await page.screenshot({ path: path.join(screenshots, 'web-ui-cash-in-encrypted.png') });
    } finally {
      await page.close();
    }
  });
});
