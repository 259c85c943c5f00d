import { ConfigError, type Env } from './config';
import type { Logger } from './logger';

export interface ServiceMain<C> {
  /** Name used in messages, e.g. "app" or "proxy". */
  readonly service: string;
  /** Environment → validated, frozen config; throws ConfigError listing every problem. */
  loadConfig(env: Env): C;
  /** Exit code when the configuration is invalid (after printing every problem). */
  readonly configErrorExitCode: number;
  createLogger(config: C): Logger;
  start(config: C, logger: Logger): Promise<{ close(): Promise<void> }>;
  /** Log and carry on after an uncaught error instead of dying (the proxy: no upstream may kill it). */
  readonly surviveUncaughtErrors?: boolean;
}

/**
 * The one place a service process reads its environment and installs signal handlers:
 * invalid config → every problem on stderr and a non-zero exit; SIGTERM/SIGINT → graceful
 * close (stop accepting, finish in-flight requests) then exit 0.
 */
export function runServiceMain<C>(main: ServiceMain<C>): void {
  run(main).catch((err: unknown) => {
    process.stderr.write(`${main.service}: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}

async function run<C>(main: ServiceMain<C>): Promise<void> {
  let config: C;
  try {
    config = main.loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(main.configErrorExitCode);
    }
    throw err;
  }
  const logger = main.createLogger(config);
  const running = await main.start(config, logger);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err: err instanceof Error ? err.message : String(err) }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  if (main.surviveUncaughtErrors) {
    process.on('uncaughtException', (err) => logger.error({ err }, 'uncaught exception'));
    process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
  }
}
