import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LookupFunction } from 'node:net';
import { Pool, type Dispatcher } from 'undici';
import { ERRORS } from '../../common/errors';
import type { Logger } from '../../common/logger';
import type { Upstream, UpstreamPool } from '../balancing/upstream-pool';
import type { PassiveHealth } from '../health/passive';
import type { ProxyCounters } from '../metrics';
import type { ClientAddressClaims } from '../net/client-claim';
import { clientAddress, peerOf, setForwardedHeaders, type PeerInfo } from '../net/forwarded';
import type { TrustedProxies } from '../net/cidr';
import { filterRawResponseHeaders, stripRequestHopByHop } from '../net/hop-by-hop';
import { readCookie, AFFINITY_COOKIE } from '../balancing/sticky-cookie';
import { sendError } from '../../common/http-json';
import { AttemptHandler, EXCHANGE, Exchange, type ExchangeOwner, type FrontendRuntime, type WithExchange } from './exchange';
import { hasBody, readBody } from './request-body';
import { CONNECT_TIMEOUT, classifyFailure, mayRetry } from './retry-policy';

export interface ForwarderOptions {
  readonly upstreamTimeoutMs: number;
  /** The bench's keyed client-address claims (docs/security.md, "Client address"). */
  readonly claims: ClientAddressClaims;
  readonly maxBufferedBodyBytes: number;
  /** Idle keep-alive sockets are closed after this when the replica announces no Keep-Alive timeout (Node's default is 5 s). */
  readonly agentIdleTimeoutMs?: number;
  /** Host-name lookup for new connections to replicas (proxy/net/upstream-lookup.ts); default: Node's, per connection. */
  readonly lookup?: LookupFunction;
}

/** The longest an idle upstream socket is kept, whatever the replica announces. */
const UPSTREAM_KEEP_ALIVE_MAX_MS = 60_000;

/**
 * Sends client requests to upstreams with the failure rules of docs/design.md, on undici's
 * connection pool (one Pool per upstream, keep-alive, no pipelining): measured about 11 µs of CPU
 * per request cheaper than http.request with a keep-alive Agent, which http-proxy is built on.
 * - we write the response head ourselves: hop-by-hop headers dropped, the affinity cookie added;
 * - an upstream dying mid-body destroys the client connection instead of leaving it hanging;
 * - X-Forwarded-* are set by us (overwritten for untrusted peers, not appended);
 * - the body is buffered, so an attempt can be retried with the same bytes;
 * - every upstream error arrives at one handler, so none can crash the process.
 */
export class Forwarder implements ExchangeOwner {
  private readonly pools = new Map<Upstream, Pool>();

  constructor(
    private readonly pool: UpstreamPool,
    private readonly passive: PassiveHealth,
    private readonly trusted: TrustedProxies,
    private readonly counters: ProxyCounters,
    private readonly options: ForwarderOptions,
    private readonly logger: Logger,
  ) {}

