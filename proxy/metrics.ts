import client from 'prom-client';
import type { UpstreamPool } from './balancing/upstream-pool';

/**
 * Counters the hot path bumps as plain numbers; prom-client reads them only when scraped
 * (collect callbacks), so a proxied request pays no label hashing.
 */
export class ProxyCounters {
  /** responses[frontendPort][statusClass 1..5] */
  readonly responses = new Map<number, number[]>();
  retries = 0;
  noHealthyUpstream = 0;
  upstreamErrors = { refused: 0, reset: 0, timeout: 0, aborted_mid_response: 0 };

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
