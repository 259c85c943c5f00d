import type { Clock } from './clock';

export type ThrottleDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Limits failed login attempts per key (client address + username). Only failures count, so a
 * load test that logs in thousands of times with the right password is never throttled.
 * Async so a shared (Redis) implementation can replace the per-replica one.
 */
export interface LoginThrottle {
  check(key: string): Promise<ThrottleDecision>;
  recordFailure(key: string): Promise<void>;
  recordSuccess(key: string): Promise<void>;
}

interface Window {
  failures: number;
  startedAt: number;
}

/**
 * Per-replica, fixed-window counter. Behind round-robin an attacker gets maxFailures per
 * replica per window; a shared limiter in Redis closes that gap. Bounded like the session store.
 */
export class InMemoryLoginThrottle implements LoginThrottle {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly options: { maxFailures: number; windowSeconds: number; maxKeys?: number },
    private readonly clock: Clock,
  ) {}

  async check(key: string): Promise<ThrottleDecision> {
    const window = this.current(key);
    if (!window || window.failures < this.options.maxFailures) return { allowed: true };
    const endsAt = window.startedAt + this.options.windowSeconds * 1000;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((endsAt - this.clock.now()) / 1000)) };
  }

  async recordFailure(key: string): Promise<void> {
    const window = this.current(key) ?? { failures: 0, startedAt: this.clock.now() };
    window.failures += 1;
    this.windows.delete(key);
    this.windows.set(key, window);
    const maxKeys = this.options.maxKeys ?? 10_000;
    // Oldest first: a flood of distinct keys forgets the stalest windows, never grows without bound.
    while (this.windows.size > maxKeys) this.windows.delete(this.windows.keys().next().value as string);
  }

  async recordSuccess(key: string): Promise<void> {
    this.windows.delete(key);
  }

  private current(key: string): Window | undefined {
    const window = this.windows.get(key);
    if (window && this.clock.now() - window.startedAt >= this.options.windowSeconds * 1000) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }
}
