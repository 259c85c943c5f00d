import { spawn, type ChildProcess } from 'node:child_process';
import { findExecutable, isExecutable } from '../../common/executables';
import { waitFor } from '../../common/poll';
import { httpOk } from '../../common/probes';
import path from 'node:path';

/** The proxy benchmark's processes: spawning quietly, CPU time from /proc, nginx config. */
export { stopChild } from '../../common/child-process';
export { cpuMicros, cpuSplitMicros } from '../../common/process-cpu';

/** Until `url` answers 200 (throws after `timeoutMs`). */
export async function waitForHttp(url: string, timeoutMs = 15_000): Promise<void> {
  await waitFor(() => httpOk(url, 500), timeoutMs, 100, `${url} answering 200`);
}

export function spawnQuiet(command: string, args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  child.once('exit', (code, signal) => {
    if (code !== 0 && code !== null && signal === null) process.stderr.write(`${path.basename(command)} ${args.join(' ')} exited ${code}: ${stderr}\n`);
  });
  return child;
}

/** A minimal nginx.conf: one worker, keep-alive to the upstreams, everything under `dir` (no root paths). */
export function nginxConfig(dir: string, listenPort: number, upstreamPorts: number[]): string {
  return `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream replicas {
${upstreamPorts.map((p) => `    server 127.0.0.1:${p};`).join('\n')}
    keepalive 128;
  }
  server {
    listen 127.0.0.1:${listenPort};
    location / {
      proxy_pass http://replicas;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $http_host;
    }
  }
}
`;
}

/** $NGINX_BIN, else nginx on PATH or in /usr/sbin. */
export function findNginx(): string | undefined {
  const configured = process.env.NGINX_BIN;
  return configured ? (isExecutable(configured) ? configured : undefined) : findExecutable('nginx', process.env.PATH);
}

/**
 * A reference point, not a product: the least a Node forwarder can do (keep-alive agent, pipe both
 * ways, no health, no retries, no header hygiene). Its CPU per request is Node's floor here, so the
 * gap between it and our proxy is what our features cost, and the gap to nginx is Node's.
 */
export const PLAIN_NODE_FORWARDER = `
const http = require('http');
const agent = new http.Agent({ keepAlive: true, timeout: 4000, scheduling: 'lifo' });
const ports = process.env.UPSTREAM_PORTS.split(',').map(Number);
let next = 0;
http.createServer((req, res) => {
  const port = ports[next++ % ports.length];
  const out = http.request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers, agent }, (up) => {
    res.writeHead(up.statusCode, up.rawHeaders);
    up.pipe(res);
  });
  out.on('error', () => { res.statusCode = 502; res.end(); });
  req.pipe(out);
}).listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0)); // a normal exit, so --cpu-prof writes its profile
`;

/**
 * The same reference on undici's Pool instead of http.request (one pool per upstream, dispatch
 * straight into the client response): how far Node goes with a faster upstream client and no features.
 */
export const PLAIN_UNDICI_FORWARDER = `
const http = require('http');
const { Pool } = require(process.env.UNDICI_MODULE);
const pools = process.env.UPSTREAM_PORTS.split(',').map((p) => new Pool('http://127.0.0.1:' + p, { connections: 256, keepAliveTimeout: 4000 }));
let next = 0;
http.createServer((req, res) => {
  const pool = pools[next++ % pools.length];
  pool.dispatch({ method: req.method, path: req.url, headers: req.headers, body: req.method === 'GET' || req.method === 'HEAD' ? null : req }, {
    onConnect() {},
    onHeaders(status, raw) {
      const headers = [];
      for (let i = 0; i < raw.length; i += 2) headers.push(raw[i].toString('latin1'), raw[i + 1].toString('latin1'));
      res.writeHead(status, headers);
      return true;
    },
    onData(chunk) { res.write(chunk); return true; },
    onComplete() { res.end(); },
    onError() { if (!res.headersSent) { res.statusCode = 502; res.end(); } else res.destroy(); },
  });
}).listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0)); // a normal exit, so --cpu-prof writes its profile
`;
