/**
 * CPU cost of this build against another build of the project (e.g. the parent commit in a
 * temporary worktree), side by side: both run at the same time and autocannon loads both at once,
 * case by case, so a shared machine's contention hits both alike. Prints CPU µs per request of
 * each process (/proc) and the ratio this / base, per round and overall.
 *
 *   npm run bench:cost -- --base /tmp/parent-worktree [--part proxy|app] [--rounds 6] [--seconds 4]
 *   npm run bench:cost -- --part tls [--rounds 6] [--seconds 4]
 *
 * The base directory must hold a built copy (`npm run build` there). `--part tls` needs no base:
 * it compares this build's proxy over plain HTTP (base) with the same proxy over TLS (this), a
 * self-signed certificate made by openssl. docs/security.md, "Measured".
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { waitFor } from '../common/poll';
import { freePort } from '../common/ports';
import { cpuMicros, spawnQuiet, stopChild, waitForHttp } from '../proxy/bench/processes';

interface Case {
  label: string;
  url: string;
  headers?: Record<string, string>;
}
interface Build {
  name: 'base' | 'this';
  pid: number;
  cases: Case[];
}

const HERE = path.resolve(__dirname, '..', '..');
const MINIMAL_UPSTREAM = `require('http').createServer((q, s) => { s.setHeader('Content-Type', 'application/json'); s.end('{"status":"ok"}'); }).listen(Number(process.env.PORT), '127.0.0.1').keepAliveTimeout = 65000;`;
const CONNECTIONS = 25;

function option(argv: string[], name: string, fallback?: string): string | undefined {
  const at = argv.indexOf(`--${name}`);
  return at === -1 ? fallback : argv[at + 1];
}

async function proxyBuilds(base: string, children: ChildProcess[]): Promise<Build[]> {
  const upstreams = [await freePort(), await freePort()];
  for (const port of upstreams) children.push(spawnQuiet(process.execPath, ['-e', MINIMAL_UPSTREAM], { PORT: String(port) }));
  await Promise.all(upstreams.map((p) => waitForHttp(`http://127.0.0.1:${p}/`)));
  const builds: Build[] = [];
  for (const [name, dir] of [['base', base], ['this', HERE]] as const) {
    const [rr, sticky] = [await freePort(), await freePort()];
    const child = spawnQuiet(process.execPath, [path.join(dir, 'dist/proxy/main.js')], {
      FRONTENDS: `${rr}:round-robin,${sticky}:sticky-cookie`, PROXY_HOST: '127.0.0.1', LOG_LEVEL: 'warn', APP_ENV: 'development',
      UPSTREAMS: upstreams.map((p, i) => `app${i + 1}=http://127.0.0.1:${p}`).join(','),
    });
    children.push(child);
    await waitForHttp(`http://127.0.0.1:${rr}/health`);
    const lb = ((await fetch(`http://127.0.0.1:${sticky}/health`)).headers.get('set-cookie') ?? '').split(';')[0];
    builds.push({ name, pid: child.pid!, cases: [
      { label: 'proxy round-robin /health', url: `http://127.0.0.1:${rr}/health` },
      { label: 'proxy sticky-cookie /health (lb)', url: `http://127.0.0.1:${sticky}/health`, headers: { cookie: `${lb}; other=x` } },
    ] });
  }
  return builds;
}

/** This build's proxy twice over the same upstreams: plain HTTP (as "base") and TLS (as "this"), keep-alive connections. */
async function tlsBuilds(children: ChildProcess[]): Promise<Build[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authscale-tls-cost-'));
  const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  const upstreams = [await freePort(), await freePort()];
  for (const port of upstreams) children.push(spawnQuiet(process.execPath, ['-e', MINIMAL_UPSTREAM], { PORT: String(port) }));
  await Promise.all(upstreams.map((p) => waitForHttp(`http://127.0.0.1:${p}/`)));
  const builds: Build[] = [];
  for (const name of ['base', 'this'] as const) {
    const port = await freePort();
    const tls: Record<string, string> = name === 'this' ? { TLS_CERT_FILE: cert, TLS_KEY_FILE: key } : {};
    const child = spawnQuiet(process.execPath, [path.join(HERE, 'dist/proxy/main.js')], {
      FRONTENDS: `${port}:round-robin`, PROXY_HOST: '127.0.0.1', LOG_LEVEL: 'warn', APP_ENV: 'development',
      UPSTREAMS: upstreams.map((p, i) => `app${i + 1}=http://127.0.0.1:${p}`).join(','), ...tls,
    });
    children.push(child);
    const url = `${name === 'this' ? 'https' : 'http'}://127.0.0.1:${port}/health`;
    if (name === 'this') await waitFor(() => httpsOk(url), 15_000, 100, `${url} answering 200`);
    else await waitForHttp(url);
    builds.push({ name, pid: child.pid!, cases: [{ label: 'proxy round-robin /health', url }] });
  }
  return builds;
}

