import http, { type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import httpProxy from 'http-proxy';
import { ERRORS } from '../../common/errors';
import type { Logger } from '../../common/logger';
import type { UpstreamPool } from '../balancing/upstream-pool';
import type { PassiveHealth } from '../health/passive';
import type { ProxyCounters } from '../metrics';
import type { ClientAddressClaims } from '../net/client-claim';
import { clientAddress, peerOf, setForwardedHeaders, type PeerInfo } from '../net/forwarded';
import type { TrustedProxies } from '../net/cidr';
import { filterResponseHeaders, stripRequestHopByHop } from '../net/hop-by-hop';
import { readCookie, AFFINITY_COOKIE } from '../balancing/sticky-cookie';
import { sendError } from '../../common/http-json';
import { EXCHANGE, Exchange, type ExchangeOwner, type FrontendRuntime, type WithExchange } from './exchange';
import { EMPTY_BODY, hasBody, readBody } from './request-body';
import { classifyFailure, mayRetry } from './retry-policy';

export interface ForwarderOptions {
  readonly upstreamTimeoutMs: number;
  /** The bench's keyed client-address claims (docs/security.md, "Client address"). */
  readonly claims: ClientAddressClaims;
  readonly maxBufferedBodyBytes: number;
  /** Idle keep-alive sockets are closed after this; below the replicas' keepAliveTimeout (65 s; Node's default 5 s). */
  readonly agentIdleTimeoutMs?: number;
}

/**
 * Sends client requests to upstreams through http-proxy, with the failure rules of docs/design.md.
 * What http-proxy does not do right is done here explicitly:
 * - `selfHandleResponse`: we write the response head ourselves, so hop-by-hop headers are
 *   dropped and the affinity cookie added, and we watch the upstream response so that an
 *   upstream dying mid-body destroys the client connection instead of leaving it hanging;
 * - `xfwd` off: X-Forwarded-* are set by us (overwritten for untrusted peers, not appended);
 * - the body is handed over as a replayable buffer, so an attempt can be retried;
 * - a per-call callback and a permanent `error` listener, so no upstream error can crash us.
 */
export class Forwarder implements ExchangeOwner {
  readonly agent: http.Agent;
  private readonly proxy: httpProxy;

  constructor(
    private readonly pool: UpstreamPool,
    private readonly passive: PassiveHealth,
    private readonly trusted: TrustedProxies,
    private readonly counters: ProxyCounters,
    private readonly options: ForwarderOptions,
    private readonly logger: Logger,
  ) {
    this.agent = new http.Agent({ keepAlive: true, timeout: options.agentIdleTimeoutMs ?? 4000, scheduling: 'lifo' });
    // toProxy + prependPath off: send req.url as it came instead of url.parse()-ing it per request
    // (measured: ~4 µs of ~62 per request); handle() turns the rare absolute-form target into a path first.
    this.proxy = httpProxy.createProxyServer({ agent: this.agent, selfHandleResponse: true, xfwd: false, ws: false, toProxy: true, prependPath: false });
    this.proxy.on('error', (err) => this.logger.error({ err }, 'unexpected http-proxy error'));
    this.proxy.on('proxyReq', (proxyReq, req) => this.onProxyReq(proxyReq, req));
    this.proxy.on('proxyRes', (proxyRes, req, res) => this.onProxyRes(proxyRes, req, res));
    this.proxy.on('econnreset', (_err, req) => this.onClientGone(req));
  }

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
      ex.body = EMPTY_BODY;
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
      headers['content-length'] = String(result.body.bytes.length);
      this.dispatch(ex);
    }).catch((err: unknown) => {
      // A bug on this path must cost one request a 500, never the proxy process (unhandled rejection).
      this.logger.error({ err }, 'forwarding a buffered request failed');
      this.fail(ex, 'internal_error');
    });
  }

  close(): void {
    this.agent.destroy();
    this.proxy.close();
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
    ex.timedOut = false;
    ex.proxyReq = undefined;
    upstream.inFlight += 1;
    upstream.requests += 1;
    // Bodiless requests (most of them) reuse one options object per upstream instead of allocating one.
    const options = ex.body === EMPTY_BODY ? upstream.bodilessOptions : { target: upstream.target, buffer: ex.body };
    this.proxy.web(ex.req, ex.res, options as unknown as httpProxy.ServerOptions, onProxyError);
  }

  private onProxyReq(proxyReq: ClientRequest, req: IncomingMessage): void {
    const ex = (req as WithExchange<IncomingMessage>)[EXCHANGE];
    if (!ex) return;
    ex.proxyReq = proxyReq;
    (proxyReq as WithExchange<ClientRequest>)[EXCHANGE] = ex;
    // Bounds a hung replica: inactivity on the upstream socket (connect, wait, or a stalled body).
    proxyReq.setTimeout(this.options.upstreamTimeoutMs, onUpstreamTimeout);
  }

  private onProxyRes(proxyRes: IncomingMessage, req: IncomingMessage, res: ServerResponse): void {
    const ex = (req as WithExchange<IncomingMessage>)[EXCHANGE];
    if (!ex || ex.done || res.destroyed) {
      proxyRes.destroy();
      return;
    }
    ex.proxyRes = proxyRes;
    (proxyRes as WithExchange<IncomingMessage>)[EXCHANGE] = ex;
    const status = proxyRes.statusCode ?? 502;
    const headers = filterResponseHeaders(proxyRes.rawHeaders);
    const cookie = ex.frontend.strategy.affinityCookie?.(ex.upstream!, ex.ctx);
    if (cookie !== undefined) headers.push('Set-Cookie', cookie);
    ex.frontend.counts[(status / 100) | 0] += 1;
    this.counters.countMode(ex.req.url, status);
    res.writeHead(status, proxyRes.statusMessage, headers);
    proxyRes.on('close', onUpstreamResponseClose);
    proxyRes.pipe(res);
  }

  /** Decide what a failed attempt becomes: a retry elsewhere, a 502/504/503, or a closed connection. */
  onAttemptFailed(ex: Exchange, err: NodeJS.ErrnoException): void {
    if (ex.done) return;
    const upstream = ex.endAttempt();
    if (upstream === undefined) return this.finish(ex);
    if (ex.res.headersSent || ex.res.destroyed) {
      this.counters.upstreamErrors.aborted_mid_response += 1;
      this.passive.reset(upstream, err.code ?? 'aborted');
      ex.res.destroy();
      return this.finish(ex);
    }
    const kind = classifyFailure(err, ex.timedOut);
    this.counters.upstreamErrors[kind] += 1;
    if (kind === 'refused') this.passive.connectFailed(upstream, err.code ?? 'refused');
    else if (kind === 'reset') this.passive.reset(upstream, err.code ?? 'reset');
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

  /** The upstream response ended or broke; a broken one must not leave the client waiting. */
  onUpstreamResponseClosed(ex: Exchange, proxyRes: IncomingMessage): void {
    const upstream = ex.endAttempt();
    if (!proxyRes.complete && !ex.done) {
      this.counters.upstreamErrors.aborted_mid_response += 1;
      if (upstream) this.passive.reset(upstream, 'aborted mid-response');
      ex.res.destroy();
    }
    this.finish(ex);
  }

  onClientGone(req: IncomingMessage): void {
    const ex = (req as WithExchange<IncomingMessage>)[EXCHANGE];
    if (!ex || ex.done) return;
    ex.endAttempt();
    if (ex.proxyRes && !ex.proxyRes.complete) ex.proxyRes.destroy();
    else ex.proxyReq?.destroy();
    this.finish(ex);
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
    ex.proxyReq = undefined;
    ex.proxyRes = undefined;
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

// Shared handlers (no per-request closures): `this` is the emitter, the exchange hangs off it.

function onProxyError(this: unknown, err: Error, req: IncomingMessage): void {
  const ex = (req as WithExchange<IncomingMessage>)[EXCHANGE];
  if (ex) ex.owner.onAttemptFailed(ex, err as NodeJS.ErrnoException);
}

function onUpstreamTimeout(this: WithExchange<ClientRequest>): void {
  const ex = this[EXCHANGE];
  if (ex && ex.proxyReq === this) ex.timedOut = true;
  this.destroy();
}

function onUpstreamResponseClose(this: WithExchange<IncomingMessage>): void {
  const ex = this[EXCHANGE];
  if (ex) ex.owner.onUpstreamResponseClosed(ex, this);
}

function onClientClose(this: WithExchange<ServerResponse>): void {
  const ex = this[EXCHANGE];
  if (ex && !ex.done && !this.writableFinished) ex.owner.onClientGone(ex.req);
}
