import type { Upstream, UpstreamPool } from '../balancing/upstream-pool';
import type { ActiveHealthChecker } from './active-checker';

/**
 * Passive health: what real traffic learns about an upstream. A refused connection or a reset
 * means the replica is gone or going, so it is ejected at once rather than after `fall` active
 * checks; the active checker re-admits it after `rise` fresh successes. Timeouts only count as
 * failures: a slow replica is the active checker's call (its own timeout, with thresholds).
 * A refused or timed-out connect also marks it unreachable, so panic routing skips it until a
 * health check connects again.
 */
export class PassiveHealth {
  constructor(
    private readonly pool: UpstreamPool,
    private readonly checker: ActiveHealthChecker | undefined,
  ) {}

  connectFailed(upstream: Upstream, code: string): void {
    upstream.failures += 1;
    this.pool.setReachable(upstream.id, false, `connection failed (${code})`);
    this.eject(upstream, `connection failed (${code})`);
  }

  reset(upstream: Upstream, code: string): void {
    upstream.failures += 1;
    this.eject(upstream, `connection reset (${code})`);
  }

  timedOut(upstream: Upstream): void {
    upstream.failures += 1;
  }

  /** Nothing answered the connect (a crashed node's address): not a slow replica, but not proof enough to eject. */
  connectTimedOut(upstream: Upstream): void {
    upstream.failures += 1;
    this.pool.setReachable(upstream.id, false, 'connect timed out');
  }

  private eject(upstream: Upstream, reason: string): void {
    this.checker?.resetStreak(upstream.id);
    this.pool.setStatus(upstream.id, false, reason);
  }
}
