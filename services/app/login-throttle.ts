import type { Clock } from './clock';

export type ThrottleDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Who is trying to log in: the client address (req.ip, trusted proxies honoured) and the account. */
export interface LoginAttempt {
  address: string;
  account: string;
}

/**
 * Limits failed login attempts. Only failures count, so a load test that logs in thousands of
 * times with the right password is never throttled. Async so the shared (Redis) implementation
 * and the per-replica one are interchangeable.
 */
export interface LoginThrottle {
  check(attempt: LoginAttempt): Promise<ThrottleDecision>;
  recordFailure(attempt: LoginAttempt): Promise<void>;
  recordSuccess(attempt: LoginAttempt): Promise<void>;
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
  failures: number;
  endsAt: number;
}

/**
 * Per-replica fixed-window counters: the fallback while Redis is down, and the whole limiter when
 * a caller passes it in. Behind round-robin an attacker gets each limit once per replica.
 * Bounded: a flood of distinct keys forgets the stalest windows, never grows without bound.
 */
export class InMemoryLoginThrottle implements LoginThrottle {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly policy: ThrottlePolicy & { maxKeys?: number },
    private readonly clock: Clock,
  ) {}

  async check(attempt: LoginAttempt): Promise<ThrottleDecision> {
    let waitMs = 0;
    for (const counter of throttleCounters(this.policy, attempt)) {
      const window = this.current(counter.key);
      if (window && window.failures >= counter.limit) waitMs = Math.max(waitMs, window.endsAt - this.clock.now());
    }
    return waitMs > 0 ? { allowed: false, retryAfterSeconds: retryAfterSeconds(waitMs) } : { allowed: true };
  }

  async recordFailure(attempt: LoginAttempt): Promise<void> {
    for (const { key } of throttleCounters(this.policy, attempt)) {
      const window = this.current(key) ?? { failures: 0, endsAt: this.clock.now() + this.policy.windowSeconds * 1000 };
      window.failures += 1;
      this.windows.delete(key);
      this.windows.set(key, window);
    }
    const maxKeys = this.policy.maxKeys ?? 30_000;
    while (this.windows.size > maxKeys) this.windows.delete(this.windows.keys().next().value as string);
  }

  /** The person at this address knows the password: forget their own failures (not the account's). */
  async recordSuccess(attempt: LoginAttempt): Promise<void> {
    this.windows.delete(throttleCounters(this.policy, attempt)[0].key);
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
