import type http from 'node:http';
import { z } from 'zod';
import { positiveInt } from './config';

/**
 * What one client may hold of an HTTP server (the proxy's frontends, a replica), explicit
 * instead of Node's defaults (60 s for headers, 300 s for a request, checked every 30 s, no
 * connection cap). docs/security.md, "Slow clients".
 */
export const serverLimitsEnv = {
  /** The request head must have arrived this long after its first byte (slow headers → 408). */
  HEADERS_TIMEOUT_SECONDS: positiveInt.max(300).default(10),
  /** The whole request, head and body, must have arrived within this (a trickled body → 408). */
  REQUEST_TIMEOUT_SECONDS: positiveInt.max(3600).default(30),
  /** Open connections per listening server; more are closed at once. Above the bench's concurrency (≤ 1000). */
  MAX_CONNECTIONS: positiveInt.max(1_000_000).default(2048),
};

export interface ServerLimits {
  readonly headersTimeoutSeconds: number;
  readonly requestTimeoutSeconds: number;
  readonly maxConnections: number;
}

type LimitsEnv = { HEADERS_TIMEOUT_SECONDS: number; REQUEST_TIMEOUT_SECONDS: number; MAX_CONNECTIONS: number };

/** Node refuses a header timeout above the request timeout: say so at start-up, with the other problems. */
export function checkServerLimits(env: LimitsEnv, ctx: z.RefinementCtx): void {
  if (env.HEADERS_TIMEOUT_SECONDS > env.REQUEST_TIMEOUT_SECONDS) {
    ctx.addIssue({ code: 'custom', path: ['HEADERS_TIMEOUT_SECONDS'], message: 'must not exceed REQUEST_TIMEOUT_SECONDS' });
  }
}

export function serverLimitsOf(env: LimitsEnv): ServerLimits {
  return { headersTimeoutSeconds: env.HEADERS_TIMEOUT_SECONDS, requestTimeoutSeconds: env.REQUEST_TIMEOUT_SECONDS, maxConnections: env.MAX_CONNECTIONS };
}

// Node checks the two timeouts on a timer (30 s by default): every half second cuts a slow client in time.
const CHECK_INTERVAL_MS = 500;

/** Options for http.createServer carrying the limits. */
export function serverOptions(limits: ServerLimits): http.ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutSeconds * 1000,
    requestTimeout: limits.requestTimeoutSeconds * 1000,
    connectionsCheckingInterval: CHECK_INTERVAL_MS,
  };
}

/** The connection cap (a server property, not a createServer option). */
export function capConnections(server: http.Server, limits: ServerLimits): void {
  server.maxConnections = limits.maxConnections;
}
