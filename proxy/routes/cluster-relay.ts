import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { UpstreamPool } from '../balancing/upstream-pool';
import type { AdminAuth } from './admin-auth';
import { sendError } from '../../common/http-json';

const RELAY_TIMEOUT_MS = 30_000; // a `restart` of a replica waits for it to be ready
const MAX_BODY = 64 * 1024;

/**
 * The control API's own routes (cluster/control-api.ts), the only requests the relay makes. The
 * relay never builds a URL from the client's path: it matches the path against this list and
 * sends the matched route's path to CLUSTER_CONTROL_URL, so "//host", "\\host", encoded
 * slashes or dot segments can only miss (404).
 */
const CONTROL_ROUTES: readonly { method: string; path: RegExp; query?: RegExp }[] = [
  { method: 'GET', path: /^\/services$/ },
  { method: 'GET', path: /^\/cluster$/ },
  { method: 'POST', path: /^\/cluster\/down$/ },
  { method: 'POST', path: /^\/services\/[A-Za-z0-9][A-Za-z0-9_-]{0,62}\/(?:kill|stop|start|restart|pause|unpause)$/, query: /^(?:signal=[A-Za-z0-9]{1,12})?$/ },
];

/** The control route `rest` names (path and query, both checked), or undefined. */
export function controlRoute(method: string | undefined, rest: string): { pathname: string; query: string } | undefined {
  const at = rest.indexOf('?');
  const pathname = at === -1 ? rest : rest.slice(0, at);
  const query = at === -1 ? '' : rest.slice(at + 1);
  const route = CONTROL_ROUTES.find((r) => r.method === method && r.path.test(pathname));
  if (route === undefined || (query !== '' && !(route.query ?? /^$/).test(query))) return undefined;
  return { pathname, query };
}

/**
 * One request relayed to a fixed URL (bounded body, timeout, no shared agent): the proxy's own
 * relays below, never the balanced path. `forward` names the request headers passed on,
 * `answer` the response headers passed back.
 */
function relayTo(
  req: IncomingMessage, res: ServerResponse, target: URL,
  options: { headers: Record<string, string>; forward: readonly string[]; answer: readonly string[]; what: string },
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_BODY) chunks.push(chunk);
  });
  req.once('error', () => res.destroy());
  req.once('end', () => {
    if (size > MAX_BODY) return sendError(res, 'payload_too_large');
    const body = Buffer.concat(chunks);
    const headers: Record<string, string | number> = { ...options.headers, 'content-length': body.length };
    for (const name of options.forward) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const upstream = http.request(target, { method: req.method, headers, timeout: RELAY_TIMEOUT_MS, agent: false }, (answer) => {
      const out: Record<string, string | string[]> = { 'Cache-Control': 'no-store' };
      for (const name of options.answer) {
        const value = answer.headers[name];
        if (value !== undefined) out[name] = value;
      }
      res.writeHead(answer.statusCode ?? 502, out);
      answer.pipe(res);
      answer.once('aborted', () => res.destroy());
    });
    upstream.once('timeout', () => upstream.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    upstream.once('error', (err: NodeJS.ErrnoException) => {
      if (res.headersSent) return void res.destroy();
      if (err.code === 'ETIMEDOUT') sendError(res, 'gateway_timeout', `${options.what} did not answer in time.`);
      else sendError(res, 'bad_gateway', `${options.what} is unreachable (${err.code ?? err.message}).`);
    });
    upstream.end(body);
  });
}

/**
 * /_proxy/cluster/* → CLUSTER_CONTROL_URL/* (docs/proxy.md), so the dashboard can drive the
 * local launcher from the same origin. Changing anything needs the admin token on the incoming
 * request; only the read-only service list is open. The proxy adds its own token upstream.
 */
export class ClusterRelay {
  constructor(
    private readonly controlUrl: string | undefined,
    private readonly auth: AdminAuth,
  ) {}

  get configured(): boolean {
    return this.controlUrl !== undefined;
  }

  /** `rest` is the path and query after /_proxy/cluster (e.g. "/services/app2/kill?signal=SIGKILL"). */
  relay(req: IncomingMessage, res: ServerResponse, rest: string): void {
    if (this.controlUrl === undefined) {
      return sendError(res, 'not_found', 'No cluster control here: this cluster was not started by the local launcher; use docker compose (e.g. `docker compose kill app2`).');
    }
    const route = controlRoute(req.method, rest);
    const readOnly = route !== undefined && route.pathname === '/services';
    if (!readOnly && !this.auth.allows(req)) return sendError(res, 'admin_token_required', undefined, { 'WWW-Authenticate': 'Bearer' });
    if (route === undefined) return sendError(res, 'not_found', 'Relayed routes: GET /services, POST /services/{svc}/{verb}, GET /cluster, POST /cluster/down.');
    const target = new URL(this.controlUrl);
    target.pathname = route.pathname;
    target.search = route.query;
    relayTo(req, res, target, {
      headers: { authorization: `Bearer ${this.auth.token}`, accept: 'application/json' },
      forward: ['content-type'],
      answer: ['content-type'],
      what: 'The cluster control API',
    });
  }
}

/**
 * /_proxy/upstreams/{id}/direct/{path} → that upstream's {path}, admin token only: one replica
 * reached on purpose, past the balancer, from outside a network where replicas are not published
 * (the bench's memory scenario weighs one replica's heap). The caller's Authorization (the admin
 * token) is never passed on; cookies and bodies are, so a login lands on that replica.
 */
export class UpstreamRelay {
  constructor(
    private readonly pool: UpstreamPool,
    private readonly auth: AdminAuth,
  ) {}

  static match(pathname: string): { id: string; rest: string } | undefined {
    const m = /^\/_proxy\/upstreams\/([\w.-]+)\/direct(\/.*)$/.exec(pathname);
    return m ? { id: m[1], rest: m[2] } : undefined;
  }

  relay(req: IncomingMessage, res: ServerResponse, id: string, rest: string, query: string): void {
    if (!this.auth.allows(req)) return sendError(res, 'admin_token_required', undefined, { 'WWW-Authenticate': 'Bearer' });
    const upstream = this.pool.get(id);
    if (!upstream) return sendError(res, 'not_found', `No upstream ${id}.`);
    // Path and query set on the upstream's own URL, never resolved against it: "//host" stays a path.
    const target = new URL(upstream.url);
    target.pathname = rest;
    target.search = query;
    relayTo(req, res, target, {
      headers: {},
      forward: ['content-type', 'cookie', 'accept', 'x-csrf-token'],
      answer: ['content-type', 'set-cookie', 'x-instance', 'retry-after'],
      what: `Upstream ${id}`,
    });
  }
}
