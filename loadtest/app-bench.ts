/**
 * App micro-benchmark (not a test): one replica in a child process plus a private
 * redis-server; autocannon with 50 connections against /health, /jwt/me, /memory/me,
 * /redis/me and /jwt-revocable/me side by side in one run, each connection a logged-in user of its own. Prints
 * req/s, latency and the ratio of each /me to /health (absolute numbers from different runs
 * are not comparable on a shared 2-core machine; ratios within one run are).
 *
 *   npm run bench:app -- [--duration 4] [--rounds 2] [--connections 50] [--hash-cost 10]
 *                        [--touch rolling|always|never] [--json out.json]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { stopChild } from '../common/child-process';
import { waitFor } from '../common/poll';
import { freePort } from '../common/ports';
import { httpOk } from '../common/probes';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import Redis from 'ioredis';

interface BenchOptions {
  durationSeconds: number;
  rounds: number;
  connections: number;
  hashCost: number;
  touch: 'rolling' | 'always' | 'never';
  json?: string;
}

export interface TargetResult {
  target: string;
  requestsPerSecond: number;
  requests: number;
  /** The replica's CPU time per answered request (from its /metrics), robust to a busy machine. */
  cpuMicrosPerRequest: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

export interface BenchReport {
  settings: Record<string, string | number>;
  targets: (TargetResult & { ratio: number; cpuRatio: number; goal?: number })[];
  redisCommandsPerRequest: number;
}

const TARGETS = ['/health', '/jwt/me', '/memory/me', '/redis/me', '/jwt-revocable/me'] as const;
const GOALS: Record<string, number> = { '/jwt/me': 0.8, '/memory/me': 0.65, '/redis/me': 0.55 };

function parseArgs(argv: string[]): BenchOptions {
  const value = (name: string, fallback: number) => {
    const i = argv.indexOf(`--${name}`);
    const n = i >= 0 ? Number(argv[i + 1]) : fallback;
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
    return n;
  };
  const jsonIndex = argv.indexOf('--json');
  const touchIndex = argv.indexOf('--touch');
  const touch = touchIndex >= 0 ? argv[touchIndex + 1] : 'rolling';
  if (touch !== 'rolling' && touch !== 'always' && touch !== 'never') throw new Error('--touch must be rolling, always or never');
  return {
    touch,
    durationSeconds: value('duration', 4),
    rounds: value('rounds', 2),
    connections: value('connections', 50),
    hashCost: value('hash-cost', 10),
    json: jsonIndex >= 0 ? argv[jsonIndex + 1] : undefined,
  };
}

async function loginAll(base: string, mode: 'jwt' | 'memory' | 'redis' | 'jwt-revocable', count: number): Promise<Record<string, string>[]> {
  const users = ['alice', 'bob', 'carol'];
  const headers: Record<string, string>[] = [];
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${base}/${mode}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: users[i % users.length], password: 'demo-password' }),
    });
    if (res.status !== 200) throw new Error(`${mode} login failed: ${res.status} ${await res.text()}`);
    if (mode === 'jwt' || mode === 'jwt-revocable') {
      const body = (await res.json()) as { accessToken: string };
      headers.push({ authorization: `Bearer ${body.accessToken}` });
    } else {
      const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
      headers.push({ cookie });
    }
  }
  return headers;
}

async function replicaCpuSeconds(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const match = /^process_cpu_seconds_total(?:\{[^}]*\})? ([\d.e+-]+)$/m.exec(text);
  if (!match) throw new Error('the replica does not report process_cpu_seconds_total');
  return Number(match[1]);
}

