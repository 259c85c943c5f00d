import { createLogger } from '../common/logger';
import { runServiceMain } from '../common/service-main';
import { loadLatencyConfig } from './config';
import { start } from './server';

/** The latency injector process: env → validated config → start(); SIGTERM/SIGINT stop it. */
runServiceMain({
  service: 'latency',
  loadConfig: loadLatencyConfig,
  configErrorExitCode: 2,
  createLogger: (config) => createLogger({ service: 'latency', level: config.logLevel }),
  start: (config, logger) => start(config, { logger }),
  // A misbehaving connection must not take every link down with it.
  surviveUncaughtErrors: true,
});
