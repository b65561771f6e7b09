import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cashInEvent } from '../../bench/webhook-events';
import { ValidationError } from '../../client/errors';
import { digitalSignature, webhookSignature } from '../../domain/connectpsp/signatures';
import { SANDBOX_CREDENTIALS } from '../../runtime/config';
import { parkedEventQuery } from '../../workflows/parked-event';
import { type CliStack, startCliStack } from '../helpers/cli-stack';
import type { Json } from '../helpers/sandbox-kit';

// Bad input at each of the four doors (library, CLI, relay, sandbox API), table-driven: every case
// must be refused with its field and a rule, with the documented code or exit, and change nothing:
// no ledger transfer, no workflow for its reference, no PSP transaction. One rule of the relay
// differs: a body whose signature is right is never refused for its shape (ConnectPSP would retry
// it, then give up, and the event would be lost): it is parked, answered 200 with the field and
// the rule, and moves no money (docs/relay.md).

type Door = 'library' | 'cli' | 'relay' | 'sandbox';

interface Answer {
  /** `ValidationError`, `exit 2 INVALID_INPUT`, or `<HTTP status> <problem code>`. */
  code: string;
  problems: Array<{ field: string; rule: string }>;
}

interface Case {
  door: Door;
  kind: 'cash-in' | 'cash-out';
  category: string;
  label: string;
  /** The field the answer must name (CLI: the option). */
  field: string;
  rule: RegExp;
  code: string;
  /** The payment reference the case would create if it got through. */
  reference: string;
  send(): Promise<Answer>;
}

/** What the relay answers a signed body it cannot read: parked, visible, resolvable; never a 400. */
const PARKED = '200 parked';

const VALID = { cpf: '52998224725', cnpj: '11222333000181', name: 'Ana Souza', payee: 'Bruno Lima' };
const TWO_KB = 'x'.repeat(2048);

/** Amounts as each door takes them: centavos (library), text (CLI), reais (JSON bodies). */
const AMOUNTS: Array<{ label: string; cents: unknown; text: string; reais: unknown; rule: RegExp }> = [
  { label: 'negative', cents: -1000, text: '-10.00', reais: -10, rule: /greater than zero|positive/ },
  { label: 'zero', cents: 0, text: '0', reais: 0, rule: /greater than zero/ },
  { label: '3 decimals', cents: 2500.1, text: '25.001', reais: 25.001, rule: /decimal|integer/ },
  { label: 'NaN', cents: Number.NaN, text: 'NaN', reais: 'NaN', rule: /integer|number/ },
  { label: 'exponent', cents: 1e-3, text: '1e3', reais: 1e-3, rule: /decimal|integer|number/ },
  {
    label: 'more than 2^53 centavos',
    cents: 2 ** 53 + 2,
    text: '90071992547409.93',
    reais: (2 ** 53 + 2) / 100,
    rule: /at most R\$|integer/,
  },
  {
    label: 'a string with a thousands comma',
    cents: '1,000.00',
    text: '1,000.00',
    reais: '1,000.00',
    rule: /number|decimals/,
  },
  {
    label: 'a string with a decimal comma',
    cents: '25,00',
    text: '25,001',
    reais: '25,00',
    rule: /number|decimals/,
  },
];

/** Every class of invalid CPF and CNPJ, the alphanumeric CNPJ included. */
const DOCUMENTS: Array<{ label: string; value: string }> = [
  { label: 'CPF with a wrong check digit', value: '52998224724' },
  { label: 'CPF of one repeated digit', value: '11111111111' },
  { label: 'CPF too short', value: '5299822472' },
  { label: 'CPF too long', value: '529982247251' },
  { label: 'CPF with a letter', value: '5299822472A' },
  { label: 'CNPJ with a wrong check digit', value: '11222333000180' },
  { label: 'CNPJ of one repeated digit', value: '00000000000000' },
  { label: 'alphanumeric CNPJ with wrong check digits', value: '12ABC34501DE34' },
  { label: 'alphanumeric CNPJ with letters as check digits', value: '12ABC34501DEAB' },
  { label: 'empty', value: '' },
];

