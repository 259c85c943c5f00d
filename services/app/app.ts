import express, { type Express } from 'express';
import type { Logger } from '../../common/logger';
import { AccessTokens, modeAudience } from './auth/access-tokens';
import { BoundedMemoryStore } from './auth/bounded-memory-store';
import { createJwtMode, createRevocableJwtMode } from './auth/jwt-mode';
import { JWKS_PATH, jwksHandler, tokenLifecycleRoutes } from './auth/jwt-routes';
import { RefreshTokens } from './auth/refresh-tokens';
import { KeyRing } from './auth/signing-keys';
import { TokenDenylist } from './auth/token-denylist';
import { createMemoryMode } from './auth/memory-mode';
import { createRedisMode } from './auth/redis-mode';
import { storeTtlSeconds } from './auth/session-timeouts';
import type { Clock } from './clock';
import type { AppConfig } from './config';
import { errorHandler, notFound } from './error-handler';
import { LoginAdmission } from './login-admission';
import type { LoginThrottle } from './login-throttle';
import { AppMetrics } from './metrics';
import type { UserDirectory } from './passwords';
import type { RedisClient } from './redis-client';
import { RedisLoginThrottle } from './redis-login-throttle';
import { modeRoutes, operationalRoutes, requestMetrics } from './routes';
import { ScryptWorkers } from './scrypt-workers';
import { CpuWaitSampler, threadCpuWaitReader } from './cpu-wait';

export interface AppDeps {
  logger: Logger;
  clock: Clock;
  redis: RedisClient;
  users: UserDirectory;
  throttle?: LoginThrottle;
  metrics?: AppMetrics;
  /** Wall time of one hash at start-up, the admission's first wait estimate (default 300 ms). */
  initialHashMs?: number;
}

export interface AppInstance {
  app: Express;
  metrics: AppMetrics;
  memoryStore: BoundedMemoryStore;
  /** Stops the app's own timers and hashing workers; the caller owns and closes Redis. */
  close(): Promise<void>;
}

/** The event loop's CPU wait is read every 50 ms and judged over the last 300 ms (login admission, overloaded). */
const CPU_WAIT_INTERVAL_MS = 50;
const CPU_WAIT_WINDOW_MS = 300;

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
  // Login admission (docs/login-admission.md): bounded, lower-priority password hashing.
  const limits = config.loginAdmission;
  const workers = new ScryptWorkers({
    size: limits.concurrency,
    nice: limits.hashNice,
    onNiceRefused: () => deps.logger.warn({ nice: limits.hashNice }, 'cannot lower the password-hashing threads\' priority: they run at normal priority'),
  });
  // What the event loop waits for a CPU (Linux); elsewhere unknown, and an overloaded replica never holds a hash back for it.
  const read = threadCpuWaitReader();
  const cpuWait = read && new CpuWaitSampler({ read, windowMs: CPU_WAIT_WINDOW_MS, intervalMs: CPU_WAIT_INTERVAL_MS }).start();
  if (cpuWait) metrics.cpuWaitShare = () => cpuWait.share();
  const admission = new LoginAdmission(limits, {
    initialHashMs: deps.initialHashMs ?? 300,
    cpuWait: () => cpuWait?.share(),
    events: {
      depth: (waiting, hashing) => {
        metrics.loginQueueDepth.set(waiting);
        metrics.loginsHashing.set(hashing);
      },
      refused: () => metrics.loginsRefused.inc(),
      abandoned: (reason) => metrics.loginsAbandoned.inc({ reason }),
    },
  });
  for (const [limit, value] of [['concurrency', limits.concurrency], ['queue', limits.queueLimit], ['queue_timeout_ms', limits.queueTimeoutMs], ['overload_cpu_wait', limits.overloadCpuWait], ['cpus', limits.cpus]] as const) {
    metrics.loginAdmissionLimits.set({ limit }, value);
  }
  metrics.passwordHashCost.set(config.passwords.hashCost);
  const login = { users: deps.users, throttle, admission, derive: workers.derive };
  const memoryStore = new BoundedMemoryStore(
    { maxSessions: config.session.memoryMax, ttlSeconds: storeTtlSeconds(config.session) },
    deps.clock,
  );
  // JWT lifecycle (README, "JWT lifecycle"): key ring, refresh families and denylist in Redis.
  const keyRing = new KeyRing(config.jwt.keyRing);
  // Each token mode has its own audience and its own refresh families: a token or a refresh
  // token works only in the mode that issued it (checked in AccessTokens.verify and the Lua scripts).
  const tokenDepsOf = (mode: 'jwt' | 'jwt-revocable') => ({
    tokens: new AccessTokens(
      keyRing,
      { issuer: config.jwt.issuer, audience: modeAudience(config.jwt.audience, mode), ttlSeconds: config.jwt.accessTtlSeconds },
      deps.clock,
    ),
    refresh: new RefreshTokens(deps.redis, {
      mode,
      ttlSeconds: config.jwt.refreshTtlSeconds,
      reuseGraceSeconds: config.jwt.refreshReuseGraceSeconds,
      accessTtlSeconds: config.jwt.accessTtlSeconds,
    }, deps.clock),
    metrics,
    logger: deps.logger,
  });
  const tokenDeps = { jwt: tokenDepsOf('jwt'), 'jwt-revocable': tokenDepsOf('jwt-revocable') };
  const modes = [
    createMemoryMode(config, { clock: deps.clock, store: memoryStore }),
    createRedisMode(config, { clock: deps.clock, redis: deps.redis, metrics, logger: deps.logger }),
    createJwtMode(tokenDeps.jwt),
    createRevocableJwtMode({ ...tokenDeps['jwt-revocable'], denylist: new TokenDenylist(deps.redis, deps.clock) }),
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
  // Routes on the app itself and one router per mode: each sub-router a request passes through
  // costs a prefix match, an enter and a leave, on every request.
  operationalRoutes({
    instance, redis: deps.redis, metrics,
    settings: { passwordHashCost: config.passwords.hashCost, sessionTouch: config.session.touch, sessionWaitReplicas: config.sessionWait.replicas },
  }, app);
  app.get(JWKS_PATH, jwksHandler(keyRing));
  for (const mode of modes) {
    const router = express.Router();
    if (mode.name === 'jwt' || mode.name === 'jwt-revocable') tokenLifecycleRoutes(mode.name, { instance, ...tokenDeps[mode.name] }, router);
    app.use(`/${mode.name}`, modeRoutes(mode, { instance, login, metrics }, router));
  }
  app.use(notFound);
  app.use(errorHandler(deps.logger));

  return {
    app, metrics, memoryStore,
    close: async () => {
      memoryStore.close();
      cpuWait?.stop();
      admission.close();
      await workers.close();
    },
  };
}