  handle(req: IncomingMessage, res: ServerResponse, frontend: FrontendRuntime): void {
    const ex = new Exchange(req, res, frontend, this);
    (req as WithExchange<IncomingMessage>)[EXCHANGE] = ex;
    (res as WithExchange<ServerResponse>)[EXCHANGE] = ex;
    // `on`, not `once`: 'close' fires once anyway, and `once` allocates a wrapper per request.
    res.on('close', onClientClose);

    if (req.url === undefined || req.url.charCodeAt(0) !== 47 /* / */) {
      const path = originForm(req.url);
      if (path === undefined) return this.fail(ex, 'bad_request', 'The request target must be a path (or an absolute http URL).');
      req.url = path;
    }
    // Two Host headers: the proxy and a replica could each believe a different one (RFC 9112 §3.2).
    if (hostCount(req.rawHeaders) > 1) return this.fail(ex, 'bad_request', 'A request must carry exactly one Host header.', { Connection: 'close' });
    const headers = req.headers;
    const withBody = hasBody(req);
    stripRequestHopByHop(headers);
    // We buffer the body ourselves, so a client's 100-continue is answered by us, not the replica.
    if (headers.expect !== undefined) delete headers.expect;
    const socketPeer = peerOf(req, this.trusted);
    const claimed = this.options.claims.take(headers);
    // A verified claim stands for the peer: the replica sees it and hash-ip keys on it.
    const peer: PeerInfo = claimed === undefined ? socketPeer : { address: claimed, trusted: false };
    const needs = frontend.strategy.needs;
    if (needs.clientAddress) ex.ctx.clientAddress = clientAddress(peer, headers['x-forwarded-for'], this.trusted);
    if (needs.affinity) ex.ctx.affinity = readCookie(headers.cookie, AFFINITY_COOKIE);
    setForwardedHeaders(headers, peer, frontend.tls);

    if (!withBody) {
      this.dispatch(ex);
      return;
    }
    readBody(req, this.options.maxBufferedBodyBytes).then((result) => {
      if (!result.ok) {
        if (result.reason === 'too_large') this.fail(ex, 'payload_too_large', `Request bodies above ${this.options.maxBufferedBodyBytes} bytes are refused by the proxy.`, { Connection: 'close' });
        else this.finish(ex);
        return;
      }
      ex.body = result.body;
      headers['content-length'] = String(result.body.length);
      this.dispatch(ex);
    }).catch((err: unknown) => {
      // A bug on this path must cost one request a 500, never the proxy process (unhandled rejection).
      this.logger.error({ err }, 'forwarding a buffered request failed');
      this.fail(ex, 'internal_error');
    });
  }

  close(): void {
    for (const client of this.pools.values()) void client.destroy().catch(() => undefined);
    this.pools.clear();
  }

  private poolOf(upstream: Upstream): Pool {
    let client = this.pools.get(upstream);
    if (client === undefined) {
      const timeout = this.options.upstreamTimeoutMs;
      const idle = this.options.agentIdleTimeoutMs ?? 4000;
      client = new Pool(upstream.origin, {
        // Inactivity bounds per attempt: connecting, waiting for the head, between body chunks.
        connect: { timeout, lookup: this.options.lookup }, headersTimeout: timeout, bodyTimeout: timeout,
        // A replica's `Keep-Alive: timeout=N` is followed (undici closes 2 s before it: the app says 65 s,
        // a default Node server 5 s), capped; a quiet spell then costs no reconnects. Without it: `idle`.
        keepAliveTimeout: idle, keepAliveMaxTimeout: UPSTREAM_KEEP_ALIVE_MAX_MS, pipelining: 1,
      });
      this.pools.set(upstream, client);
      // A removed upstream's pool closes once its last request is done (a removal is rare: no per-request check).
      if (this.pools.size > this.pool.all().length + 4) this.prune();
    }
    return client;
  }

  private prune(): void {
    for (const [upstream, client] of this.pools) {
      if (upstream.removed) {
        this.pools.delete(upstream);
        void client.close().catch(() => undefined);
      }
    }
  }

  private dispatch(ex: Exchange): void {
    const upstream = ex.frontend.strategy.pick(this.pool.eligible(), ex.ctx);
    if (upstream === undefined) {
      this.counters.noHealthyUpstream += 1;
      this.fail(ex, 'no_healthy_upstream');
      return;
    }
    ex.upstream = upstream;
    ex.attemptOpen = true;
    ex.abort = undefined;
    ex.attempt += 1;
    upstream.inFlight += 1;
    upstream.requests += 1;
    const req = ex.req;
    this.poolOf(upstream).dispatch(
      { path: req.url!, method: req.method as Dispatcher.HttpMethod, headers: req.headers as Record<string, string>, body: ex.body },
      new AttemptHandler(ex, ex.attempt),
    );
  }

  onUpstreamHeaders(ex: Exchange, status: number, raw: Buffer[], statusText: string): void {
    const res = ex.res;
    if (res.destroyed) {
      ex.abort?.();
      return;
    }
    const headers = filterRawResponseHeaders(raw);
    const cookie = ex.frontend.strategy.affinityCookie?.(ex.upstream!, ex.ctx);
    if (cookie !== undefined) headers.push('Set-Cookie', cookie);
    ex.frontend.counts[(status / 100) | 0] += 1;
    this.counters.countMode(ex.req.url, status);
    res.writeHead(status, statusText, headers);
  }

