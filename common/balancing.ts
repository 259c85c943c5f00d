import crypto from 'node:crypto';

/**
 * What every balancer of the cluster shares: the Node proxy's defaults, which the generated HAProxy
 * and nginx configs copy (docs/proxy.md, "HAProxy and nginx"), and the affinity cookie's name and
 * value, so a cookie set by the Node proxy names the same replica behind HAProxy.
 */
export const BALANCING = Object.freeze({
  healthPath: '/health',
  healthIntervalMs: 1000,
  healthTimeoutMs: 500,
  /** Consecutive successes to re-admit an upstream, failures to eject it. */
  healthRise: 2,
  healthFall: 2,
  /** Per-attempt inactivity on the upstream side (connect, wait for the answer, a stalled body). */
  upstreamTimeoutMs: 10_000,
  /**
   * HAProxy's and nginx's connect timeout. A dead container's address answers nothing (no RST, as a
   * dead local process gives), so a connect waits for this; nginx, with passive checks only, meets it
   * on live requests. The Node proxy has no separate one: its active checks eject such a replica.
   */
  connectTimeoutMs: 2000,
  /** How long an idle client connection is kept open (the Node proxy's server.keepAliveTimeout). */
  clientKeepAliveMs: 30_000,
  /** A client's request head must arrive within this (HEADERS_TIMEOUT_SECONDS). */
  headersTimeoutSeconds: 10,
  /** Bodies are buffered (so a refused POST can be replayed) up to this; larger → 413. */
  maxBufferedBodyBytes: 1024 * 1024,
});

/** The affinity cookie of every sticky frontend (Node proxy, HAProxy, nginx). */
export const AFFINITY_COOKIE = 'lb';

/** A development-only default; production must set AFFINITY_SECRET (secretWeakness refuses "dev-only"). */
export const DEV_AFFINITY_SECRET = 'dev-only-affinity-secret-change-me-0123456789';

/**
 * The opaque cookie value naming one upstream: an HMAC of its id keyed by AFFINITY_SECRET, truncated
 * to 22 base64url characters. Names no address, and cannot be forged into another id without the secret.
 */
export function affinityValue(secret: string, id: string): string {
  return crypto.createHmac('sha256', secret).update(`upstream:${id}`).digest('base64url').slice(0, 22);
}

/** RFC 9110 §9.2.2: repeating these has the same effect as sending them once (retry rules of every balancer). */
export const IDEMPOTENT_METHODS = Object.freeze(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE'] as const);
