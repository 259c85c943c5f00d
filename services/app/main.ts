import { ConfigError } from '../common/config';
import { createLogger } from '../common/logger';
import { loadAppConfig } from './config';
import { start } from './server';

/** Entry point: environment → validated config → start; SIGTERM/SIGINT stop gracefully. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadAppConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger({ service: 'app', level: config.logLevel, instance: config.instanceId });
  const running = await start(config, { logger });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'signal received');
    running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err: String(err) }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`app: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
