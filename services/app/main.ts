import { createLogger } from '../../common/logger';
import { runServiceMain } from '../../common/service-main';
import { loadAppConfig } from './config';
import { collectGarbageOnSignal } from './gc-on-signal';
import { start } from './server';

const forcedCollections = collectGarbageOnSignal();

/** The app replica process: env → validated config → start(); SIGTERM/SIGINT stop it gracefully. */
runServiceMain({
  service: 'app',
  loadConfig: loadAppConfig,
  configErrorExitCode: 1,
  createLogger: (config) => createLogger({ service: 'app', level: config.logLevel, instance: config.instanceId }),
  start: (config, logger) => start(config, { logger, forcedCollections }),
});
