import client from 'prom-client';
import type { UpstreamPool } from './balancing/upstream-pool';

/**
 * Counters the hot path bumps as plain numbers; prom-client reads them only when scraped
 * (collect callbacks), so a proxied request pays no label hashing.
 */
/** What a response to an auth mode's route meant for its user (the dashboard's live charts). */
export interface ModeOutcomes {
  ok: number;
  logouts: number;
  errors: number;
}

const MODE_NAMES = ['memory', 'redis', 'jwt', 'jwt-revocable'] as const;

export class ProxyCounters {
  /** responses[frontendPort][statusClass 1..5] */
  readonly responses = new Map<number, number[]>();
  /** Per auth mode (first path segment), over every frontend: 2xx, 401 outside /login, 5xx. */
  readonly modes: Readonly<Record<string, ModeOutcomes>> = Object.fromEntries(MODE_NAMES.map((m) => [m, { ok: 0, logouts: 0, errors: 0 }]));
  retries = 0;
  noHealthyUpstream = 0;
  upstreamErrors = { refused: 0, reset: 0, timeout: 0, aborted_mid_response: 0 };

  /** Count one answer to `url` (a request path) by its auth mode; other paths are not counted. */
  countMode(url: string | undefined, status: number): void {
    if (!url || url.charCodeAt(0) !== 47 /* / */) return;
    let end = 1;
    while (end < url.length && url.charCodeAt(end) !== 47 && url.charCodeAt(end) !== 63 /* ? */) end++;
    const counts = this.modes[url.slice(1, end)];
    if (counts === undefined) return;
    if (status >= 200 && status < 300) counts.ok += 1;
    else if (status >= 500) counts.errors += 1;
    // A 401 on a login is a wrong password, not a logout.
    else if (status === 401 && !url.startsWith('/login', end)) counts.logouts += 1;
  }

  forFrontend(port: number): number[] {
    let counts = this.responses.get(port);
    if (!counts) {
      counts = [0, 0, 0, 0, 0, 0];
      this.responses.set(port, counts);
    }
    return counts;
  }
}

export function createProxyRegistry(pool: UpstreamPool, counters: ProxyCounters, strategyOf: (port: number) => string): client.Registry {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'authscale_proxy_' });

  new client.Counter({
    name: 'authscale_proxy_responses_total',
    help: 'Responses sent to clients, by frontend port, strategy and status class.',
    labelNames: ['port', 'strategy', 'class'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [port, counts] of counters.responses) {
        for (let c = 1; c <= 5; c++) if (counts[c] > 0) this.inc({ port: String(port), strategy: strategyOf(port), class: `${c}xx` }, counts[c]);
      }
    },
  });
  new client.Counter({
    name: 'authscale_proxy_upstream_requests_total',
    help: 'Attempts sent to each upstream (retries included).',
    labelNames: ['upstream'],
    registers: [registry],
    collect() {
      this.reset();
      for (const u of pool.all()) this.inc({ upstream: u.id }, u.requests);
    },
  });
  new client.Counter({
    name: 'authscale_proxy_upstream_failures_total',
    help: 'Failed attempts per upstream (refused, reset, timeout, died mid-response).',
    labelNames: ['upstream'],
    registers: [registry],
    collect() {
      this.reset();
      for (const u of pool.all()) this.inc({ upstream: u.id }, u.failures);
    },
  });
  new client.Gauge({
    name: 'authscale_proxy_upstream_in_flight',
    help: 'Requests currently in flight per upstream.',
    labelNames: ['upstream'],
    registers: [registry],
    collect() {
      this.reset();
      for (const u of pool.all()) this.set({ upstream: u.id }, u.inFlight);
    },
  });
  new client.Gauge({
    name: 'authscale_proxy_upstream_healthy',
    help: '1 when the upstream is healthy and not draining.',
    labelNames: ['upstream'],
    registers: [registry],
    collect() {
      this.reset();
      for (const u of pool.all()) this.set({ upstream: u.id }, u.healthy && !u.draining ? 1 : 0);
    },
  });
  new client.Gauge({
    name: 'authscale_proxy_panic',
    help: '1 while no upstream passes its health checks and the proxy routes across every reachable one.',
    registers: [registry],
    collect() {
      this.set(pool.panic ? 1 : 0);
    },
  });
  new client.Counter({
    name: 'authscale_proxy_retries_total',
    help: 'Attempts repeated on another upstream after a failure.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(counters.retries);
    },
  });
  new client.Counter({
    name: 'authscale_proxy_upstream_errors_total',
    help: 'Upstream failures by kind.',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [kind, n] of Object.entries(counters.upstreamErrors)) this.inc({ kind }, n);
    },
  });
  new client.Counter({
    name: 'authscale_proxy_no_healthy_upstream_total',
    help: 'Requests answered 503 because no upstream was eligible.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(counters.noHealthyUpstream);
    },
  });
  return registry;
}
