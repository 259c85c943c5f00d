import crypto from 'node:crypto';
import http from 'node:http';
import { AppError, errorBody } from '../common/errors';
import type { Verb } from './verbs';
import type { ServiceState } from './service-process';

/**
 * The launcher's control API (docs/cluster.md), on 127.0.0.1 only, every route behind the
 * admin token:
 *   GET  /services                  → { services: ServiceState[] }
 *   POST /services/{svc}/{verb}     → { service: ServiceState }   (?signal=SIGTERM for kill)
 *   GET  /cluster                   → where things are (frontends, run dir, launcher pid)
 *   POST /cluster/down              → 202, then the whole cluster stops (the CLI's `down`)
 */
export interface ControllableCluster {
  readonly frontends: readonly { port: number; strategy: string; url: string }[];
  readonly controlUrl: string;
  readonly redisUrl?: string;
  readonly runDir: string;
  readonly warnings: readonly string[];
  services(): Promise<ServiceState[]>;
  act(service: string, verb: Verb, signal?: string): Promise<void>;
}

export interface ControlApi {
  url: string;
  close(): Promise<void>;
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!match) return false;
  const given = crypto.createHash('sha256').update(match[1].trim()).digest();
  const wanted = crypto.createHash('sha256').update(token).digest();
  return crypto.timingSafeEqual(given, wanted);
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startControlApi(options: {
  cluster: ControllableCluster;
  port: number;
  adminToken: string;
  onDown: () => void;
}): Promise<ControlApi> {
  const { cluster, adminToken } = options;

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://control');
    const parts = url.pathname.split('/').filter(Boolean);
    if (!tokenMatches(req.headers.authorization, adminToken)) throw new AppError('admin_token_required');
    if (req.method === 'GET' && url.pathname === '/services') {
      send(res, 200, { services: await cluster.services() });
      return;
    }
    if (req.method === 'GET' && url.pathname === '/cluster') {
      send(res, 200, {
        pid: process.pid, frontends: cluster.frontends, controlUrl: cluster.controlUrl, redisUrl: cluster.redisUrl ?? null,
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
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${options.port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
