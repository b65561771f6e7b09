import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectPaymentsClient } from '../../client/connect';
import type { PaymentsClient } from '../../client/payments-client';
import { type RunningSandbox, startSandbox } from '../../sandbox/server';
import { waitFor } from '../../scripts/wait-for';
import { type FreshLedgerDatabase, freshLedgerDatabase } from '../helpers/ledger-db';
import { VALID_CPF } from '../helpers/lifecycle-env';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from '../helpers/otlp-receiver';
import { type RelayProcess, startRelayProcess } from '../helpers/relay-process';
import { uniqueTaskQueue } from '../helpers/temporal';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process';

// Issue 13, tracing: the real worker and relay processes, configured only with the standard
// OpenTelemetry variables, export to an OTLP receiver in this process (protobuf, the default). A
// cash-in is paid at the sandbox; its webhook's trace must run from the relay to the PSP call.
describe('tracing: one trace from the relay through the signal and the workflow to the activity and its ConnectPSP call', () => {
  const taskQueue = uniqueTaskQueue('tracing');
  let receiver: OtlpReceiver;
  let sandbox: RunningSandbox;
  let ledgerDb: FreshLedgerDatabase;
  let worker: WorkerProcess;
  let relay: RelayProcess;
  let payments: PaymentsClient;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    sandbox = await startSandbox({
      port: 0,
      webhookRetryScheduleMs: [100, 200, 400],
      webhookTimeoutMs: 2_000,
    });
    ledgerDb = await freshLedgerDatabase();
    // A short batch delay so the test need not wait the default 5 s for spans.
    const tracing = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '100' };
    [worker, relay] = await Promise.all([
      startWorkerProcess({
        taskQueue,
        sandboxUrl: sandbox.url,
        walletEnv: { LEDGER_DATABASE_URL: ledgerDb.url },
        env: { ...tracing, LOG_LEVEL: 'debug' },
      }),
      startRelayProcess(
        { ...tracing, TEMPORAL_TASK_QUEUE: taskQueue, CONNECTPSP_MODE: 'sandbox', RELAY_HOST: '127.0.0.1' },
        150_000,
      ),
    ]);
    payments = await connectPaymentsClient({
      stackFile: null,
      env: {
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TEMPORAL_NAMESPACE: inject('temporalNamespace'),
        TEMPORAL_TASK_QUEUE: taskQueue,
        CONNECTPSP_MODE: 'sandbox',
        CONNECTPSP_BASE_URL: sandbox.url,
        RELAY_PUBLIC_URL: `http://127.0.0.1:${relay.port}`,
        LEDGER_DATABASE_URL: ledgerDb.url,
      },
    });
  }, 120_000);

  afterAll(async () => {
    await payments?.close();
    await worker?.stop();
    relay?.stop();
    await relay?.output;
    await sandbox?.close();
    await ledgerDb?.drop();
    await receiver?.close();
  });

  it('relay (HTTP) → SignalWorkflow → HandleSignal, and the activities it sets off → their PSP calls; the logs name the trace, workflow and reference', async () => {
    const reference = `trace-${randomUUID()}`;
    const workflowId = `cash-in:${reference}`;
    await payments.startCashIn({
      reference,
      userId: `trace-user-${randomUUID()}`,
      amountCents: 12_34,
      payer: { name: 'Ana Maria Souza', document: VALID_CPF },
    });
    await payments.sandbox.payCashIn(reference);
    expect((await payments.waitForOutcome(reference, { timeoutMs: 30_000 })).state).toBe('SETTLED');

    const span = (spans: ReceivedSpan[], name: string, parent?: ReceivedSpan) =>
      spans.find((s) => s.name === name && (parent === undefined || s.parentSpanId === parent.spanId));
    // The relay's signal to this workflow starts the webhook's trace; wait until all of it arrived.
    const trace = await waitFor(
      'the webhook trace with the credit',
      () => {
        const signal = receiver.spans.find(
          (s) => s.name === 'SignalWorkflow:pspEvent' && s.attributes.temporalWorkflowId === workflowId,
        );
        const spans = receiver.spans.filter((s) => s.traceId === signal?.traceId);
        return span(spans, 'RunActivity:creditCashIn') ? spans : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );

    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const root = trace.find((s) => s.parentSpanId === '');
    expect(root).toMatchObject({ service: 'pix-relay' });
    expect(root?.attributes['http.method'] ?? root?.attributes['http.request.method']).toBe('POST');
    expect(String(root?.attributes['http.target'] ?? root?.attributes['url.path'])).toBe(
      '/webhooks/connectpsp',
    );
    // Express's own spans (its request handler) sit between the HTTP server span and the signal.
    expect(trace.some((s) => s.service === 'pix-relay' && s.attributes['express.type'] !== undefined)).toBe(
      true,
    );

    const signal = span(trace, 'SignalWorkflow:pspEvent');
    expect(signal).toMatchObject({ service: 'pix-relay' });
    expect(ancestorsOf(signal as ReceivedSpan, byId).at(-1)).toBe(root);
    expect(span(trace, 'HandleSignal:pspEvent', signal)).toMatchObject({ service: 'pix-worker' });

    // The workflow reads the PSP's record, then credits the wallet: both under the webhook's signal.
    const getStarted = span(trace, 'StartActivity:getCashIn', signal);
    const getRun = span(trace, 'RunActivity:getCashIn', getStarted);
    expect(getRun).toMatchObject({ service: 'pix-worker' });
    const pspCall = trace.find((s) => s.parentSpanId === getRun?.spanId && s.name.startsWith('GET'));
    expect(pspCall).toMatchObject({ service: 'pix-worker' });
    expect(String(pspCall?.attributes['url.full'])).toContain(`${sandbox.url}/`);
    expect(
      span(trace, 'RunActivity:creditCashIn', span(trace, 'StartActivity:creditCashIn', signal)),
    ).toBeDefined();

    // The charge was created before any webhook: in the trace of the workflow's run, not this one.
    expect(trace.some((s) => s.name === 'RunActivity:createCashIn')).toBe(false);
    expect(receiver.spans.some((s) => s.name === 'RunActivity:createCashIn')).toBe(true);
    expect(receiver.contentTypes.every((type) => type === 'application/x-protobuf')).toBe(true);

    // Logs: the relay's webhook line and the worker's activity lines carry the same trace id.
    relay.stop();
    const relayLines = jsonLines((await relay.output).stdout);
    expect(relayLines.find((l) => l.msg === 'webhook' && l.workflowId === workflowId)).toMatchObject({
      trace_id: root?.traceId,
      reference,
    });
    const activityLines = jsonLines(worker.output()).filter(
      (l) => l.activityType === 'getCashIn' && l.workflowId === workflowId,
    );
    expect(activityLines.map((l) => l.msg)).toEqual(['Activity started', 'Activity completed']);
    for (const line of activityLines) expect(line).toMatchObject({ paymentReference: reference });
    // Written once the activity's span has ended; "Activity started" is written before it begins.
    const getRunSpan = getRun as ReceivedSpan;
    expect(activityLines[1]).toMatchObject({ trace_id: getRunSpan.traceId, span_id: getRunSpan.spanId });
  });
});

/** A span's parent, its parent's parent, … up to the root of what was received. */
function ancestorsOf(span: ReceivedSpan, byId: Map<string, ReceivedSpan>): ReceivedSpan[] {
  const chain: ReceivedSpan[] = [];
  for (let parent = byId.get(span.parentSpanId); parent; parent = byId.get(parent.parentSpanId)) {
    chain.push(parent);
  }
  return chain;
}

function jsonLines(output: string): Array<Record<string, unknown>> {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
