import type { Logger } from '../../common/logger';
import type { Clock } from './clock';
import {
  InMemoryLoginThrottle, retryAfterSeconds, throttleCounters,
  type LoginAttempt, type LoginThrottle, type ThrottleDecision, type ThrottlePolicy,
} from './login-throttle';
import type { RedisClient } from './redis-client';
import { REDIS_KEY_PREFIXES } from '../../common/vocabulary';

export const THROTTLE_PREFIX = REDIS_KEY_PREFIXES.loginFailures;

/**
 * Each counter is a hash {n, ends}: failures and the end of its window, in the app's clock (the
 * injected one, so tests move time; replicas are assumed NTP-synced). PEXPIRE is only a backstop
 * so Redis forgets a finished window. One script per call: atomic, one round trip.
 *
 * CHECK: KEYS counters, ARGV[1] now, ARGV[2..] limits → the longest wait in ms (0 = allowed).
 */
const CHECK = `
local wait = 0
for i, key in ipairs(KEYS) do
  local v = redis.call('HMGET', key, 'n', 'ends')
  local n, ends = tonumber(v[1]), tonumber(v[2])
  if n and ends and ends > tonumber(ARGV[1]) and n >= tonumber(ARGV[i + 1]) then
    wait = math.max(wait, ends - tonumber(ARGV[1]))
  end
end
return wait`;

/** FAIL: KEYS counters, ARGV[1] now, ARGV[2] window ms: count one failure in every counter. */
const FAIL = `
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
for _, key in ipairs(KEYS) do
  local ends = tonumber(redis.call('HGET', key, 'ends'))
  if ends and ends > now then
    redis.call('HINCRBY', key, 'n', 1)
  else
    redis.call('HSET', key, 'n', 1, 'ends', now + window)
    redis.call('PEXPIRE', key, window)
  end
end
return 0`;

/**
 * Failed-login counters shared by every replica in Redis, so N replicas do not multiply the limit.
 * While Redis fails, the per-replica counters take over (logins keep working, each replica limits
 * on its own); only the transitions are logged. Failures counted locally are not copied back.
 */
export class RedisLoginThrottle implements LoginThrottle {
  private readonly fallback: InMemoryLoginThrottle;
  private readonly log: Logger;
  private shared = true;

  constructor(
    private readonly policy: ThrottlePolicy,
    private readonly deps: { redis: RedisClient; clock: Clock; logger: Logger },
  ) {
    this.fallback = new InMemoryLoginThrottle(policy, deps.clock);
    this.log = deps.logger.child({ component: 'login-throttle' });
  }

  /** Whether the shared counters answered last time (false: per-replica fallback). */
  get usingSharedCounters(): boolean {
    return this.shared;
  }

  async check(attempt: LoginAttempt): Promise<ThrottleDecision> {
    const counters = throttleCounters(this.policy, attempt);
    const waitMs = await this.onRedis(
      () => this.deps.redis.eval(CHECK, counters.length, ...counters.map((c) => THROTTLE_PREFIX + c.key),
        this.deps.clock.now(), ...counters.map((c) => c.limit)) as Promise<number>,
    );
    if (waitMs === undefined) return this.fallback.check(attempt);
    return waitMs > 0 ? { allowed: false, retryAfterSeconds: retryAfterSeconds(waitMs) } : { allowed: true };
  }

  async recordFailure(attempt: LoginAttempt): Promise<void> {
    const keys = throttleCounters(this.policy, attempt).map((c) => THROTTLE_PREFIX + c.key);
    const done = await this.onRedis(
      () => this.deps.redis.eval(FAIL, keys.length, ...keys, this.deps.clock.now(), this.policy.windowSeconds * 1000),
    );
    if (done === undefined) await this.fallback.recordFailure(attempt);
  }

  async recordSuccess(attempt: LoginAttempt): Promise<void> {
    const pair = THROTTLE_PREFIX + throttleCounters(this.policy, attempt)[0].key;
    const done = await this.onRedis(() => this.deps.redis.del(pair));
    if (done === undefined) await this.fallback.recordSuccess(attempt);
  }

  /** The command's result, or undefined when Redis failed (then the caller uses the fallback). */
  private async onRedis<T>(command: () => Promise<T>): Promise<T | undefined> {
    try {
      const result = await command();
      if (!this.shared) this.log.info('redis answers again: login throttling shared across replicas');
      this.shared = true;
      return result;
    } catch (err) {
      if (this.shared) {
        this.log.warn({ err: err instanceof Error ? err.message : String(err) },
          'redis unavailable: login throttling falls back to per-replica counters');
      }
      this.shared = false;
      return undefined;
    }
  }
}
