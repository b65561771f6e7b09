import { loadConfigOrExit, platformWalletEndpoint } from '../runtime/config';
import { embeddedPostgresUrl, WALLET_DATABASE } from '../runtime/ledger-url';
import { createLogger } from '../runtime/logger';
import { startWalletService } from './server';

/** The reference wallet service as a process: `npm start` runs it when WALLET_BACKEND=http and no PLATFORM_WALLET_URL. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config, 'wallet-service');
  const service = await startWalletService({
    port: config.WALLET_SERVICE_PORT,
    host: config.WALLET_SERVICE_HOST,
    databaseUrl:
      config.WALLET_SERVICE_DATABASE_URL ?? embeddedPostgresUrl(config.LEDGER_PG_PORT, WALLET_DATABASE),
    secret: platformWalletEndpoint(config).secret,
    toleranceSeconds: config.WALLET_SERVICE_SIGNATURE_TOLERANCE_SECONDS,
    logger,
  });
  logger.info({ url: service.url }, `reference wallet service listening on ${service.url}`);

  const shutdown = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'reference wallet service shutting down');
    service.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'reference wallet service failed to shut down cleanly');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `reference wallet service failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
