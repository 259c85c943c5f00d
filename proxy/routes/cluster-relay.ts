import http, { type IncomingMessage, type ServerResponse } from 'node:http';
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
      const headers: Record<string, string | number> = { authorization: `Bearer ${this.auth.token}`, accept: 'application/json', 'content-length': body.length };
      if (req.headers['content-type']) headers['content-type'] = req.headers['content-type'];
      const upstream = http.request(target, { method: req.method, headers, timeout: RELAY_TIMEOUT_MS, agent: false }, (answer) => {
        const out: Record<string, string | number> = { 'Cache-Control': 'no-store' };
        if (answer.headers['content-type']) out['Content-Type'] = answer.headers['content-type'];
        res.writeHead(answer.statusCode ?? 502, out);
        answer.pipe(res);
        answer.once('aborted', () => res.destroy());
      });
      upstream.once('timeout', () => upstream.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      upstream.once('error', (err: NodeJS.ErrnoException) => {
        if (res.headersSent) return void res.destroy();
        if (err.code === 'ETIMEDOUT') sendError(res, 'gateway_timeout', 'The cluster control API did not answer in time.');
        else sendError(res, 'bad_gateway', `The cluster control API is unreachable (${err.code ?? err.message}).`);
      });
      upstream.end(body);
    });
  }
}
