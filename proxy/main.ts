import { createLogger } from '../common/logger';
import { runServiceMain } from '../common/service-main';
import { loadProxyConfig } from './config';
import { start } from './server';

/** The proxy process: env → validated config → start(); SIGTERM/SIGINT stop it gracefully. */
runServiceMain({
  service: 'proxy',
  loadConfig: loadProxyConfig,
  configErrorExitCode: 2,
  createLogger: (config) => createLogger({ service: 'proxy', level: config.logLevel }),
  start: (config, logger) => start(config, { logger }),
  // The proxy must never die of an upstream's misbehaviour; log anything that escaped and carry on.
  surviveUncaughtErrors: true,
});
