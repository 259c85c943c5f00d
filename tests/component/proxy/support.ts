import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { loadProxyConfig } from '../../../proxy/config';
import { start, type RunningProxy } from '../../../proxy/server';
import { silentLogger, type Logger } from '../../../common/logger';
import { freePort } from '../../../common/ports';

export type Behaviour = 'ok' | 'slow' | 'hang' | 'reset' | 'die-mid-body';

export interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A minimal real upstream replica: answers with its id in X-Instance and echoes what it got.
 * Its behaviour can be switched to misbehave the ways replicas do (hang, reset, die mid-body),
 * and it can be stopped and restarted on the same port.
 */
export class TestUpstream {
  behaviour: Behaviour = 'ok';
  /** Delay of its /health answers: above the proxy's check timeout it fails every check while still serving. */
  healthDelayMs = 0;
  readonly seen: Seen[] = [];
  private server: http.Server | undefined;
  private readonly sockets = new Set<Socket>();

  private constructor(readonly id: string, readonly port: number, readonly host = '127.0.0.1') {}

  /** `host`/`port` let several replicas share one port on different loopback addresses, as tasks behind one DNS name do. */
  static async start(id: string, at: { host: string; port: number } = { host: '127.0.0.1', port: 0 }): Promise<TestUpstream> {
    const upstream = new TestUpstream(id, at.port || (await freePort()), at.host);
    await upstream.start();
    return upstream;
  }

  get url(): string {
    return `http://${this.host}:${this.port}`;
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => this.answer(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(this.port, this.host, resolve));
    this.server = server;
  }

  /** Like a killed replica: stop listening and drop every connection at once. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }

  count(): number {
    return this.seen.filter((s) => s.url !== '/health').length;
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/health') {
        if (this.behaviour === 'hang') return;
        res.setHeader('X-Instance', this.id);
        const body = JSON.stringify({ status: 'ok', instance: this.id });
        if (this.healthDelayMs > 0) setTimeout(() => res.end(body), this.healthDelayMs).unref();
        else res.end(body);
        return;
      }
      this.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
      switch (this.behaviour) {
        case 'hang':
          return;
        case 'slow':
          setTimeout(() => res.end(JSON.stringify({ instance: this.id, slow: true })), 300);
          return;
        case 'reset':
          req.socket.destroy();
          return;
        case 'die-mid-body':
          res.writeHead(200, { 'X-Instance': this.id, 'Content-Length': '100000' });
          res.write('partial');
          setTimeout(() => req.socket.destroy(), 50);
          return;
        default:
          res.writeHead(200, {
            'Content-Type': 'application/json',
            'X-Instance': this.id,
            'Keep-Alive': 'timeout=5',
            Connection: 'keep-alive, X-Upstream-Hop',
            'X-Upstream-Hop': 'must not reach the client',
          });
          res.end(JSON.stringify({ instance: this.id, method: req.method, body: Buffer.concat(chunks).toString() }));
      }
    });
  }
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: () => Record<string, unknown>;
}

/** One HTTP request on a fresh connection; rejects on a transport failure (what a user calls an error). */
export function request(url: string, options: { method?: string; headers?: Record<string, string>; body?: string; path?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = http.request(
      { host: target.hostname, port: target.port, path: options.path ?? target.pathname + target.search, method: options.method ?? 'GET', headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) as Record<string, unknown> });
        });
        res.on('error', reject);
        res.on('aborted', () => reject(new Error('aborted')));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export async function startProxy(env: Record<string, string>, resolve?: (name: string) => Promise<string[]>, logger: Logger = silentLogger()): Promise<RunningProxy> {
  return start(
    loadProxyConfig({ PROXY_HOST: '127.0.0.1', FRONTENDS: '0:round-robin,0:sticky-cookie,0:hash-ip', HEALTH_INTERVAL_MS: '100', HEALTH_TIMEOUT_MS: '80', HEALTH_RISE: '2', HEALTH_FALL: '2', LOG_LEVEL: 'silent', ...env }),
    { logger, ...(resolve ? { resolve } : {}) },
  );
}

export function upstreamsEnv(upstreams: TestUpstream[]): string {
  return upstreams.map((u) => `${u.id}=${u.url}`).join(',');
}

export function statusOf(proxy: RunningProxy, id: string): { healthy: boolean; draining: boolean; inFlight: number } | undefined {
  return proxy.pool.get(id);
}

export function addressOf(server: http.Server): number {
  return (server.address() as AddressInfo).port;
}