  onUpstreamComplete(ex: Exchange): void {
    ex.endAttempt();
    ex.res.end();
    this.finish(ex);
  }

  /** Decide what a failed attempt becomes: a retry elsewhere, a 502/504/503, or a closed connection. */
  onAttemptFailed(ex: Exchange, err: NodeJS.ErrnoException): void {
    if (ex.done) return;
    const upstream = ex.endAttempt();
    if (upstream === undefined) return this.finish(ex);
    // The client left before any answer: not the upstream's failure, nothing to retry for.
    if (ex.res.destroyed && !ex.res.headersSent) return this.finish(ex);
    if (ex.res.headersSent) {
      this.counters.upstreamErrors.aborted_mid_response += 1;
      this.passive.reset(upstream, err.code ?? 'aborted');
      ex.res.destroy();
      return this.finish(ex);
    }
    const kind = classifyFailure(err);
    this.counters.upstreamErrors[kind] += 1;
    if (kind === 'refused') this.passive.connectFailed(upstream, err.code ?? 'refused');
    else if (kind === 'reset') this.passive.reset(upstream, err.code ?? 'reset');
    else if (err.code === CONNECT_TIMEOUT) this.passive.connectTimedOut(upstream);
    else this.passive.timedOut(upstream);

    if (mayRetry(kind, ex.req.method, ex.retriedAfterSend)) {
      if (kind !== 'refused') ex.retriedAfterSend = true;
      ex.markTried(upstream.id);
      this.counters.retries += 1;
      this.dispatch(ex);
      return;
    }
    if (kind === 'timeout') this.fail(ex, 'gateway_timeout', `The upstream replica ${upstream.id} did not answer within ${this.options.upstreamTimeoutMs} ms.`);
    else this.fail(ex, 'bad_gateway', `The upstream replica ${upstream.id} closed the connection (${err.code ?? 'reset'}); a ${ex.req.method} is not retried.`);
  }

  /** The client went away before its answer was complete: cancel the attempt, free the upstream. */
  onClientGone(ex: Exchange): void {
    if (ex.done) return;
    const abort = ex.abort;
    ex.endAttempt();
    this.finish(ex);
    abort?.();
  }

  private fail(ex: Exchange, code: Parameters<typeof sendError>[1], message?: string, headers?: Record<string, string>): void {
    // By the catalogue's status, so a refused request (400, 413) is never counted as a 5xx.
    if (!ex.res.headersSent) {
      const status = ERRORS[code].status;
      ex.frontend.counts[(status / 100) | 0] += 1;
      this.counters.countMode(ex.req.url, status);
    }
    sendError(ex.res, code, message, headers);
    this.finish(ex);
  }

  private finish(ex: Exchange): void {
    ex.done = true;
    ex.abort = undefined;
    ex.resume = undefined;
  }
}

/** How many Host headers a request carries (Node keeps only the first in req.headers). */
function hostCount(raw: readonly string[]): number {
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name.length === 4 && (name === 'Host' || name === 'host' || name.toLowerCase() === 'host')) count++;
  }
  return count;
}

/** "http://host/p?q" → "/p?q" (RFC 9112 §3.2.2 absolute-form); anything else (e.g. "*") → undefined. */
export function originForm(target: string | undefined): string | undefined {
  if (target === undefined || !/^https?:\/\//i.test(target)) return undefined;
  try {
    const url = new URL(target);
    return url.pathname + url.search;
  } catch {
    return undefined;
  }
}

// Shared handler (no per-request closure): `this` is the response, the exchange hangs off it.

function onClientClose(this: WithExchange<ServerResponse>): void {
  const ex = this[EXCHANGE];
  if (ex && !ex.done && !this.writableFinished) ex.owner.onClientGone(ex);
}
