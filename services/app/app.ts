import express, { type Express } from 'express';
import type { Logger } from '../common/logger';
import { AccessTokens } from './auth/access-tokens';
import { BoundedMemoryStore } from './auth/bounded-memory-store';
import { createJwtMode } from './auth/jwt-mode';
import { createMemoryMode } from './auth/memory-mode';
import { createRedisMode } from './auth/redis-mode';
import type { Clock } from './clock';
import type { AppConfig } from './config';
import { errorHandler, notFound } from './error-handler';
import type { LoginThrottle } from './login-throttle';
import { AppMetrics } from './metrics';
import type { UserDirectory } from './passwords';
import type { RedisClient } from './redis-client';
import { RedisLoginThrottle } from './redis-login-throttle';
import { modeRoutes, operationalRoutes, requestMetrics } from './routes';

export interface AppDeps {
  logger: Logger;
  clock: Clock;
  redis: RedisClient;
  users: UserDirectory;
  throttle?: LoginThrottle;
  metrics?: AppMetrics;
}

export interface AppInstance {
  app: Express;
  metrics: AppMetrics;
  memoryStore: BoundedMemoryStore;
  /** Stops the app's own timers; the caller owns and closes Redis. */
  close(): void;
}

/** express `trust proxy` from the environment string: true/false, a hop count, or address names/CIDRs. */
export function trustProxySetting(value: string): boolean | number | string {
  const v = value.trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (/^\d+$/.test(v)) return Number(v);
  return value;
}

/** The replica's HTTP app, without listening (tests run it in-process). */
export function createApp(config: AppConfig, deps: AppDeps): AppInstance {
  const instance = config.instanceId;
  const metrics = deps.metrics ?? new AppMetrics({ instance });
  // Failed-login counters in Redis, shared by every replica (per-replica while Redis is down).
  const throttle = deps.throttle ?? new RedisLoginThrottle(config.loginThrottle, { redis: deps.redis, clock: deps.clock, logger: deps.logger });
  const memoryStore = new BoundedMemoryStore(
    { maxSessions: config.session.memoryMax, ttlSeconds: config.session.ttlSeconds },
    deps.clock,
  );
  const tokens = new AccessTokens(
    { secret: config.jwt.secret, issuer: config.jwt.issuer, audience: config.jwt.audience, ttlSeconds: config.jwt.accessTtlSeconds },
    deps.clock,
  );
  const modes = [
    createMemoryMode(config, { clock: deps.clock, store: memoryStore }),
    createRedisMode(config, { clock: deps.clock, redis: deps.redis, metrics, logger: deps.logger }),
    createJwtMode(tokens, { ttlSeconds: config.jwt.accessTtlSeconds }),
  ];

  const app = express();
  app.disable('x-powered-by');
  // No ETag: /me answers must not turn into 304s, and hashing every body costs throughput.
  app.disable('etag');
  app.set('trust proxy', trustProxySetting(config.trustProxy));

  app.use((_req, res, next) => {
    res.setHeader('X-Instance', instance);
    next();
  });
  app.use(requestMetrics(metrics));
  app.use(operationalRoutes({ instance, redis: deps.redis, metrics }));
  for (const mode of modes) {
    app.use(`/${mode.name}`, modeRoutes(mode, { instance, users: deps.users, throttle, metrics }));
  }
  app.use(notFound);
  app.use(errorHandler(deps.logger));

  return { app, metrics, memoryStore, close: () => memoryStore.close() };
}
