import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { Logger } from '../../common/logger';
import type { UpstreamPool } from '../balancing/upstream-pool';
import { handleAdmin } from './admin';
import type { AdminAuth } from './admin-auth';
import { UpstreamRelay, type ClusterRelay } from './cluster-relay';
import type { DashboardFiles } from './dashboard';
import type { ModeOutcomes } from '../metrics';
import { sendError, sendJson } from '../../common/http-json';

export interface InternalRouteDeps {
  readonly pool: UpstreamPool;
  readonly auth: AdminAuth;
  readonly registry: Registry;
  readonly dashboard: DashboardFiles;
  readonly relay: ClusterRelay;
  readonly frontends: () => readonly { port: number; strategy: string }[];
  /** Answers per auth mode so far (ok, logouts, errors), for the dashboard's per-second charts. */
  readonly modeOutcomes: () => Readonly<Record<string, ModeOutcomes>>;
  readonly logger: Logger;
}

/** Whether a request is for the proxy itself (never forwarded). Cheap: checked on every request. */
export function isInternal(url: string): boolean {
  return url.charCodeAt(1) === 95 /* _ */ && (url.startsWith('/_proxy/') || url === '/_proxy' || url.startsWith('/_dashboard'));
}

/** The proxy's own routes, the same on every frontend. */
export class InternalRoutes {
  private readonly direct: UpstreamRelay;

  constructor(private readonly deps: InternalRouteDeps) {
    this.direct = new UpstreamRelay(deps.pool, deps.auth);
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    this.route(req, res).catch((err: unknown) => {
      this.deps.logger.error({ err }, 'internal route failed');
      if (!res.headersSent) sendError(res, 'internal_error');
      else res.destroy();
    });
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const pathname = queryAt === -1 ? url : url.slice(0, queryAt);
    const { pool, auth, registry, dashboard, relay } = this.deps;

    if (pathname === '/_dashboard' || pathname.startsWith('/_dashboard/')) return dashboard.serve(req, res, pathname.slice('/_dashboard'.length));
    if (pathname.startsWith('/_proxy/cluster/') || pathname === '/_proxy/cluster') return relay.relay(req, res, url.slice('/_proxy/cluster'.length));
    if (pathname === '/_proxy/status') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 'method_not_allowed', undefined, { Allow: 'GET' });
      return sendJson(res, 200, {
        upstreams: pool.all(), panic: pool.panic, frontends: this.deps.frontends(), control: relay.configured ? 'local' : null, modes: this.deps.modeOutcomes(),
      });
    }
    if (pathname === '/_proxy/metrics') {
      const text = await registry.metrics();
      res.writeHead(200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' });
      res.end(text);
      return;
    }
    const direct = UpstreamRelay.match(pathname);
    if (direct) return this.direct.relay(req, res, direct.id, direct.rest, queryAt === -1 ? '' : url.slice(queryAt));
    if (pathname === '/_proxy/upstreams' || pathname.startsWith('/_proxy/upstreams/')) {
      return handleAdmin(req, res, pathname.slice('/_proxy/upstreams'.length), pool, auth);
    }
    return sendError(res, 'not_found');
  }
}