/** A wrong key of every PIX key type, and one of no type. */
const PIX_KEYS: Array<{ label: string; type?: string; key: string }> = [
  { label: 'e-mail without a domain', type: 'EMAIL', key: 'bruno@' },
  { label: 'phone too short', type: 'PHONE', key: '+55119876' },
  { label: 'CPF key with a wrong check digit', type: 'CPF', key: '52998224724' },
  { label: 'CNPJ key with a wrong check digit', type: 'CNPJ', key: '11222333000180' },
  { label: 'EVP that is no UUID', type: 'EVP', key: 'not-a-uuid-at-all' },
  { label: 'a key of no type', key: 'hello world' },
  { label: 'a key longer than 77 characters', type: 'EMAIL', key: `${'a'.repeat(80)}@example.com` },
];

/** References and user ids that would escape a path, a query or a workflow id, or fool a reader. */
const IDS: Array<{ label: string; value: string }> = [
  { label: 'path traversal', value: '../../etc/passwd' },
  { label: 'SQL metacharacters', value: "x'; DROP TABLE ledger_transfers;--" },
  { label: 'visibility-query metacharacters', value: "a' OR PaymentReference = 'b" },
  { label: 'a unicode look-alike (Cyrillic а)', value: 'pаyout-1' },
  { label: 'a 2 KB string', value: TWO_KB },
];

