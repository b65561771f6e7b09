/**
 * The worker of the bare lifecycles (bare-lifecycle-workflows.ts), run by the lifecycle benchmark
 * as a process of its own beside the real worker: same server, its own task queue
 * (TEMPORAL_TASK_QUEUE), its own bundle, the same cache size and concurrency as the real worker.
 */
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { loadConfigOrExit } from '../runtime/config';
import { temporalTarget } from '../runtime/temporal-connection';
import { workerCapacity } from '../runtime/worker-capacity';
import { bareActivities } from './bare-activities';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const target = temporalTarget(config);
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('./bare-lifecycle-workflows'),
    logger: new DefaultLogger('WARN'),
  });
  const connection = await NativeConnection.connect(target.connectionOptions);
  const worker = await Worker.create({
    connection,
    namespace: target.namespace,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowBundle: { code },
    activities: bareActivities,
    ...workerCapacity(config),
  });
  process.once('SIGTERM', () => worker.shutdown());
  process.once('SIGINT', () => worker.shutdown());
  await worker.run();
  await connection.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`bare worker failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
