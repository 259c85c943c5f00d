import http from 'node:http';
import { BearerToken } from '../common/bearer-token';
import { AppError, errorBody } from '../common/errors';
import { sendJson as send } from '../common/http-json';
import { closeGracefully, listen } from '../common/http-listen';
import type { Verb } from './verbs';
import type { ServiceState } from './service-process';

/**
 * The launcher's control API (docs/cluster.md), on 127.0.0.1 only, every route behind the
 * admin token:
 *   GET  /services                  → { services: ServiceState[] }
 *   POST /services/{svc}/{verb}     → { service: ServiceState }   (?signal=SIGTERM for kill)
 *   GET  /cluster                   → where things are (frontends, HAProxy's and nginx's, run dir, launcher pid)
 *   POST /cluster/down              → 202, then the whole cluster stops (the CLI's `down`)
 */
export interface ControllableCluster {
  readonly frontends: readonly { port: number; strategy: string; url: string }[];
  readonly balancers: readonly { name: string; frontends: readonly { port: number; strategy: string; url: string }[] }[];
  readonly controlUrl: string;
  readonly redisUrl?: string;
  readonly sentinels?: readonly string[];
  readonly latency?: { controlUrl: string };
  readonly redisTopology: string;
  readonly runDir: string;
  readonly warnings: readonly string[];
  services(): Promise<ServiceState[]>;
  act(service: string, verb: Verb, signal?: string): Promise<void>;
}

export interface ControlApi {
  url: string;
  close(): Promise<void>;
}

export async function startControlApi(options: {
  cluster: ControllableCluster;
  port: number;
  adminToken: string;
  onDown: () => void;
}): Promise<ControlApi> {
  const { cluster } = options;
  const admin = new BearerToken(options.adminToken);

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://control');
    const parts = url.pathname.split('/').filter(Boolean);
    if (!admin.matches(req.headers.authorization)) throw new AppError('admin_token_required');
    if (req.method === 'GET' && url.pathname === '/services') {
      send(res, 200, { services: await cluster.services() });
      return;
    }
    if (req.method === 'GET' && url.pathname === '/cluster') {
      send(res, 200, {
        pid: process.pid, frontends: cluster.frontends, balancers: cluster.balancers, controlUrl: cluster.controlUrl, redisUrl: cluster.redisUrl ?? null,
        redisTopology: cluster.redisTopology, sentinels: cluster.sentinels ?? null, latency: cluster.latency ?? null,
        runDir: cluster.runDir, warnings: cluster.warnings,
      });
      return;
    }
    if (req.method === 'POST' && url.pathname === '/cluster/down') {
      send(res, 202, { stopping: true });
      options.onDown();
      return;
    }
    if (parts[0] === 'services' && parts.length === 3) {
      if (req.method !== 'POST') throw new AppError('method_not_allowed', `Use POST /services/${parts[1]}/${parts[2]}.`);
      const [, service, verb] = parts;
      await cluster.act(service, verb as Verb, url.searchParams.get('signal') ?? undefined);
      const state = (await cluster.services()).find((s) => s.name === service);
      send(res, 200, { service: state });
      return;
    }
    throw new AppError('not_found', 'Routes: GET /services, POST /services/{svc}/{verb}, GET /cluster, POST /cluster/down.');
  }

  const server = http.createServer((req, res) => {
    req.resume(); // no route reads a body
    route(req, res).catch((error: unknown) => {
      const appError = error instanceof AppError ? error : new AppError('internal_error', (error as Error)?.message);
      if (!res.headersSent) send(res, appError.status, errorBody(appError.code, appError.message));
    });
  });
  server.keepAliveTimeout = 1000;
  const url = await listen(server, options.port, '127.0.0.1');
  return {
    url,
    // Nobody waits on a control answer once the cluster is going down: no grace.
    close: async () => {
      await closeGracefully(server, 0);
    },
  };
}
