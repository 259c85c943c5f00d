import type { Logger } from '../../common/logger';
import type { Clock } from './clock';
import {
  BUSY, InMemoryLoginThrottle, retryAfterSeconds, throttleCounters,
  type AttemptOutcome, type LoginAttempt, type LoginThrottle, type Reservation, type ThrottlePolicy,
} from './login-throttle';
import type { RedisClient } from './redis-client';
import { REDIS_KEY_PREFIXES } from '../../common/vocabulary';

export const THROTTLE_PREFIX = REDIS_KEY_PREFIXES.loginFailures;

/**
 * Each counter is a hash {n, ends} (the pair's also p): failures — for the pair, plus its
 * unsettled reservations — and the end of its window, in the app's clock (the injected one, so
 * tests move time; replicas are assumed NTP-synced). PEXPIRE is only a backstop so Redis forgets
 * a finished window. One script per call: atomic, one round trip.
 *
 * RESERVE: KEYS counters (pair first), ARGV[1] now, ARGV[2] window ms, ARGV[3..] limits → {wait ms}
 * when a counter's failures are at its limit (nothing taken), {-1} when only attempts still in
 * flight fill the pair (busy: retry in a moment), else {0, the pair window's end} with a slot
 * taken in the pair.
 */
const RESERVE = `
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local wait = 0
for i, key in ipairs(KEYS) do
  local v = redis.call('HMGET', key, 'n', 'ends')
  local n, ends = tonumber(v[1]), tonumber(v[2])
  -- The pair's n includes attempts in flight: only its settled failures close the window.
  if i == 1 and n then n = n - (tonumber(redis.call('HGET', key, 'p')) or 0) end
  if n and ends and ends > now and n >= tonumber(ARGV[i + 2]) then
    wait = math.max(wait, ends - now)
  end
end
if wait > 0 then return {wait} end
local pair = KEYS[1]
local v = redis.call('HMGET', pair, 'n', 'p', 'ends')
local ends = tonumber(v[3])
if ends and ends > now and (tonumber(v[1]) or 0) >= tonumber(ARGV[3]) then
  -- The pair's settled failures are under the limit, but attempts in flight fill it: busy.
  return {-1}
end
if ends and ends > now then
  redis.call('HINCRBY', pair, 'n', 1)
  redis.call('HINCRBY', pair, 'p', 1)
else
  ends = now + window
  redis.call('HSET', pair, 'n', 1, 'p', 1, 'ends', ends)
  redis.call('PEXPIRE', pair, window)
end
return {0, ends}`;

/**
 * SETTLE: KEYS counters (pair first), ARGV[1] outcome (failure | success | released), ARGV[2] the
 * pair window's end the reservation saw (a window that ended meanwhile is left alone), ARGV[3]
 * now, ARGV[4] window ms. Pair: a failure keeps its slot, a success keeps only the other
 * unsettled reservations, a release gives the slot back. Account and address: a failure counts.
 */
const SETTLE = `
local outcome, now, window = ARGV[1], tonumber(ARGV[3]), tonumber(ARGV[4])
local v = redis.call('HMGET', KEYS[1], 'n', 'p', 'ends')
if v[3] and tonumber(v[3]) == tonumber(ARGV[2]) then
  local n, p = tonumber(v[1]) or 0, math.max(0, (tonumber(v[2]) or 0) - 1)
  if outcome == 'released' then n = math.max(0, n - 1) elseif outcome == 'success' then n = p end
  redis.call('HSET', KEYS[1], 'n', n, 'p', p)
end
if outcome ~= 'failure' then return 0 end
for i = 2, #KEYS do
  local key = KEYS[i]
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
 * on its own); only the transitions are logged. Failures counted locally are not copied back; a
 * reservation is settled where it was taken.
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

  async reserve(attempt: LoginAttempt): Promise<Reservation> {
    const counters = throttleCounters(this.policy, attempt);
    const keys = counters.map((c) => THROTTLE_PREFIX + c.key);
    const reply = await this.onRedis(
      () => this.deps.redis.eval(RESERVE, keys.length, ...keys, this.deps.clock.now(), this.policy.windowSeconds * 1000,
        ...counters.map((c) => c.limit)) as Promise<number[]>,
    );
    if (reply === undefined) return this.fallback.reserve(attempt);
    const [waitMs, pairEnds] = reply;
    if (waitMs < 0) return BUSY;
    if (waitMs > 0) return { allowed: false, retryAfterSeconds: retryAfterSeconds(waitMs) };
    let settled = false;
    return {
      allowed: true,
      settle: async (outcome: AttemptOutcome) => {
        if (settled) return;
        settled = true;
        // If Redis fails now, the slot stays counted: the safe side, until its window ends.
        await this.onRedis(() => this.deps.redis.eval(SETTLE, keys.length, ...keys, outcome, pairEnds,
          this.deps.clock.now(), this.policy.windowSeconds * 1000));
      },
    };
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
