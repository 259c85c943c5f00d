import type { Logger } from '../../common/logger';

export interface UpstreamTarget {
  readonly protocol: 'http:';
  readonly host: string;
  readonly hostname: string;
  readonly port: number;
}

/** One replica as the pool sees it. Counters are plain fields: the hot path only adds to them. */
export class Upstream {
  healthy = true;
  /**
   * The last connection attempt to it (a health check's or a request's) succeeded. A refusal or a
   * connect timeout means nothing accepts connections there: panic routing skips it, while a
   * replica that accepts but answers its checks too slowly stays a panic candidate.
   */
  reachable = true;
  draining = false;
  removed = false;
  inFlight = 0;
  requests = 0;
  failures = 0;
  lastCheck: { at: string; ok: boolean } | null = null;
  /** Parsed once (the active checker's request options). */
  readonly target: UpstreamTarget;
  /** `http://host:port`: the forwarder's connection pool for this upstream. */
  readonly origin: string;

  constructor(
    readonly id: string,
    readonly url: string,
  ) {
    const parsed = new URL(url);
    const hostname = parsed.hostname.replace(/^\[|\]$/g, '');
    this.target = Object.freeze({ protocol: 'http:', host: hostname, hostname, port: Number(parsed.port || 80) });
    this.origin = parsed.origin;
  }

  toJSON(): object {
    return {
      id: this.id, url: this.url, healthy: this.healthy, reachable: this.reachable, draining: this.draining, inFlight: this.inFlight,
      requests: this.requests, failures: this.failures, lastCheck: this.lastCheck,
    };
  }
}

/**
 * Owns the upstreams and their health (Traefik-style): health checkers and the forwarder only
 * call setStatus / setReachable; strategies only ever see `eligible()`. That array is rebuilt on
 * a change, not per request, and its identity tells strategies when to rebuild what they derive
 * from it.
 *
 * Eligible = healthy and not draining. When no upstream is (every one failed its checks), the
 * pool panics, like Envoy below its panic threshold: eligible = every non-draining upstream that
 * still accepts connections, since a replica too slow for its checks usually still serves, and a
 * slow answer beats a certain 503. Draining upstreams are never eligible; with nothing reachable
 * either, eligible is empty and clients get 503 at once.
 */
export class UpstreamPool {
  private readonly byId = new Map<string, Upstream>();
  private snapshot: readonly Upstream[] = Object.freeze([]);
  private everything: readonly Upstream[] = Object.freeze([]);
  private panicking = false;

  constructor(private readonly logger: Logger) {}

  add(id: string, url: string): Upstream {
    if (this.byId.has(id)) throw new Error(`upstream ${id} already exists`);
    const upstream = new Upstream(id, url);
    this.byId.set(id, upstream);
    this.logger.info({ upstream: id, url }, 'upstream added');
    this.rebuild();
    return upstream;
  }

  /** In-flight requests to a removed upstream finish; it gets no new ones. */
  remove(id: string): boolean {
    const upstream = this.byId.get(id);
    if (!upstream) return false;
    upstream.removed = true;
    this.byId.delete(id);
    this.logger.info({ upstream: id }, 'upstream removed');
    this.rebuild();
    return true;
  }

  /** Draining: no new requests, in-flight ones finish; stays listed so an operator sees inFlight reach 0. */
  drain(id: string): Upstream | undefined {
    const upstream = this.byId.get(id);
    if (!upstream) return undefined;
    if (!upstream.draining) {
      upstream.draining = true;
      this.logger.info({ upstream: id }, 'upstream draining');
      this.rebuild();
    }
    return upstream;
  }

  get(id: string): Upstream | undefined {
    return this.byId.get(id);
  }

  all(): readonly Upstream[] {
    return this.everything;
  }

  eligible(): readonly Upstream[] {
    return this.snapshot;
  }

  /** Routing across upstreams that failed their health checks, because none passes them. */
  get panic(): boolean {
    return this.panicking;
  }

  /** Only transitions are logged, so a flapping replica is visible and a steady one is quiet. */
  setStatus(id: string, up: boolean, reason: string): void {
    const upstream = this.byId.get(id);
    if (!upstream || upstream.healthy === up) return;
    upstream.healthy = up;
    if (up) this.logger.info({ upstream: id, reason }, 'upstream up');
    else this.logger.warn({ upstream: id, reason }, 'upstream down');
    this.rebuild();
  }

  /** Whether the last connection attempt got through; only panic routing depends on it. */
  setReachable(id: string, reachable: boolean, reason: string): void {
    const upstream = this.byId.get(id);
    if (!upstream || upstream.reachable === reachable) return;
    upstream.reachable = reachable;
    this.logger.debug({ upstream: id, reason }, reachable ? 'upstream reachable' : 'upstream unreachable');
    this.rebuild();
  }

  recordCheck(id: string, ok: boolean, at: Date): void {
    const upstream = this.byId.get(id);
    if (upstream) upstream.lastCheck = { at: at.toISOString(), ok };
  }

  private rebuild(): void {
    this.everything = Object.freeze([...this.byId.values()]);
    const healthy = this.everything.filter((u) => u.healthy && !u.draining);
    const panic = healthy.length === 0 && this.everything.some((u) => !u.draining && u.reachable);
    const next = panic ? this.everything.filter((u) => !u.draining && u.reachable) : healthy;
    // Same members, same array: a change that routes nowhere differently costs strategies nothing.
    if (!sameMembers(next, this.snapshot)) this.snapshot = Object.freeze(next);
    if (panic !== this.panicking) {
      this.panicking = panic;
      if (panic) this.logger.warn({ upstreams: next.map((u) => u.id) }, 'panic: no upstream passes its health checks, routing across every reachable one');
      else if (healthy.length > 0) this.logger.info({ upstreams: healthy.map((u) => u.id) }, 'panic over: routing to healthy upstreams again');
      else this.logger.warn('panic over: no upstream is reachable');
    }
  }
}

function sameMembers(a: readonly Upstream[], b: readonly Upstream[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
