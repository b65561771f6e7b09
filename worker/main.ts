import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { loadConfigOrExit, processEnvironment } from '../runtime/config';
import { dataConverterFor } from '../runtime/data-converter';
import { createLogger, installTemporalRuntimeLogger } from '../runtime/logger';
import { createConnectPspClientFromConfig } from '../runtime/psp-client';
import { ensureRebalanceSchedule, rebalanceRequester } from '../runtime/rebalance-door';
import { connectClient, temporalTarget } from '../runtime/temporal-connection';
import { openWalletFromConfig } from '../runtime/wallet';
import { workerCapacity } from '../runtime/worker-capacity';
import { workflowSource } from './workflow-source';

/**
 * The worker process: runs every workflow and activity on TEMPORAL_TASK_QUEUE. Scale by running
 * more copies. SIGINT/SIGTERM stop polling, let in-flight activities finish within
 * WORKER_SHUTDOWN_GRACE_SECONDS, then exit.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit(processEnvironment(), { needsPsp: true });
  const logger = createLogger(config, 'worker');
  installTemporalRuntimeLogger(logger, config.LOG_LEVEL);
  if (config.WALLET_BACKEND === 'ledger' && !config.LEDGER_DATABASE_URL) {
    logger.fatal(
      'LEDGER_DATABASE_URL is not set: the worker needs the ledger database (npm start provides one)',
    );
    process.exit(2);
  }

  const target = temporalTarget(config);
  const wallet = await openWalletFromConfig(config, {
    onIdleConnectionError: (err) =>
      logger.warn({ err: err.message }, 'ledger connection dropped; the pool replaces it'),
  });
  logger.info(wallet.description, 'wallet ready');
  const psp = createConnectPspClientFromConfig(config);
  const dataConverter = dataConverterFor(config);
  const connection = await NativeConnection.connect(target.connectionOptions);
  const client = await connectClient(target, { dataConverter });
  try {
    const schedule = await ensureRebalanceSchedule(client, {
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      intervalSeconds: config.REBALANCE_INTERVAL_SECONDS,
      thresholdCents: config.REBALANCE_THRESHOLD_CENTS,
    });
    logger.info(schedule, 'rebalance schedule ensured');
    const capacity = workerCapacity(config);
    logger.info({ memoryBudgetMb: config.WORKER_MEMORY_BUDGET_MB, ...capacity }, 'worker capacity');
    const worker = await Worker.create({
      connection,
      namespace: target.namespace,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      ...workflowSource(config),
      dataConverter,
      activities: createActivities({
        psp,
        wallet: wallet.wallet,
        requestRebalance: rebalanceRequester(client, config.TEMPORAL_TASK_QUEUE),
      }),
      shutdownGraceTime: `${config.WORKER_SHUTDOWN_GRACE_SECONDS}s`,
      ...capacity,
    });
    logger.info(
      {
        address: target.connectionOptions.address,
        namespace: target.namespace,
        taskQueue: config.TEMPORAL_TASK_QUEUE,
      },
      'worker started',
    );
    await worker.run();
    logger.info('worker stopped');
  } finally {
    await client.connection.close();
    await connection.close();
    await psp.close();
    await wallet.close();
  }
}

main().catch((err) => {
  process.stderr.write(`worker failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
