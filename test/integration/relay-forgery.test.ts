import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cashInEvent } from '../../bench/webhook-events';
import { webhookSignature } from '../../domain/connectpsp/signatures';
import { SYSTEM_ACCOUNTS } from '../../domain/ledger';
import { SANDBOX_CREDENTIALS } from '../../runtime/config';
import { PROJECT_ROOT } from '../../runtime/project-root';
import { type RunningSandbox, startSandbox } from '../../sandbox/server';
import type { CashInStatus, CashOutStatus } from '../../workflows/messages';
import { parkedEventWorkflowId } from '../../workflows/parked-event';
import { useLifecycleEnv } from '../helpers/lifecycle-env';
import { SandboxCaller } from '../helpers/sandbox-kit';

// Every way to get a webhook past the relay that is not ConnectPSP sending it once, each checked
// for its answer and for what it changed: the signals its lifecycle received, parked events, the
// ledger and the PSP's records. The table this test observes must be the one in docs/relay.md.

const SIGNATURE = 'x-connect-signature';

interface Answer {
  status: number;
  /** The problem code, or the delivery outcome of a 200. */
  answer: string;
}

/** Posts raw bytes with exactly these headers (repeats allowed), as an attacker or the PSP would. */
async function postRaw(
  url: string,
  body: string | Buffer,
  headers: Array<[string, string]>,
): Promise<Answer> {
  const res = await request(url, {
    method: 'POST',
    body,
    headers: [['content-type', 'application/json'], ...headers].flat(),
  });
  const json = (await res.body.json()) as { code?: string; outcome?: string; reason?: string };
  const answer = json.code ?? `${json.outcome}${json.reason ? ` (${json.reason})` : ''}`;
  return { status: res.statusCode, answer };
}

interface Captured {
  body: Buffer;
  signature: string;
  eventType: string;
  reference: string;
}

/** Stands between a PSP and the relay: records each webhook's exact bytes, then forwards them. */
async function startWebhookTap(
  relayWebhookUrl: string,
): Promise<{ url: string; captured: Captured[]; server: Server }> {
  const captured: Captured[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const signature = String(req.headers[SIGNATURE] ?? '');
      const event = JSON.parse(body.toString('utf8'));
      captured.push({ body, signature, eventType: event.eventType, reference: event.data.externalReference });
      const forwarded = await request(relayWebhookUrl, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', [SIGNATURE]: signature },
      });
      res.statusCode = forwarded.statusCode;
      res.end(await forwarded.body.text());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, captured, server };
}

interface Target {
  workflowId: string;
  userId: string;
  reference: string;
  transactionId: string;
  eventType: string;
}

interface Effects {
  signals: number;
  parked: boolean;
  wallet: unknown;
  settlement: unknown;
  unbalanced: number;
  psp: unknown;
}

