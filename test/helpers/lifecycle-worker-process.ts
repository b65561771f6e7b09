/**
 * A worker in its own process, for tests that kill a worker mid-lifecycle and start a new one:
 * the same activities as the in-process test worker, the workflow bundle the test run built.
 * Configured by environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TASK_QUEUE, WORKFLOW_BUNDLE_PATH,
 * SANDBOX_URL, LEDGER_DATABASE_URL. Prints WORKER_READY once it polls.
 */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { Pool } from 'pg';
import { createActivities } from '../../activities';
import { ConnectPspClient } from '../../activities/connectpsp/client';
import { createLedger } from '../../activities/ledger/ledger';
import { SANDBOX_CREDENTIALS } from '../../worker/config';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const address = required('TEMPORAL_ADDRESS');
  const namespace = required('TEMPORAL_NAMESPACE');
  const pool = new Pool({ connectionString: required('LEDGER_DATABASE_URL'), max: 5 });
  pool.on('error', () => undefined);
  const ledger = createLedger(pool);
  const psp = new ConnectPspClient({
    baseUrl: required('SANDBOX_URL'),
    credentials: { ...SANDBOX_CREDENTIALS },
  });
  const client = new Client({ connection: await Connection.connect({ address }), namespace });
  const worker = await Worker.create({
    connection: await NativeConnection.connect({ address }),
    namespace,
    taskQueue: required('TASK_QUEUE'),
    workflowBundle: { codePath: required('WORKFLOW_BUNDLE_PATH') },
    activities: {
      ...createActivities({ psp, ledger, temporal: client }),
    },
    // A killed worker's sticky queue is abandoned quickly, so its successor gets the tasks.
    stickyQueueScheduleToStartTimeout: '1 second',
  });
  process.once('SIGTERM', () => worker.shutdown());
  const running = worker.run();
  process.stdout.write('WORKER_READY\n');
  await running;
  await Promise.all([pool.end(), psp.close(), client.connection.close()]);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
