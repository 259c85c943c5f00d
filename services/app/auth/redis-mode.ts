import { RedisStore } from 'connect-redis';
import { AppError } from '../../../common/errors';
import type { Logger } from '../../../common/logger';
import type { Clock } from '../clock';
import type { AppConfig } from '../config';
import type { AppMetrics } from '../metrics';
import type { RedisClient } from '../redis-client';
import type { AuthMode } from './auth-mode';
import { replicateWrites, timeWrites } from './replicated-writes';
import { createSessionMode } from './session-mode';
import { recordTtlSeconds } from './session-timeouts';
import { REDIS_KEY_PREFIXES } from '../../../common/vocabulary';

export const REDIS_SESSION_PREFIX = REDIS_KEY_PREFIXES.session;

/**
 * `/redis`: sessions in Redis, shared by every replica. Touch is disabled in the store: the
 * session mode's touch policy decides when the lifetime is rewritten, so an ordinary
 * authenticated request costs one Redis round trip (GET).
 */
export function createRedisMode(
  config: AppConfig,
  deps: { clock: Clock; redis: RedisClient; metrics: AppMetrics; logger: Logger },
): AuthMode {
  const log = deps.logger.child({ component: 'redis-sessions' });
  const store = new RedisStore({
    client: deps.redis,
    prefix: REDIS_SESSION_PREFIX,
    // The backstop: min(SESSION_TTL_SECONDS, idle timeout, time left before the absolute timeout).
    ttl: (sess) => recordTtlSeconds(config.session, sess, deps.clock.now()),
    disableTouch: true,
  });
  replicateWrites(store, deps.redis, config.sessionWait);
  timeWrites(store, (seconds) => deps.metrics.sessionWrites.observe({ mode: 'redis' }, seconds));
  return createSessionMode({
    name: 'redis',
    store,
    secrets: config.session.secrets,
    secureCookies: config.session.cookieSecure === 'always',
    timeouts: config.session,
    instance: config.instanceId,
    clock: deps.clock,
    storeFailure: (cause) => {
      deps.metrics.sessionStoreErrors.inc({ mode: 'redis' });
      log.debug({ err: cause instanceof Error ? cause.message : String(cause) }, 'session store failure');
      return new AppError('session_store_unavailable', undefined, { cause });
    },
  });
}
