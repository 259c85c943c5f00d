import { ConfigError } from '../services/common/config';
import { createLogger } from '../services/common/logger';
import { loadProxyConfig } from './config';
import { start } from './server';

/** The proxy process: env → validated config → start(); SIGTERM/SIGINT stop it gracefully. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadProxyConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger({ service: 'proxy', level: config.logLevel });
  const proxy = await start(config, { logger });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    proxy.close().then(() => process.exit(0), (err: unknown) => {
      logger.error({ err }, 'stop failed');
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // The proxy must never die of an upstream's misbehaviour; log anything that escaped and carry on.
  process.on('uncaughtException', (err) => logger.error({ err }, 'uncaught exception'));
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
}

main().catch((err: unknown) => {
  process.stderr.write(`proxy failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