/** GET over TLS without checking the (self-signed) certificate: 200 or not. */
const httpsOk = (url: string): Promise<boolean> =>
  new Promise((resolve) => {
    const request = https.get(url, { rejectUnauthorized: false, timeout: 500 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    request.on('error', () => resolve(false));
    request.on('timeout', () => request.destroy());
  });

async function appBuilds(base: string, children: ChildProcess[]): Promise<Build[]> {
  const redisPort = await freePort();
  children.push(spawnQuiet('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {}));
  const builds: Build[] = [];
  for (const [name, dir] of [['base', base], ['this', HERE]] as const) {
    const port = await freePort();
    const child = spawnQuiet(process.execPath, [path.join(dir, 'dist/services/app/main.js')], {
      PORT: String(port), HOST: '127.0.0.1', INSTANCE_ID: name, LOG_LEVEL: 'warn', APP_ENV: 'development',
      REDIS_URL: `redis://127.0.0.1:${redisPort}`, PASSWORD_HASH_COST: '10',
    });
    children.push(child);
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/ready`);
    const login = async (mode: string): Promise<{ token: string; cookie: string }> => {
      const res = await fetch(`${url}/${mode}/login`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: 'demo-password' }),
      });
      const body = (await res.json()) as { accessToken?: string };
      return { token: body.accessToken ?? '', cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] };
    };
    const [jwt, revocable, memory, redis] = [await login('jwt'), await login('jwt-revocable'), await login('memory'), await login('redis')];
    builds.push({ name, pid: child.pid!, cases: [
      { label: 'app /health', url: `${url}/health` },
      { label: 'app /jwt/me', url: `${url}/jwt/me`, headers: { authorization: `Bearer ${jwt.token}` } },
      { label: 'app /jwt-revocable/me', url: `${url}/jwt-revocable/me`, headers: { authorization: `Bearer ${revocable.token}` } },
      { label: 'app /memory/me', url: `${url}/memory/me`, headers: { cookie: memory.cookie } },
      { label: 'app /redis/me', url: `${url}/redis/me`, headers: { cookie: redis.cookie } },
    ] });
  }
  return builds;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const base = option(argv, 'base');
  const part = option(argv, 'part', 'proxy');
  const rounds = Number(option(argv, 'rounds', '6'));
  const seconds = Number(option(argv, 'seconds', '4'));
  if (part !== 'proxy' && part !== 'app' && part !== 'tls') throw new Error('--part must be proxy, app or tls');
  if (part !== 'tls' && (!base || !fs.existsSync(path.join(base, 'dist')))) throw new Error('--base <dir> must be a built copy of the project (dist/ inside)');
  const children: ChildProcess[] = [];
  try {
    const builds = part === 'tls' ? await tlsBuilds(children)
      : part === 'proxy' ? await proxyBuilds(path.resolve(base!), children) : await appBuilds(path.resolve(base!), children);
    for (const i of builds[0].cases.keys()) {
      await Promise.all(builds.map((b) => autocannon({ url: b.cases[i].url, headers: b.cases[i].headers, connections: 10, duration: 1 }))); // warm-up (JIT)
    }
    const perRequest = builds[0].cases.map(() => builds.map(() => ({ cpu: 0, requests: 0, rounds: [] as number[] })));
    for (let round = 0; round < rounds; round++) {
      for (const i of builds[0].cases.keys()) {
        const before = builds.map((b) => cpuMicros(b.pid));
        const results = await Promise.all(builds.map((b) => autocannon({ url: b.cases[i].url, headers: b.cases[i].headers, connections: CONNECTIONS, duration: seconds })));
        builds.forEach((b, j) => {
          const cpu = cpuMicros(b.pid) - before[j];
          const acc = perRequest[i][j];
          acc.cpu += cpu;
          acc.requests += results[j].requests.total;
          acc.rounds.push(cpu / Math.max(1, results[j].requests.total));
        });
      }
    }
    const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    const compared = part === 'tls' ? 'base = this build over plain HTTP, this = the same over TLS (keep-alive connections)' : `base ${base}`;
    process.stdout.write(`${part}: ${rounds} rounds × ${seconds} s per case, ${CONNECTIONS} connections to each build at once; ${compared}; load average ${load}\n`);
    builds[0].cases.forEach((c, i) => {
      const [b, t] = perRequest[i];
      const ratios = t.rounds.map((x, r) => x / b.rounds[r]).sort((x, y) => x - y);
      const us = (a: { cpu: number; requests: number }): number => a.cpu / Math.max(1, a.requests);
      process.stdout.write(`${c.label.padEnd(34)} base ${us(b).toFixed(1)} µs/req, this ${us(t).toFixed(1)} µs/req, ratio ${(us(t) / us(b)).toFixed(3)}`
        + ` (rounds ${ratios.map((x) => x.toFixed(2)).join(' ')})\n`);
    });
  } finally {
    await Promise.all(children.map((c) => stopChild(c)));
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`cost comparison failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