describe('forged and replayed webhooks: status codes and effects (docs/relay.md table)', () => {
  const env = useLifecycleEnv();
  let tap: Awaited<ReturnType<typeof startWebhookTap>>;
  let otherTenant: RunningSandbox;
  const observed: string[][] = [];

  beforeAll(async () => {
    tap = await startWebhookTap(env.webhookUrl);
    otherTenant = await startSandbox({
      port: 0,
      credentials: {
        clientId: '2000002',
        clientSecret: 'another-tenant-secret',
        applicationToken: 'another-tenant-application-token',
        cryptoToken: 'another-tenant-crypto-token',
      },
    });
  });
  afterAll(async () => {
    await otherTenant?.close();
    await new Promise((resolve) => tap?.server.close(resolve));
  });

  async function effectsOn(target: Target): Promise<Effects> {
    const handle = env.client.workflow.getHandle(target.workflowId);
    const history = await handle.fetchHistory();
    const parked = await env.client.workflow
      .getHandle(parkedEventWorkflowId(target.transactionId, target.eventType))
      .describe()
      .then(
        () => true,
        (err: unknown) => {
          if (err instanceof WorkflowNotFoundError) return false;
          throw err;
        },
      );
    return {
      signals: (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes).length,
      parked,
      wallet: await env.wallet.db.ledger.getBalances(`user:${target.userId}`),
      settlement: await env.wallet.db.ledger.getBalances(SYSTEM_ACCOUNTS.pspSettlement),
      unbalanced: await env.wallet.db.ledger.checkBalanced(),
      psp: await env.pspTransactions(target.reference),
    };
  }

  /** Sends one case, measures what changed, and records its row. Money must never move. */
  async function check(label: string, target: Target, send: () => Promise<Answer>): Promise<Answer> {
    const before = await effectsOn(target);
    const answer = await send();
    const after = await effectsOn(target);
    const moved =
      JSON.stringify([before.wallet, before.settlement, before.psp]) !==
      JSON.stringify([after.wallet, after.settlement, after.psp]);
    expect({ label, moved, unbalanced: after.unbalanced }).toEqual({ label, moved: false, unbalanced: 0 });
    const effect =
      after.signals > before.signals
        ? 'signal ignored by its workflow (already applied): no ledger or PSP change'
        : after.parked && !before.parked
          ? 'parked for an operator: no ledger or PSP change'
          : 'none: nothing signalled or parked, no ledger or PSP change';
    observed.push([label, String(answer.status), `\`${answer.answer}\``, effect]);
    return answer;
  }

  it('signatures: every malformed, forged or misplaced X-Connect-Signature gets 401 and changes nothing', async () => {
    // The target: a charge waiting for its payment. A CASHIN_PAID that got in would wake it up.
    const { handle, charge } = await env.startCashIn(env.cashInInput({ webhookUrl: tap.url }));
    const waiting = await env.waitForState<CashInStatus>(handle, 'AWAITING_PAYMENT');
    const target: Target = {
      workflowId: handle.workflowId,
      userId: waiting.userId,
      reference: waiting.reference,
      transactionId: charge.transactionId,
      eventType: 'CASHIN_PAID',
    };
    const forged = cashInEvent(target.reference, { transactionId: target.transactionId });
    const body = JSON.stringify(forged);
    const genuine = webhookSignature(body, SANDBOX_CREDENTIALS.cryptoToken);
    const url = env.webhookUrl;
    const cases: Array<[string, string, Array<[string, string]>]> = [
      ['no `X-Connect-Signature` header', body, []],
      ['empty header', body, [[SIGNATURE, '']]],
      ['forged: 64 random hex digits', body, [[SIGNATURE, randomBytes(32).toString('hex')]]],
      ['truncated: the right signature less its last digit', body, [[SIGNATURE, genuine.slice(0, -1)]]],
      [
        'wrong key: HMAC with another CryptoToken',
        body,
        [[SIGNATURE, webhookSignature(body, 'not-the-crypto-token')]],
      ],
      ['the right signature in uppercase hex', body, [[SIGNATURE, genuine.toUpperCase()]]],
      [
        'duplicated header: the right signature, then a forged one',
        body,
        [
          [SIGNATURE, genuine],
          [SIGNATURE, randomBytes(32).toString('hex')],
        ],
      ],
      [
        'duplicated header: the right signature twice',
        body,
        [
          [SIGNATURE, genuine],
          [SIGNATURE, genuine],
        ],
      ],
      [
        'the signed body re-serialised with other whitespace',
        JSON.stringify(forged, null, 2),
        [[SIGNATURE, genuine]],
      ],
      [
        'the signed body re-serialised with its keys reordered',
        JSON.stringify(Object.fromEntries(Object.entries(forged).reverse())),
        [[SIGNATURE, genuine]],
      ],
    ];
    for (const [label, sentBody, headers] of cases) {
      const answer = await check(label, target, () => postRaw(url, sentBody, headers));
      expect({ label, status: answer.status }).toEqual({ label, status: 401 });
    }
    expect((await env.waitForState<CashInStatus>(handle, 'AWAITING_PAYMENT')).ledger.credited).toBe(false);
  });

  it('replays: a genuine body again is ignored while its lifecycle runs, and acknowledged as already known once it closed', async () => {
    // A cash-in paid for real: its genuine CASHIN_PAID (exact bytes and signature) is captured.
    const { handle: cashIn, charge } = await env.startCashIn(env.cashInInput({ webhookUrl: tap.url }));
    await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`);
    const settled = await env.waitForState<CashInStatus>(cashIn, 'SETTLED');
    const paid = tap.captured.find((c) => c.reference === settled.reference && c.eventType === 'CASHIN_PAID');
    if (!paid) throw new Error('the genuine CASHIN_PAID was not captured');
    const replay = (captured: Captured) => () =>
      postRaw(env.webhookUrl, captured.body, [[SIGNATURE, captured.signature]]);
    const running = await check(
      'a genuine body replayed while its lifecycle runs (settled, watching for refunds)',
      {
        workflowId: cashIn.workflowId,
        userId: settled.userId,
        reference: settled.reference,
        transactionId: charge.transactionId,
        eventType: 'CASHIN_PAID',
      },
      replay(paid),
    );
    expect(running.status).toBe(200);
    expect((await env.waitForState<CashInStatus>(cashIn, 'SETTLED')).ledger.credited).toBe(true);

    // A cash-out the PSP failed: given back, closed. Its genuine CASHOUT_FAILED comes again.
    const input = env.cashOutInput({ webhookUrl: tap.url });
    await env.fundUser(input.userId, input.amountCents);
    const cashOut = await env.startCashOut(input);
    const processing = await env.waitForState<CashOutStatus>(cashOut, 'PROCESSING');
    await env.psp.control('POST', `/cash-out/${processing.psp.transactionId}/fail`);
    await env.waitForState<CashOutStatus>(cashOut, 'REFUNDED');
    await env.waitUntil('the cash-out workflow closed', async () => {
      return (await cashOut.describe()).status.name === 'COMPLETED';
    });
    const failed = tap.captured.find(
      (c) => c.reference === input.reference && c.eventType === 'CASHOUT_FAILED',
    );
    if (!failed) throw new Error('the genuine CASHOUT_FAILED was not captured');
    const closed = await check(
      'a genuine body replayed after its lifecycle closed (what its final record already says)',
      {
        workflowId: cashOut.workflowId,
        userId: input.userId,
        reference: input.reference,
        transactionId: processing.psp.transactionId as string,
        eventType: 'CASHOUT_FAILED',
      },
      replay(failed),
    );
    expect(closed).toEqual({ status: 200, answer: 'delivered' });
  });

  it('another tenant: a body ConnectPSP genuinely signed for another account, naming our reference, gets 401', async () => {
    const { handle, charge } = await env.startCashIn(env.cashInInput());
    const ours = await env.waitForState<CashInStatus>(handle, 'AWAITING_PAYMENT');
    // The other account's PSP charges under the same externalReference and posts to our relay.
    const theirs = new SandboxCaller(otherTenant.url, {
      clientId: '2000002',
      clientSecret: 'another-tenant-secret',
      applicationToken: 'another-tenant-application-token',
      cryptoToken: 'another-tenant-crypto-token',
    });
    const created = await theirs.call('POST', '/cash-in', {
      idempotencyKey: true,
      body: {
        amount: 25,
        externalReference: ours.reference,
        webhookUrl: tap.url,
        payer: { name: 'Outro Pagador', document: '11144477735' },
      },
    });
    expect(created.status).toBe(201);
    await theirs.control('POST', `/cash-in/${created.body.transactionId}/pay`);
    await env.waitUntil('the other tenant’s webhook reached the relay', async () =>
      tap.captured.some((c) => c.reference === ours.reference && c.eventType === 'CASHIN_PAID'),
    );
    const theirWebhook = tap.captured.find((c) => c.reference === ours.reference) as Captured;
    const answer = await check(
      'a genuine body of another tenant (its own CryptoToken) naming one of our references',
      {
        workflowId: handle.workflowId,
        userId: ours.userId,
        reference: ours.reference,
        transactionId: charge.transactionId,
        eventType: 'CASHIN_PAID',
      },
      () => postRaw(env.webhookUrl, theirWebhook.body, [[SIGNATURE, theirWebhook.signature]]),
    );
    expect(answer).toEqual({ status: 401, answer: 'INVALID_SIGNATURE' });
    expect((await env.waitForState<CashInStatus>(handle, 'AWAITING_PAYMENT')).ledger.credited).toBe(false);
  });

  it('is the table of docs/relay.md', () => {
    const doc = readFileSync(path.join(PROJECT_ROOT, 'docs', 'relay.md'), 'utf8');
    const table = doc.split('<!-- forgery-table:start -->')[1]?.split('<!-- forgery-table:end -->')[0] ?? '';
    const rows = table
      .split('\n')
      .filter((line) => line.startsWith('| ') && !line.startsWith('| sent') && !line.startsWith('|---'))
      .map((line) =>
        line
          .slice(2, -2)
          .split(' | ')
          .map((cell) => cell.trim()),
      );
    const markdown = observed.map((row) => `| ${row.join(' | ')} |`).join('\n');
    expect(rows, `docs/relay.md should list exactly:\n${markdown}`).toEqual(observed);
  });
});
