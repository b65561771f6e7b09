import { Client, Connection } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { describeError } from '../../client/cli/exit-codes';
import { TemporalOverloadedError, TemporalUnreachableError } from '../../client/errors';
import { paymentSettingsFrom } from '../../client/payment-settings';
import { PaymentsClient } from '../../client/payments-client';
import type { TemporalCallOptions } from '../../client/temporal-calls';
import type { CashInInput } from '../../domain/validation';
import { parseConfig } from '../../runtime/config';
import { deadlineBoundRetryInterceptor } from '../../runtime/grpc-retry';
import { freePort } from '../../scripts/ports';
import { type LifecycleEnv, useLifecycleEnv, VALID_CPF } from '../helpers/lifecycle-env';

function paymentsClient(env: LifecycleEnv, calls: TemporalCallOptions, temporal: Client = env.client) {
  return new PaymentsClient({
    temporal,
    settings: { ...paymentSettingsFrom(parseConfig({}), env.taskQueue), webhookUrl: env.webhookUrl },
    temporalAddress: 'the test server',
    sandbox: { url: env.sandbox.url },
    calls,
  });
}

describe('the client library under Temporal failures: the truth about them, retries, backpressure', () => {
  // Payments are started through the library, which the env does not track user by user.
  const env = useLifecycleEnv({ tracksEveryUser: false });
  const cashIn = (): CashInInput => ({
    reference: env.unique('ci'),
    userId: env.unique('user'),
    amountCents: 12_00,
    payer: { name: 'Ana Maria Souza', document: VALID_CPF },
  });

  it('a query nobody answers (the worker stopped on purpose) is "overloaded", not "unreachable"', async () => {
    const payments = paymentsClient(env, { readTimeoutMs: 2_000 });
    const request = cashIn();
    await payments.startCashIn(request);
    await env.stopWorker();
    try {
      const error = await payments.getPayment(request.reference).catch((err: unknown) => err);
      expect(error).not.toBeInstanceOf(TemporalUnreachableError);
      expect(error).toBeInstanceOf(TemporalOverloadedError);
      expect(describeError(error)).toMatchObject({ exitCode: 7, code: 'OVERLOADED', retryable: true });
      expect(payments.callStats().failures).toMatchObject({ overloaded: 1, unreachable: 0 });
    } finally {
      await env.startWorker();
    }
  });

  it('a closed port is "unreachable", and no retry outlives the call', async () => {
    // As connectPaymentsClient connects; closing it right after the failure must not throw later.
    const connection = Connection.lazy({
      address: `127.0.0.1:${await freePort()}`,
      interceptors: [deadlineBoundRetryInterceptor()],
    });
    try {
      const payments = paymentsClient(env, { readTimeoutMs: 1_500 }, new Client({ connection }));
      const error = await payments.getPayment('any-reference').catch((err: unknown) => err);
      expect(error).toBeInstanceOf(TemporalUnreachableError);
      expect(describeError(error)).toMatchObject({ exitCode: 4, code: 'UNREACHABLE' });
    } finally {
      await connection.close();
    }
  });

  it('a wait carries on through a worker outage until its own deadline, and is told of the outcome', async () => {
    const payments = paymentsClient(env, { readTimeoutMs: 1_000 });
    const request = cashIn();
    await payments.startCashIn(request);
    await env.stopWorker();
    let settled: Promise<unknown> | undefined;
    try {
      settled = payments.waitForOutcome(request.reference, { timeoutMs: 60_000 });
      settled.catch(() => undefined);
      await env.waitUntil(
        'the wait retried a read nobody answered',
        async () => payments.callStats().retries > 0,
      );
      await payments.sandbox.payCashIn(request.reference);
    } finally {
      await env.startWorker();
    }
    expect(await settled).toMatchObject({ state: 'SETTLED', ledger: { credited: true } });
    expect(payments.callStats().failures).toEqual({ unreachable: 0, overloaded: 0, refused: 0 });
  });

  it('bounds the calls in flight and queues the rest; a call that gets no turn in time is "overloaded"', async () => {
    const payments = paymentsClient(env, { maxConcurrentCalls: 2 });
    const requests = Array.from({ length: 6 }, cashIn);
    const started = Promise.all(requests.map((request) => payments.startCashIn(request)));
    expect(payments.callStats()).toMatchObject({ callsInFlight: 2, callsQueued: 4, calls: 6 });
    const charges = await started;
    expect(new Set(charges.map((c) => c.transactionId)).size).toBe(6);
    expect(payments.callStats()).toMatchObject({ callsInFlight: 0, callsQueued: 0 });

    const crowded = paymentsClient(env, { maxConcurrentCalls: 1, writeTimeoutMs: 2_000, readTimeoutMs: 500 });
    await env.stopWorker();
    try {
      const request = cashIn();
      // The start holds the only turn (no worker creates the charge); the read behind it runs out of time first.
      const [start, read] = await Promise.all([
        crowded.startCashIn(request).catch((err: unknown) => err),
        crowded.getPayment(request.reference).catch((err: unknown) => err),
      ]);
      expect(read).toBeInstanceOf(TemporalOverloadedError);
      expect((read as Error).message).toMatch(
        /did not get a turn before the deadline \(1 in flight, the most allowed is 1/,
      );
      expect(start).toBeInstanceOf(TemporalOverloadedError);
    } finally {
      await env.startWorker();
    }
  });
});
