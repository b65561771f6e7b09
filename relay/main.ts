import { loadConfigOrExit, processEnvironment, webhookUrl } from '../runtime/config';
import { createLogger } from '../runtime/logger';
import { startTracing } from '../runtime/tracing';

/**
 * The webhook relay process: ConnectPSP → Temporal. SIGINT/SIGTERM stop accepting, let webhooks in
 * flight finish (each bounded by RELAY_SIGNAL_DEADLINE_MS), close the Temporal connection, exit 0.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit(processEnvironment(), { needsPsp: true });
  const tracing = startTracing(config, 'pix-relay');
  // Loaded once tracing runs: its HTTP and express instrumentations patch those modules as they load.
  const { startRelay } = await import('./server.js');
  const logger = createLogger(config, 'relay');
  const relay = await startRelay({ config, logger, processMetrics: true, host: config.RELAY_HOST });
  logger.info(
    {
      port: config.RELAY_PORT,
      webhookUrl: webhookUrl(config),
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      codecUrl: relay.codecUrl ?? null,
    },
    'relay listening',
  );
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'relay stopping');
    relay
      .close()
      .then(() => tracing.shutdown())
      .then(
        () => {
          logger.info('relay stopped');
          process.exit(0);
        },
        (err: unknown) => {
          logger.error({ err }, 'relay did not stop cleanly');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  process.stderr.write(`relay failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
