import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ForcedCollection } from './gc-on-signal';

/**
 * The replica's Prometheus metrics, on a registry of its own (not prom-client's global one),
 * so a test process can build many apps side by side.
 */
export class AppMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'mode' | 'route' | 'status'>;
  readonly logins: Counter<'mode' | 'outcome'>;
  readonly logouts: Counter<'mode'>;
  readonly sessionStoreErrors: Counter<'mode'>;
  readonly refreshes: Counter<'mode' | 'outcome'>;
  readonly sessionWrites: Histogram<'mode'>;
  readonly loginQueueDepth: Gauge;
  readonly loginsHashing: Gauge;
  readonly loginsRefused: Counter;
  readonly loginsAbandoned: Counter<'reason'>;
  readonly loginAdmissionLimits: Gauge<'limit'>;
  /** Read at each scrape: the event loop's recent CPU wait share (undefined: not measured here). */
  cpuWaitShare: () => number | undefined = () => undefined;
  readonly passwordHashCost: Gauge;

  constructor(options: { instance: string; processMetrics?: boolean; forcedCollections?: () => ForcedCollection }) {
    this.registry.setDefaultLabels({ instance: options.instance });
    this.requests = new Counter({
      name: 'authscale_http_requests_total', help: 'HTTP requests answered, by auth mode, route and status.',
      labelNames: ['mode', 'route', 'status'], registers: [this.registry],
    });
    this.logins = new Counter({
      name: 'authscale_logins_total', help: 'Login attempts by mode and outcome (ok, invalid, throttled, overloaded, abandoned).',
      labelNames: ['mode', 'outcome'], registers: [this.registry],
    });
    this.logouts = new Counter({
      name: 'authscale_logouts_total', help: 'Explicit logouts by mode.', labelNames: ['mode'], registers: [this.registry],
    });
    this.sessionStoreErrors = new Counter({
      name: 'authscale_session_store_errors_total', help: 'Session store (Redis) failures seen by requests.',
      labelNames: ['mode'], registers: [this.registry],
    });
    this.refreshes = new Counter({
      name: 'authscale_token_refreshes_total',
      help: 'POST /{jwt,jwt-revocable}/refresh by outcome (rotated, reused_in_grace, theft, invalid, store_unavailable).',
      labelNames: ['mode', 'outcome'], registers: [this.registry],
    });
    // The price of SESSION_WAIT_REPLICAS per login is this write's time (docs/redis-ha.md): a
    // login's password hash is hundreds of times longer, so its own latency cannot show it.
    this.sessionWrites = new Histogram({
      name: 'authscale_session_write_seconds',
      help: 'Session store writes (the SET, and WAIT for the replicas when SESSION_WAIT_REPLICAS > 0), by mode.',
      labelNames: ['mode'], buckets: [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5], registers: [this.registry],
    });
    // Present from the start (count 0), so a reading before the first login is a reading, not a gap.
    this.sessionWrites.zero({ mode: 'redis' });
    this.loginQueueDepth = new Gauge({
      name: 'authscale_login_queue_depth', help: 'Logins waiting for a password-hashing slot.', registers: [this.registry],
    });
    this.loginsHashing = new Gauge({
      name: 'authscale_logins_hashing', help: 'Logins whose password is being hashed now.', registers: [this.registry],
    });
    this.loginsRefused = new Counter({
      name: 'authscale_logins_refused_total', help: 'Logins refused with 503 login_overloaded: hashing slots and queue full.',
      registers: [this.registry],
    });
    this.loginsAbandoned = new Counter({
      name: 'authscale_logins_abandoned_total',
      help: 'Queued logins dropped before their hash: client_gone (socket closed) or queue_timeout (waited too long).',
      labelNames: ['reason'], registers: [this.registry],
    });
    this.loginAdmissionLimits = new Gauge({
      name: 'authscale_login_admission_limit', help: 'Login admission settings: concurrency, queue, queue_timeout_ms, overload_cpu_wait, cpus.',
      labelNames: ['limit'], registers: [this.registry],
    });
    const cpuWait: Gauge = new Gauge({
      name: 'authscale_event_loop_cpu_wait_ratio',
      help: 'Share of the last 300 ms the event loop waited for a CPU (Linux run-queue wait); an overloaded replica hashes only below LOGIN_OVERLOAD_CPU_WAIT.',
      registers: [this.registry],
      collect: () => {
        const share = this.cpuWaitShare();
        if (share !== undefined) cpuWait.set(share);
      },
    });
    this.passwordHashCost = new Gauge({
      name: 'authscale_password_hash_cost', help: 'scrypt cost (log2 N) of the demo users\' password hashes.', registers: [this.registry],
    });
    // Process metrics install GC observers: only for the real process, not per in-process test app.
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
    const forced = options.forcedCollections;
    if (forced) {
      // The bench's memory scenario weighs live state from these (gc-on-signal.ts).
      new Gauge({
        name: 'authscale_forced_gc_total', help: 'Garbage collections forced by SIGUSR2 (needs node --expose-gc).',
        registers: [this.registry], collect() { this.set(forced().count); },
      });
      new Gauge({
        name: 'authscale_heap_live_bytes', help: 'Heap used right after the last forced collection, less code, bytecode and their metadata: live data.',
        registers: [this.registry], collect() { this.set(forced().liveBytes); },
      });
    }
  }
}
