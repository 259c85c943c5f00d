import type { Clock } from './clock';

/** Who is trying to log in: the client address (req.ip, trusted proxies honoured) and the account. */
export interface LoginAttempt {
  address: string;
  account: string;
}

/**
 * How a reserved attempt ended, and what it gives back:
 * - `failure` (wrong password): the pair's slot stays counted, and the account and address count it;
 * - `success`: the pair's settled failures are cleared (the person at this address knows the
 *   password); attempts still being checked keep their slots;
 * - `released` (refused or dropped before its password was hashed): the slot is given back.
 */
export type AttemptOutcome = 'failure' | 'success' | 'released';

export type Reservation =
  | { allowed: true; settle(outcome: AttemptOutcome): Promise<void> }
  | { allowed: false; retryAfterSeconds: number; busy?: true };

/**
 * Refused because attempts still being checked hold the pair's remaining slots, not because of
 * failures: they settle within a hash time, so the client may retry in a second (not the window).
 */
export const BUSY: Reservation = Object.freeze({ allowed: false, retryAfterSeconds: 1, busy: true });

/**
 * Limits failed login attempts. An attempt checks every counter and reserves a slot in the pair
 * (one address, one account) in one atomic step before its password is hashed, so concurrent
 * guesses from one address cannot all pass a check none of them has counted yet. The account and
 * address counters count failures when they settle: in-flight logins of many people behind one
 * address, or to one shared account, must not refuse each other; their overshoot under
 * concurrency is bounded by the login admission (docs/login-admission.md). Only failures stay
 * counted, so a load test that logs in thousands of times with the right password is never
 * throttled. Async so the shared (Redis) implementation and the per-replica one are interchangeable.
 */
export interface LoginThrottle {
  reserve(attempt: LoginAttempt): Promise<Reservation>;
}

/** Failures allowed per fixed window, for each scope a failure is counted in. */
export interface ThrottlePolicy {
  windowSeconds: number;
  /** One client address guessing one account's password (the common brute force). */
  maxFailures: number;
  /** One account, from any address (a distributed guess); bounds how far addresses can be rotated. */
  accountMaxFailures: number;
  /** One address, over any accounts (password spraying). */
  addressMaxFailures: number;
}

export interface ThrottleCounter {
  key: string;
  limit: number;
}

/**
 * The counters one attempt touches, in a fixed order (the pair first: it is the one a success resets).
 * An address never contains `|`, so `address|account` cannot be read two ways.
 */
export function throttleCounters(policy: ThrottlePolicy, attempt: LoginAttempt): ThrottleCounter[] {
  return [
    { key: `pair:${attempt.address}|${attempt.account}`, limit: policy.maxFailures },
    { key: `account:${attempt.account}`, limit: policy.accountMaxFailures },
    { key: `address:${attempt.address}`, limit: policy.addressMaxFailures },
  ];
}

/** Seconds a client must wait, rounded up and never 0 (a `Retry-After: 0` invites a retry loop). */
export function retryAfterSeconds(remainingMs: number): number {
  return Math.max(1, Math.ceil(remainingMs / 1000));
}

interface Window {
  /** Failures; for the pair also its reservations not yet settled. */
  count: number;
  /** The pair's reservations not yet settled (a success clears the rest). */
  pending: number;
  endsAt: number;
}

/**
 * Per-replica fixed-window counters: the fallback while Redis is down, and the whole limiter when
 * a caller passes it in. Behind round-robin an attacker gets each limit once per replica.
 * Bounded: a flood of distinct keys forgets the stalest windows, never grows without bound.
 * Atomic by construction: reserve() checks and counts without awaiting in between.
 */
export class InMemoryLoginThrottle implements LoginThrottle {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly policy: ThrottlePolicy & { maxKeys?: number },
    private readonly clock: Clock,
  ) {}

  async reserve(attempt: LoginAttempt): Promise<Reservation> {
    const counters = throttleCounters(this.policy, attempt);
    let waitMs = 0;
    counters.forEach((counter, i) => {
      const window = this.current(counter.key);
      // The pair's count includes attempts in flight: only its settled failures close the window.
      const failures = window ? window.count - (i === 0 ? window.pending : 0) : 0;
      if (window && failures >= counter.limit) waitMs = Math.max(waitMs, window.endsAt - this.clock.now());
    });
    if (waitMs > 0) return { allowed: false, retryAfterSeconds: retryAfterSeconds(waitMs) };
    const pairKey = counters[0].key;
    const current = this.current(pairKey);
    if (current && current.count >= counters[0].limit) return BUSY;
    const pair = this.count(pairKey);
    pair.pending += 1;
    let settled = false;
    return {
      allowed: true,
      settle: async (outcome) => {
        if (settled) return;
        settled = true;
        // A window that ended (or was forgotten) meanwhile is not this reservation's any more.
        if (this.windows.get(pairKey) === pair) {
          pair.pending = Math.max(0, pair.pending - 1);
          if (outcome === 'released') pair.count = Math.max(0, pair.count - 1);
          else if (outcome === 'success') pair.count = pair.pending;
        }
        if (outcome === 'failure') for (const { key } of counters.slice(1)) this.count(key);
      },
    };
  }

  /** One more in `key`'s current window (opened if none), kept newest for the eviction order. */
  private count(key: string): Window {
    const window = this.current(key) ?? { count: 0, pending: 0, endsAt: this.clock.now() + this.policy.windowSeconds * 1000 };
    window.count += 1;
    this.windows.delete(key);
    this.windows.set(key, window);
    const maxKeys = this.policy.maxKeys ?? 30_000;
    while (this.windows.size > maxKeys) this.windows.delete(this.windows.keys().next().value as string);
    return window;
  }

  private current(key: string): Window | undefined {
    const window = this.windows.get(key);
    if (window && this.clock.now() >= window.endsAt) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }
}
