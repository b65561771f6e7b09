import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { MAX_OPEN_HOLDS } from '../activities/ledger-check';
import { loadConfigOrExit, processEnvironment, workerShutdownGraceSeconds } from '../runtime/config';
import { dataConverterFor } from '../runtime/data-converter';
import { ensureLateEventSweepSchedule, lateEventDoor } from '../runtime/late-event-door';
import { ensureLedgerCheckSchedule, ledgerCheckSettingsFrom } from '../runtime/ledger-check-schedule';
import { lifecycleFacts, orphanedAmong } from '../runtime/lifecycle-facts';
import { createLogger, installTemporalRuntimeLogger } from '../runtime/logger';
import { namespaceRetentionSeconds, retentionShortfall } from '../runtime/namespace-retention';
import { createConnectPspClientFromConfig } from '../runtime/psp-client';
import { ensureRebalanceSchedule, rebalanceRequester } from '../runtime/rebalance-door';
import { connectClient, temporalTarget } from '../runtime/temporal-connection';
import { startTracing } from '../runtime/tracing';
import { openWalletFromConfig } from '../runtime/wallet';
import { workerCapacity } from '../runtime/worker-capacity';
import { readiness, startWorkerHttpServer } from './http-server';
import { startLifecycleGauges } from './lifecycle-gauges';
import { createWorkerObservability, stateDeadlinesFrom } from './observability';
import { observedWallet } from './observed-wallet';
import { workerTelemetry } from './telemetry';
import { workflowInterceptorModules, workflowSource } from './workflow-source';

/**
 * The worker process: runs every workflow and activity on TEMPORAL_TASK_QUEUE. Scale by running
 * more copies. SIGINT/SIGTERM stop polling, let in-flight activities finish within
 * WORKER_SHUTDOWN_GRACE_SECONDS, then exit.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit(processEnvironment(), { needsPsp: true });
  const tracing = startTracing(config, 'pix-worker');
  const logger = createLogger(config, 'worker');
  const observability = createWorkerObservability(logger);
  const { metrics } = observability;
  installTemporalRuntimeLogger(logger, config.LOG_LEVEL, observability.runtimeOptions);
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
  const psp = createConnectPspClientFromConfig(config, { observer: metrics.pspObserver });
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
    const sweep = await ensureLateEventSweepSchedule(client, {
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      intervalHours: config.LATE_EVENT_SWEEP_INTERVAL_HOURS,
      watchDays: config.LATE_EVENT_WATCH_DAYS,
      requestsPerSecond: config.LATE_EVENT_SWEEP_REQUESTS_PER_SECOND,
    });
    logger.info(sweep, 'late-event sweep schedule ensured');
    const retentionProblem = await namespaceRetentionSeconds(connection, target.namespace).then(
      (seconds) => retentionShortfall(seconds, config.LATE_EVENT_WATCH_DAYS),
      (err: Error) => `could not read the namespace's retention (${err.message})`,
    );
    if (retentionProblem) logger.warn({ namespace: target.namespace }, retentionProblem);
    const ledgerCheck = await ensureLedgerCheckSchedule(client, {
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      settings: ledgerCheckSettingsFrom(config),
    });
    logger.info(ledgerCheck, 'ledger check schedule ensured');
    const books = wallet.ledger;
    const orphaned = (holds: Parameters<typeof orphanedAmong>[1]) =>
      orphanedAmong(client, holds, async (id) => (await books?.findOpenHold(id)) != null);
    const source = workflowSource(config, tracing.enabled);
    const telemetry = workerTelemetry(tracing);
    const capacity = workerCapacity(config);
    logger.info({ memoryBudgetMb: config.WORKER_MEMORY_BUDGET_MB, ...capacity }, 'worker capacity');
    const worker = await Worker.create({
      connection,
      namespace: target.namespace,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      ...source,
      // A prebuilt bundle already carries the workflow interceptors.
      interceptors: {
        activity: telemetry.activityInterceptors,
        workflowModules:
          'workflowsPath' in source ? workflowInterceptorModules({ traced: tracing.enabled }) : [],
      },
      sinks: { ...telemetry.sinks, ...observability.sinks },
      dataConverter,
      activities: createActivities({
        psp,
        wallet: observedWallet(wallet.wallet, metrics),
        requestRebalance: rebalanceRequester(client, config.TEMPORAL_TASK_QUEUE),
        lateEvents: lateEventDoor(client, config.TEMPORAL_TASK_QUEUE),
        operations: {
          ...(books ? { books } : {}),
          orphanedAmong: orphaned,
          lifecycleFacts: (workflowId) => lifecycleFacts(client, workflowId),
          onReport: (report) => metrics.ledgerChecked(report),
        },
      }),
      shutdownGraceTime: `${workerShutdownGraceSeconds(config)}s`,
      ...capacity,
    });
    const http = await startWorkerHttpServer({
      host: config.WORKER_HTTP_HOST,
      port: config.WORKER_HTTP_PORT,
      registry: metrics.registry,
      beforeScrape: observability.sdkMetrics.drain,
      readiness: () =>
        readiness({
          workerState: () => worker.getState(),
          identity: worker.options.identity,
          client,
          taskQueue: config.TEMPORAL_TASK_QUEUE,
          walletAnswers: () => wallet.wallet.exposureCents(),
        }),
    });
    logger.info({ url: http.url }, 'worker http listening');
    const gauges = startLifecycleGauges(
      metrics,
      {
        client,
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        deadlines: stateDeadlinesFrom(config),
        ...(books ? { listOpenHolds: () => books.listOpenHolds({ limit: MAX_OPEN_HOLDS }) } : {}),
        orphanedAmong: orphaned,
        logger,
      },
      config.WORKER_GAUGES_INTERVAL_SECONDS,
    );
    logger.info(
      {
        address: target.connectionOptions.address,
        namespace: target.namespace,
        taskQueue: config.TEMPORAL_TASK_QUEUE,
      },
      'worker started',
    );
    try {
      await worker.run();
    } finally {
      gauges.stop();
      observability.sdkMetrics.stop();
      await http.close();
    }
    logger.info('worker stopped');
  } finally {
    await client.connection.close();
    await connection.close();
    await psp.close();
    await wallet.close();
    await tracing.shutdown();
  }
}

main().catch((err) => {
  process.stderr.write(`worker failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
