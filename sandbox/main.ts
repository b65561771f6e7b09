import { loadConfigOrExit } from '../runtime/config';
import { createLogger } from '../runtime/logger';
import { startSandbox } from './server';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config, 'sandbox');
  const sandbox = await startSandbox({
    port: config.SANDBOX_PORT,
    host: config.SANDBOX_HOST,
    tokenTtlSeconds: config.SANDBOX_TOKEN_TTL_SECONDS,
    webhookRetryScheduleMs: config.SANDBOX_WEBHOOK_RETRY_SCHEDULE_MS.split(',').map(Number),
    ...(config.SANDBOX_STATE_FILE ? { stateFile: config.SANDBOX_STATE_FILE } : {}),
    initialWallet: {
      transactionalCents: config.SANDBOX_INITIAL_TRANSACTIONAL_CENTS,
      proprietaryCents: config.SANDBOX_INITIAL_PROPRIETARY_CENTS,
    },
    logger,
  });
  logger.info({ url: sandbox.url }, `ConnectPSP sandbox listening on ${sandbox.url}`);

  const shutdown = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'ConnectPSP sandbox shutting down');
    sandbox.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'ConnectPSP sandbox failed to shut down cleanly');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `ConnectPSP sandbox failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
