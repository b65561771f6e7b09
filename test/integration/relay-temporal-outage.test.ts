import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relayProbeWorkflow } from '../../bench/relay-probe-workflow';
import { type RunningRelay, startRelay } from '../../relay/server';
import { parseConfig } from '../../runtime/config';
import { type RunningSandbox, startSandbox } from '../../sandbox/server';
import { freePort } from '../../scripts/ports';
import { type RunningDevServer, startDevServer, temporalCliPath } from '../../scripts/temporal-dev-server';
import { waitFor } from '../../scripts/wait-for';
import { pspEventSignal } from '../../workflows/messages';
import { type Json, SandboxCaller } from '../helpers/sandbox-kit';

const PATH = '/webhooks/connectpsp';

/**
 * A Temporal server of this test's own (SQLite file, so a restart keeps the workflow), stopped
 * while ConnectPSP delivers: the relay answers 503, the sandbox retries on its schedule, and the
 * retry after the restart is delivered.
 */
describe('webhook relay across a Temporal outage', () => {
  const workDir = mkdtempSync(path.join(tmpdir(), 'relay-outage-'));
  let port: number;
  let server: RunningDevServer | undefined;
  let client: Client;
  let relay: RunningRelay;
  let sandbox: RunningSandbox;
  let psp: SandboxCaller;

  const startServer = () =>
    startDevServer({
      cliPath: temporalCliPath(),
      port,
      dbFile: path.join(workDir, 'temporal.db'),
      logFile: path.join(workDir, 'temporal.log'),
    });

  beforeAll(async () => {
    port = await freePort();
    server = await startServer();
    // Lazy: it reconnects by itself once the server is back.
    client = new Client({ connection: Connection.lazy({ address: server.address }) });
    relay = await startRelay({
      config: parseConfig({ CONNECTPSP_MODE: 'sandbox', RELAY_SIGNAL_DEADLINE_MS: '1000' }),
      port: 0,
      host: '127.0.0.1',
      client,
      logger: pino({ level: 'silent' }),
    });
    sandbox = await startSandbox({
      port: 0,
      webhookRetryScheduleMs: [500, 1000, 2000, 3000, 5000, 8000, 13000],
    });
    psp = new SandboxCaller(sandbox.url);
  });

  afterAll(async () => {
    await sandbox?.close();
    await relay?.close();
    await client?.connection.close();
    await server?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('answers 503 while Temporal is down and delivers the PSP retry once it is back', async () => {
    const reference = `outage-${Date.now()}`;
    // No worker needed: the server records a signal for a running workflow on its own.
    const probe = await client.workflow.start(relayProbeWorkflow, {
      taskQueue: 'relay-outage',
      workflowId: `cash-in:${reference}`,
    });
    const created = await psp.call('POST', '/cash-in', {
      idempotencyKey: true,
      body: {
        amount: 10,
        externalReference: reference,
        webhookUrl: `${relay.url}${PATH}`,
        payer: { name: 'Maria Souza', document: '11144477735' },
      },
    });
    expect(created.status).toBe(201);
    const transactionId: string = created.body.transactionId;

    await server?.stop();
    server = undefined;
    await psp.control('POST', `/cash-in/${transactionId}/pay`);

    const attemptsFor = async () => {
      const { body } = await psp.control('GET', '/webhooks');
      return (body.deliveries as Json[]).filter((d) => d.transactionId === transactionId);
    };
    const refused = await waitFor('a refused delivery', async () => {
      const attempts = await attemptsFor();
      return attempts.length > 0 ? attempts : undefined;
    });
    expect(refused[0]).toMatchObject({ eventType: 'CASHIN_PAID', attempt: 1, status: 503 });

    server = await startServer();
    const delivered = await waitFor('a delivery answered 200', async () => {
      const attempts = await attemptsFor();
      return attempts.some((a) => a.status === 200) ? attempts : undefined;
    });
    expect(delivered.slice(0, -1).every((a) => a.status === 503)).toBe(true);
    expect(delivered.at(-1)).toMatchObject({ status: 200 });
    expect(delivered.length).toBeGreaterThan(1);

    // Exactly one signal: the 503 attempts handed nothing over.
    const history = await probe.fetchHistory();
    const signals = (history.events ?? []).flatMap((e) => e.workflowExecutionSignaledEventAttributes ?? []);
    expect(signals.map((s) => s.signalName)).toEqual([pspEventSignal.name]);
    await probe.terminate('test done');
  });
});
