import http from 'node:http';
import type { LookupFunction } from 'node:net';
import type { Logger } from '../../common/logger';
import type { Upstream, UpstreamPool } from '../balancing/upstream-pool';

export interface ActiveHealthOptions {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Consecutive successes before a down upstream is re-admitted. */
  readonly rise: number;
  /** Consecutive failures before an up upstream is ejected. */
  readonly fall: number;
  readonly path?: string;
  /** Host-name lookup for the check's connection (the proxy's shared upstream lookup); default: Node's. */
  readonly lookup?: LookupFunction;
}

interface Streak {
  ok: number;
  failed: number;
  checking: http.ClientRequest | undefined;
  /** No check has completed yet: the first result decides, without waiting for `fall`. */
  first: boolean;
}

/**
 * Polls every upstream's /health (liveness only, so a replica whose Redis is down stays routable
 * for its JWT users) and reports to the pool with rise/fall thresholds, so one lost check does
 * not eject a replica and one lucky check does not re-admit a dead one. A fresh connection per
 * check (no keep-alive): the check must prove the replica still accepts connections.
 */
export class ActiveHealthChecker {
  private readonly streaks = new Map<string, Streak>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: UpstreamPool,
    private readonly options: ActiveHealthOptions,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Starts polling. The promise settles once every upstream has had its first check (each is
   * bounded by the check timeout), so a caller can open its frontends knowing which upstreams
   * are there: an upstream that is not running yet (app4 before scale-out) is never offered
   * to a client.
   */
  start(): Promise<void> {
    if (this.timer) return Promise.resolve();
    this.tick();
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
    this.timer.unref();
    const pending = [...this.streaks.values()].map((s) => s.checking).filter((r): r is http.ClientRequest => r !== undefined);
    return Promise.all(pending.map((req) => new Promise<void>((resolve) => req.once('close', () => resolve())))).then(() => undefined);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const streak of this.streaks.values()) streak.checking?.destroy();
    this.streaks.clear();
  }

  private tick(): void {
    const upstreams = this.pool.all();
    for (const id of this.streaks.keys()) {
      if (!upstreams.some((u) => u.id === id)) this.streaks.delete(id);
    }
    for (const upstream of upstreams) {
      let streak = this.streaks.get(upstream.id);
      if (!streak) {
        streak = { ok: 0, failed: 0, checking: undefined, first: true };
        this.streaks.set(upstream.id, streak);
      }
      if (!streak.checking) this.check(upstream, streak);
    }
  }

  private check(upstream: Upstream, streak: Streak): void {
    let settled = false;
    // A check that connected but timed out found a slow replica, not a dead one (panic routing tells them apart).
    let connected = false;
    const done = (ok: boolean, reason: string): void => {
      if (settled) return;
      settled = true;
      streak.checking = undefined;
      if (this.streaks.get(upstream.id) !== streak) return; // removed or stopped meanwhile
      this.record(upstream, streak, ok, connected, reason);
    };
    const req = http.request(
      { ...upstream.target, path: this.options.path ?? '/health', method: 'GET', agent: false, timeout: this.options.timeoutMs, lookup: this.options.lookup },
      (res) => {
        res.resume();
        res.once('end', () => done(res.statusCode === 200, `health check answered ${res.statusCode}`));
        res.once('error', () => done(false, 'health check response broken'));
      },
    );
    req.once('timeout', () => {
      done(false, `health check timed out after ${this.options.timeoutMs} ms`);
      req.destroy();
    });
    req.once('error', (err: NodeJS.ErrnoException) => done(false, `health check failed: ${err.code ?? err.message}`));
    req.once('socket', (socket) => {
      if (socket.connecting) socket.once('connect', () => { connected = true; });
      else connected = socket.readyState === 'open';
    });
    req.end();
    streak.checking = req;
  }

  private record(upstream: Upstream, streak: Streak, ok: boolean, connected: boolean, reason: string): void {
    this.pool.recordCheck(upstream.id, ok, this.now());
    // Before any ejection below, so an unreachable upstream never joins a panic set on its way out.
    this.pool.setReachable(upstream.id, connected, reason);
    const first = streak.first;
    streak.first = false;
    if (ok) {
      streak.ok += 1;
      streak.failed = 0;
      if (!upstream.healthy && streak.ok >= this.options.rise) this.pool.setStatus(upstream.id, true, `${streak.ok} health checks passed`);
    } else {
      streak.failed += 1;
      streak.ok = 0;
      // A new upstream starts healthy; if its very first check fails it was never up, so it is
      // ejected at once rather than after `fall` checks' worth of refused client requests.
      if (upstream.healthy && (first || streak.failed >= this.options.fall)) this.pool.setStatus(upstream.id, false, reason);
      else if (upstream.healthy) this.logger.debug({ upstream: upstream.id, reason }, 'health check failed');
    }
  }

  /** A passive ejection restarts the count, so re-admission always takes `rise` fresh successes. */
  resetStreak(id: string): void {
    const streak = this.streaks.get(id);
    if (streak) streak.ok = 0;
  }
}
