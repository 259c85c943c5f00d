import http from 'node:http';
import { closeGracefully, listen } from '../../common/http-listen';
import { createLogger, type Logger } from '../../common/logger';
import { capConnections, serverOptions } from '../../common/server-limits';
import { createApp, type AppDeps } from './app';
import { systemClock } from './clock';
import type { AppConfig } from './config';
import type { ForcedCollection } from './gc-on-signal';
import { AppMetrics } from './metrics';
import { UserDirectory } from './passwords';
import { closeRedisClient, createRedisClient } from './redis-client';

export interface RunningApp {
  urls: { http: string };
  /** Graceful: stop accepting, let in-flight requests finish (bounded), then close Redis. */
  close(): Promise<void>;
}

// Above the proxy agent's idle timeout, so the proxy always closes an idle socket first.
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** Start one replica: build missing dependencies, listen, and return how to reach and stop it. */
export async function start(
  config: AppConfig,
  deps: Partial<AppDeps> & { forcedCollections?: () => ForcedCollection } = {},
): Promise<RunningApp> {
  const logger: Logger = deps.logger ?? createLogger({ service: 'app', level: config.logLevel, instance: config.instanceId });
  const ownsRedis = deps.redis === undefined;
  const redis = deps.redis ?? createRedisClient(config.redis, logger);
  const started = Date.now();
  const users = deps.users ?? (await UserDirectory.demo(config.passwords.demoPassword, config.passwords.hashCost));
  const hashedMs = Date.now() - started;
  logger.info({ hashCost: config.passwords.hashCost, ms: hashedMs }, 'demo users hashed');
  // The login admission's first estimate of one hash: the demo users' hashes (the three users
  // and the dummy) ran side by side on libuv's four threads over the CPUs; later hashes refine it.
  const initialHashMs = deps.users ? undefined : (hashedMs * Math.min(4, config.loginAdmission.cpus)) / 4;

  const { app, close: closeApp } = createApp(config, {
    logger,
    clock: deps.clock ?? systemClock,
    redis,
    users,
    throttle: deps.throttle,
    initialHashMs,
    metrics: deps.metrics ?? new AppMetrics({ instance: config.instanceId, processMetrics: true, forcedCollections: deps.forcedCollections }),
  });

  let closing = false;
  // While draining, answers close their connection so keep-alive clients (the proxy) move
  // elsewhere instead of reusing a socket that is about to go away.
  const inFlight = new Set<http.ServerResponse>();
  const server = http.createServer(serverOptions(config.limits), (req, res) => {
    if (closing) res.setHeader('Connection', 'close');
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
    app(req, res);
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  capConnections(server, config.limits);

  let url: string;
  try {
    url = await listen(server, config.port, config.host);
  } catch (err) {
    // e.g. EADDRINUSE: release what was opened so an in-process caller is not left with handles.
    await closeApp();
    if (ownsRedis) await closeRedisClient(redis);
    throw err;
  }
  logger.info({ url, sessionTouch: config.session.touch, loginAdmission: config.loginAdmission, initialHashMs }, 'app replica listening');

  let closed: Promise<void> | undefined;
  return {
    urls: { http: url },
    close() {
      closed ??= (async () => {
        closing = true;
        for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
        logger.info('shutting down: no new connections, finishing in-flight requests');
        if ((await closeGracefully(server, config.shutdownTimeoutMs)) === 'forced') logger.warn('shutdown timeout: closed the remaining connections');
        await closeApp();
        if (ownsRedis) await closeRedisClient(redis);
        logger.info('stopped');
      })();
      return closed;
    },
  };
}