describe('bad-input matrix: four doors, every case refused with its field and rule, nothing changed', () => {
  let stack: CliStack;
  const cases: Case[] = [];
  let counter = 0;
  const fresh = (prefix: string) => `matrix-${prefix}-${++counter}-${randomUUID().slice(0, 8)}`;

  // ---- the four doors, each turning one input into an Answer ----

  const library = (kind: Case['kind'], input: Record<string, unknown>) => async (): Promise<Answer> => {
    try {
      if (kind === 'cash-in') await stack.payments.startCashIn(input as never);
      else await stack.payments.startCashOut(input as never);
      return { code: 'accepted', problems: [] };
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return {
        code: 'ValidationError',
        problems: err.problems.map((p) => ({ field: p.field, rule: p.rule })),
      };
    }
  };

  const cli = (args: string[]) => async (): Promise<Answer> => {
    const result = await stack.cliJson<{ error?: { code: string; exitCode: number; problems?: Json[] } }>(
      args,
    );
    const error = result.json.error;
    if (!error) return { code: `exit ${result.code} accepted`, problems: [] };
    return {
      code: `exit ${result.code} ${error.code}`,
      problems: (error.problems ?? []).map((p: Json) => ({ field: p.option ?? p.field, rule: p.rule })),
    };
  };

  const http =
    (url: string, body: string | Buffer, headers: Record<string, string>) => async (): Promise<Answer> => {
      const res = await request(url, { method: 'POST', body, headers });
      const json = (await res.body.json()) as Json;
      return {
        code: `${res.statusCode} ${json.code ?? json.outcome}`,
        problems: (json.errors ?? []).map((e: Json) => ({ field: e.field, rule: e.message })),
      };
    };

  const sandboxPost =
    (path: string, body: unknown, raw?: { text: string; contentType: string }) => async () => {
      const headers: Record<string, string> = {
        authorization: `Bearer ${await stack.env.psp.accessToken()}`,
        applicationtoken: SANDBOX_CREDENTIALS.applicationToken,
        'x-idempotency-key': randomUUID(),
        'content-type': raw?.contentType ?? 'application/json',
      };
      if (path === '/cash-out') {
        headers.digitalsignature = digitalSignature(
          await stack.env.psp.accessToken(),
          SANDBOX_CREDENTIALS.cryptoToken,
        );
      }
      return http(`${stack.env.sandbox.url}${path}`, raw?.text ?? JSON.stringify(body), headers)();
    };

  const relayPost =
    (body: string, contentType = 'application/json') =>
    (): Promise<Answer> =>
      http(stack.env.webhookUrl, body, {
        'content-type': contentType,
        'x-connect-signature': webhookSignature(body, SANDBOX_CREDENTIALS.cryptoToken),
      })();

  // ---- valid baselines per door, each case changing one thing ----

  const cashInInput = (reference: string, change: Record<string, unknown> = {}) => ({
    reference,
    userId: 'matrix-user',
    amountCents: 25_00,
    payer: { name: VALID.name, document: VALID.cpf },
    ...change,
  });
  const cashOutInput = (
    reference: string,
    payee: Record<string, unknown> = {},
    change: Record<string, unknown> = {},
  ) => ({
    reference,
    userId: 'matrix-user',
    amountCents: 10_00,
    payee: { name: VALID.payee, document: VALID.cnpj, pixKey: 'bruno@example.com', ...payee },
    ...change,
  });
  const cashInArgs = (reference: string, change: Record<string, string> = {}) => {
    const options: Record<string, string> = {
      '--user': 'matrix-user',
      '--amount': '25.00',
      '--payer-name': VALID.name,
      '--payer-document': VALID.cpf,
      '--ref': reference,
      ...change,
    };
    return ['cash-in', ...Object.entries(options).flat()];
  };
  const cashOutArgs = (reference: string, change: Record<string, string> = {}) => {
    const options: Record<string, string> = {
      '--user': 'matrix-user',
      '--amount': '10.00',
      '--payee-name': VALID.payee,
      '--payee-document': VALID.cnpj,
      '--pix-key': 'bruno@example.com',
      '--ref': reference,
      ...change,
    };
    return ['cash-out', ...Object.entries(options).flat()];
  };
  const sandboxCashIn = (reference: string, change: Record<string, unknown> = {}) => ({
    amount: 25,
    externalReference: reference,
    payer: { name: VALID.name, document: VALID.cpf },
    ...change,
  });
  const sandboxCashOut = (
    reference: string,
    destination: Record<string, unknown>,
    change: Record<string, unknown> = {},
  ) => ({
    amount: 10,
    externalReference: reference,
    payee: { name: VALID.payee, document: VALID.cnpj, destination: { type: 'PIX', ...destination } },
    ...change,
  });
  const relayEvent = (reference: string, data: Record<string, unknown> = {}) => {
    const event = cashInEvent(reference);
    return JSON.stringify({ ...event, data: { ...event.data, ...data } });
  };

  const add = (c: Omit<Case, 'send'> & { send: () => Promise<Answer> }) => cases.push(c);

  // ---- amounts: library and CLI (cash-in and cash-out), sandbox, relay ----
  for (const amount of AMOUNTS) {
    for (const kind of ['cash-in', 'cash-out'] as const) {
      const ref = fresh('amount');
      add({
        door: 'library',
        kind,
        category: 'amount',
        label: amount.label,
        field: 'amountCents',
        rule: amount.rule,
        code: 'ValidationError',
        reference: ref,
        send: library(
          kind,
          kind === 'cash-in'
            ? cashInInput(ref, { amountCents: amount.cents })
            : cashOutInput(ref, {}, { amountCents: amount.cents }),
        ),
      });
      const cliRef = fresh('amount');
      add({
        door: 'cli',
        kind,
        category: 'amount',
        label: amount.label,
        field: '--amount',
        rule: amount.rule,
        code: 'exit 2 INVALID_INPUT',
        reference: cliRef,
        send: cli(
          kind === 'cash-in'
            ? cashInArgs(cliRef, { '--amount': amount.text })
            : cashOutArgs(cliRef, { '--amount': amount.text }),
        ),
      });
    }
    const sandboxRef = fresh('amount');
    add({
      door: 'sandbox',
      kind: 'cash-in',
      category: 'amount',
      label: amount.label,
      field: 'amount',
      rule: /greater than zero|decimal|number|at most/,
      code: '400 INVALID_REQUEST',
      reference: sandboxRef,
      send: sandboxPost('/cash-in', sandboxCashIn(sandboxRef, { amount: amount.reais })),
    });
    const relayRef = fresh('amount');
    add({
      door: 'relay',
      kind: 'cash-in',
      category: 'amount',
      label: amount.label,
      field: 'data.amount',
      rule: /greater than zero|decimal|number|at most/,
      code: PARKED,
      reference: relayRef,
      send: relayPost(relayEvent(relayRef, { amount: amount.reais })),
    });
  }

  // ---- documents: library and CLI (payer and payee), sandbox (payer and payee) ----
  for (const document of DOCUMENTS) {
    const rule = /CPF|CNPJ|check digit|digits|characters|empty/i;
    const [a, b, c, d, e, f] = [
      fresh('doc'),
      fresh('doc'),
      fresh('doc'),
      fresh('doc'),
      fresh('doc'),
      fresh('doc'),
    ];
    add({
      door: 'library',
      kind: 'cash-in',
      category: 'document',
      label: document.label,
      field: 'payer.document',
      rule,
      code: 'ValidationError',
      reference: a,
      send: library('cash-in', cashInInput(a, { payer: { name: VALID.name, document: document.value } })),
    });
    add({
      door: 'library',
      kind: 'cash-out',
      category: 'document',
      label: document.label,
      field: 'payee.document',
      rule,
      code: 'ValidationError',
      reference: b,
      send: library('cash-out', cashOutInput(b, { document: document.value })),
    });
    add({
      door: 'cli',
      kind: 'cash-in',
      category: 'document',
      label: document.label,
      field: '--payer-document',
      rule,
      code: 'exit 2 INVALID_INPUT',
      reference: c,
      send: cli(cashInArgs(c, { '--payer-document': document.value })),
    });
    add({
      door: 'cli',
      kind: 'cash-out',
      category: 'document',
      label: document.label,
      field: '--payee-document',
      rule,
      code: 'exit 2 INVALID_INPUT',
      reference: d,
      send: cli(cashOutArgs(d, { '--payee-document': document.value })),
    });
    add({
      door: 'sandbox',
      kind: 'cash-in',
      category: 'document',
      label: document.label,
      field: 'payer.document',
      rule,
      code: '400 INVALID_REQUEST',
      reference: e,
      send: sandboxPost(
        '/cash-in',
        sandboxCashIn(e, { payer: { name: VALID.name, document: document.value } }),
      ),
    });
    add({
      door: 'sandbox',
      kind: 'cash-out',
      category: 'document',
      label: document.label,
      field: 'payee.document',
      rule,
      code: '400 INVALID_REQUEST',
      reference: f,
      send: sandboxPost('/cash-out', {
        ...sandboxCashOut(f, { pixKeyType: 'EMAIL', pixKey: 'bruno@example.com' }),
        payee: {
          name: VALID.payee,
          document: document.value,
          destination: { type: 'PIX', pixKeyType: 'EMAIL', pixKey: 'bruno@example.com' },
        },
      }),
    });
  }

  // ---- PIX keys of every type: library, CLI, sandbox ----
  for (const key of PIX_KEYS) {
    const rule = /e-mail|phone|mobile number|CPF|CNPJ|UUID|EVP|type|characters|valid|canonical/i;
    const [a, b, c] = [fresh('key'), fresh('key'), fresh('key')];
    add({
      door: 'library',
      kind: 'cash-out',
      category: 'PIX key',
      label: key.label,
      field: 'payee.pixKey',
      rule,
      code: 'ValidationError',
      reference: a,
      send: library(
        'cash-out',
        cashOutInput(a, { pixKey: key.key, ...(key.type ? { pixKeyType: key.type } : {}) }),
      ),
    });
    add({
      door: 'cli',
      kind: 'cash-out',
      category: 'PIX key',
      label: key.label,
      field: '--pix-key',
      rule,
      code: 'exit 2 INVALID_INPUT',
      reference: b,
      send: cli(
        cashOutArgs(b, { '--pix-key': key.key, ...(key.type ? { '--pix-key-type': key.type } : {}) }),
      ),
    });
    add({
      door: 'sandbox',
      kind: 'cash-out',
      category: 'PIX key',
      label: key.label,
      field: 'payee.destination.pixKey',
      rule,
      code: '400 INVALID_REQUEST',
      reference: c,
      send: sandboxPost('/cash-out', sandboxCashOut(c, { pixKeyType: key.type ?? 'EMAIL', pixKey: key.key })),
    });
  }

  // ---- references and user ids: library and CLI (both fields), sandbox (reference) ----
  for (const id of IDS) {
    const rule = /letters, digits|characters/;
    add({
      door: 'library',
      kind: 'cash-in',
      category: 'reference',
      label: id.label,
      field: 'reference',
      rule,
      code: 'ValidationError',
      reference: id.value,
      send: library('cash-in', cashInInput(id.value)),
    });
    add({
      door: 'cli',
      kind: 'cash-in',
      category: 'reference',
      label: id.label,
      field: '--ref',
      rule,
      code: 'exit 2 INVALID_INPUT',
      reference: id.value,
      send: cli(cashInArgs(id.value)),
    });
    const [a, b] = [fresh('user'), fresh('user')];
    add({
      door: 'library',
      kind: 'cash-out',
      category: 'user id',
      label: id.label,
      field: 'userId',
      rule,
      code: 'ValidationError',
      reference: a,
      send: library('cash-out', cashOutInput(a, {}, { userId: id.value })),
    });
    add({
      door: 'cli',
      kind: 'cash-out',
      category: 'user id',
      label: id.label,
      field: '--user',
      rule,
      code: 'exit 2 INVALID_INPUT',
      reference: b,
      send: cli(cashOutArgs(b, { '--user': id.value })),
    });
  }
  // The PSP's own rule for externalReference is its length; the 2 KB one is what it refuses.
  const longRef = TWO_KB;
  add({
    door: 'sandbox',
    kind: 'cash-in',
    category: 'reference',
    label: 'a 2 KB string',
    field: 'externalReference',
    rule: /at most 100/,
    code: '400 INVALID_REQUEST',
    reference: longRef,
    send: sandboxPost('/cash-in', sandboxCashIn(longRef)),
  });

  // ---- bodies: relay and sandbox ----
  const deep = `${'['.repeat(100)}1${']'.repeat(100)}`;
  const bodyCases = (door: 'relay' | 'sandbox') => {
    const ref = fresh('body');
    const valid = door === 'relay' ? relayEvent(ref) : JSON.stringify(sandboxCashIn(ref));
    const send = (text: string, contentType = 'application/json') =>
      door === 'relay' ? relayPost(text, contentType) : sandboxPost('/cash-in', null, { text, contentType });
    const invalid = door === 'relay' ? PARKED : '400 INVALID_REQUEST';
    const ambiguous = door === 'relay' ? PARKED : '400 INVALID_REQUEST';
    const duplicated =
      door === 'relay'
        ? valid.replace('"amount":150.25', '"amount":150.25,"amount":1500.25')
        : valid.replace('"amount":25', '"amount":25,"amount":2500');
    return [
      {
        label: 'invalid JSON',
        text: valid.slice(0, -5),
        contentType: 'application/json',
        code: invalid,
        field: '(body)',
        rule: /valid JSON/,
      },
      {
        label: 'wrong content type',
        text: valid,
        contentType: 'text/plain',
        code: door === 'relay' ? '415 UNSUPPORTED_MEDIA_TYPE' : '400 INVALID_REQUEST',
        field: 'Content-Type',
        rule: /application\/json/,
      },
      {
        label: 'over the size limit',
        text: JSON.stringify({
          ...JSON.parse(valid),
          padding: 'x'.repeat(door === 'relay' ? 300 * 1024 : 1100 * 1024),
        }),
        contentType: 'application/json',
        code: door === 'relay' ? '413 PAYLOAD_TOO_LARGE' : '400 INVALID_REQUEST',
        field: '(body)',
        rule: /at most \d+ bytes/,
      },
      {
        label: 'deeply nested',
        text: valid.replace(/}$/, `,"extra":${deep}}`),
        contentType: 'application/json',
        code: ambiguous,
        field: '(body)',
        rule: /nested at most 16/,
      },
      {
        label: 'a duplicate key',
        text: duplicated,
        contentType: 'application/json',
        code: ambiguous,
        field: door === 'relay' ? 'data.amount' : 'amount',
        rule: /only once/,
      },
    ].map((c) => ({ ...c, ref, send: send(c.text, c.contentType) }));
  };
  for (const door of ['relay', 'sandbox'] as const) {
    for (const c of bodyCases(door)) {
      add({
        door,
        kind: 'cash-in',
        category: 'body',
        label: c.label,
        field: c.field,
        rule: c.rule,
        code: c.code,
        reference: c.ref,
        send: c.send,
      });
    }
  }

  beforeAll(async () => {
    stack = await startCliStack();
  }, 60_000);
  afterAll(() => stack?.close());

  /** What a case could have changed: ledger transfers, PSP transactions, workflows of its reference. */
  async function world(reference: string) {
    const { rows } = await stack.env.wallet.db.pool.query('SELECT count(*)::int AS n FROM ledger_transfers');
    const { body } = await stack.env.psp.control('GET', '/transactions');
    const workflows: string[] = [];
    for (const id of [`cash-in:${reference}`, `cash-out:${reference}`]) {
      const exists = await stack.env.client.workflow
        .getHandle(id)
        .describe()
        .then(
          () => true,
          () => false, // not found, or an id Temporal refuses outright
        );
      if (exists) workflows.push(id);
    }
    return {
      transfers: rows[0].n as number,
      pspTransactions: body.cashIns.length + body.cashOuts.length,
      workflows,
    };
  }

  it('has at least 100 cases, at every door', () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
    const doors = new Set(cases.map((c) => c.door));
    expect([...doors].sort()).toEqual(['cli', 'library', 'relay', 'sandbox']);
  });

  it.each(cases.map((c) => [`${c.door} ${c.kind} ${c.category}: ${c.label}`, c] as const))(
    '%s',
    async (_name, c) => {
      const before = await world(c.reference);
      const answer = await c.send();
      const after = await world(c.reference);
      expect(answer.code).toBe(c.code);
      const named = answer.problems.find((p) => p.field === c.field);
      expect(named, `problems: ${JSON.stringify(answer.problems)}`).toBeDefined();
      expect(named?.rule).toMatch(c.rule);
      expect(after).toEqual({ ...before, workflows: [] });
    },
  );

  it('left the ledger balanced and parked only the signed bodies the relay could not read', async () => {
    expect(await stack.env.wallet.db.ledger.checkBalanced()).toBe(0);
    const parked = await stack.env.client.workflow.count(
      `TaskQueue = '${stack.env.taskQueue}' AND PaymentStatus = 'PARKED'`,
    );
    // Some cases share a transaction (and so a parked workflow, delivered twice).
    const parkedCases = cases.filter((c) => c.code === PARKED).length;
    expect(parked.count).toBeGreaterThan(0);
    expect(parked.count).toBeLessThanOrEqual(parkedCases);
    for await (const workflow of stack.env.client.workflow.list({
      query: `TaskQueue = '${stack.env.taskQueue}' AND PaymentStatus = 'PARKED'`,
    })) {
      const state = await stack.env.client.workflow.getHandle(workflow.workflowId).query(parkedEventQuery);
      expect(state.reason, workflow.workflowId).toBe('UNREADABLE_EVENT');
    }
  });
});