async function hit(url: string, perConnection: Record<string, string>[] | undefined, options: BenchOptions): Promise<TargetResult> {
  let next = 0;
  const base = new URL(url).origin;
  const cpuBefore = await replicaCpuSeconds(base);
  const result = await autocannon({
    url,
    connections: options.connections,
    duration: options.durationSeconds,
    // Each connection is one user with its own credentials (a "user" in docs/design.md).
    setupClient: perConnection ? (client) => client.setHeaders(perConnection[next++ % perConnection.length]) : undefined,
  });
  const cpuSeconds = (await replicaCpuSeconds(base)) - cpuBefore;
  return {
    target: new URL(url).pathname,
    requestsPerSecond: result.requests.average,
    requests: result.requests.total,
    cpuMicrosPerRequest: (cpuSeconds * 1e6) / Math.max(1, result.requests.total),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

async function commandCount(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats');
  let total = 0;
  for (const match of info.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)) if (match[1] !== 'info' && match[1] !== 'config') total += Number(match[2]);
  return total;
}

/** Pure: results → printable text. */
export function formatReport(report: BenchReport): string {
  const lines = [
    `app-bench: ${Object.entries(report.settings).map(([k, v]) => `${k}=${v}`).join(' ')}`,
    '',
    'target        req/s   CPU µs/req  p50 ms  p99 ms  non-2xx  errors  ratio  CPU ratio  goal',
  ];
  for (const t of report.targets) {
    const goal = t.goal === undefined ? '' : `${t.ratio >= t.goal ? '≥' : '<'} ${t.goal.toFixed(2)} ${t.ratio >= t.goal ? 'met' : 'MISSED'}`;
    lines.push(
      `${t.target.padEnd(12)} ${t.requestsPerSecond.toFixed(0).padStart(6)}  ${t.cpuMicrosPerRequest.toFixed(1).padStart(10)}  ${String(t.p50Ms).padStart(6)} ${String(t.p99Ms).padStart(7)}  ${String(t.non2xx).padStart(7)} ${String(t.errors).padStart(7)}  ${t.ratio.toFixed(2)}   ${t.cpuRatio.toFixed(2).padStart(8)}   ${goal}`,
    );
  }
  lines.push(
    '',
    `Redis commands per /redis/me request: ${report.redisCommandsPerRequest.toFixed(2)}`,
    'ratio = req/s ÷ /health req/s (goal applies); CPU ratio = /health CPU per request ÷ this route\'s (less sensitive to other load).',
  );
  return lines.join('\n');
}

export async function runAppBench(options: BenchOptions): Promise<BenchReport> {
  const redisPort = await freePort();
  const appPort = await freePort();
  const redisDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authscale-bench-redis-'));
  const redisServer = spawn(process.env.REDIS_SERVER_BIN ?? 'redis-server', [
    '--port', String(redisPort), '--bind', '127.0.0.1', '--dir', redisDir, '--save', '',
    '--appendonly', 'yes', '--appendfsync', 'everysec', '--loglevel', 'warning',
  ], { stdio: 'ignore' });
  const main = path.resolve(__dirname, '../services/app/main.js');
  const replica = spawn(process.execPath, [main], {
    env: {
      PATH: process.env.PATH, HOST: '127.0.0.1', PORT: String(appPort), INSTANCE_ID: 'app-bench',
      REDIS_URL: `redis://127.0.0.1:${redisPort}`, PASSWORD_HASH_COST: String(options.hashCost), LOG_LEVEL: 'warn',
      SESSION_TOUCH: options.touch,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const admin = new Redis({ port: redisPort, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    const base = `http://127.0.0.1:${appPort}`;
    await waitFor(() => httpOk(`${base}/ready`), 15_000, 50, 'the replica and Redis up');
    await admin.connect();
    const credentials = {
      '/jwt/me': await loginAll(base, 'jwt', options.connections),
      '/memory/me': await loginAll(base, 'memory', options.connections),
      '/redis/me': await loginAll(base, 'redis', options.connections),
      // The price of revocation (README, "JWT lifecycle"): the same token plus one Redis EXISTS.
      '/jwt-revocable/me': await loginAll(base, 'jwt-revocable', options.connections),
    } as Record<string, Record<string, string>[]>;

    // Warm-up (JIT, connection pools), then rounds of every target, interleaved to share drift.
    for (const target of TARGETS) await hit(`${base}${target}`, credentials[target], { ...options, durationSeconds: 1 });
    const sums = new Map<string, TargetResult[]>();
    let redisCommands = 0;
    let redisRequests = 0;
    for (let round = 0; round < options.rounds; round++) {
      for (const target of TARGETS) {
        const before = target === '/redis/me' ? await commandCount(admin) : 0;
        const result = await hit(`${base}${target}`, credentials[target], options);
        if (target === '/redis/me') {
          redisCommands += (await commandCount(admin)) - before;
          redisRequests += result.requests;
        }
        sums.set(target, [...(sums.get(target) ?? []), result]);
      }
    }
    const merged = TARGETS.map((target) => {
      const runs = sums.get(target)!;
      const mean = (f: (r: TargetResult) => number) => runs.reduce((s, r) => s + f(r), 0) / runs.length;
      return {
        target, requestsPerSecond: mean((r) => r.requestsPerSecond), requests: runs.reduce((s, r) => s + r.requests, 0),
        cpuMicrosPerRequest: mean((r) => r.cpuMicrosPerRequest), p50Ms: Math.max(...runs.map((r) => r.p50Ms)),
        p99Ms: Math.max(...runs.map((r) => r.p99Ms)), non2xx: runs.reduce((s, r) => s + r.non2xx, 0),
        errors: runs.reduce((s, r) => s + r.errors, 0),
      };
    });
    const health = merged[0];
    return {
      settings: {
        node: process.version, cores: os.cpus().length, connections: options.connections,
        durationSeconds: options.durationSeconds, rounds: options.rounds, passwordHashCost: options.hashCost,
        sessionTouch: options.touch, redisPersistence: 'appendonly everysec',
      },
      targets: merged.map((t) => ({
        ...t,
        ratio: t.requestsPerSecond / health.requestsPerSecond,
        cpuRatio: health.cpuMicrosPerRequest / t.cpuMicrosPerRequest,
        goal: GOALS[t.target],
      })),
      redisCommandsPerRequest: redisRequests > 0 ? redisCommands / redisRequests : 0,
    };
  } finally {
    admin.disconnect();
    await stopChild(replica);
    await stopChild(redisServer);
    fs.rmSync(redisDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const options = parseArgs(process.argv.slice(2));
  runAppBench(options).then(
    (report) => {
      process.stdout.write(`${formatReport(report)}\n`);
      if (options.json) fs.writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
    },
    (err: unknown) => {
      process.stderr.write(`app-bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
