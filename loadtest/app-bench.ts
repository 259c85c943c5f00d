/**
 * App micro-benchmark (not a test): one replica in a child process plus a private
 * redis-server; autocannon with 50 connections against /health, /jwt/me, /memory/me,
 * /redis/me and /jwt-revocable/me side by side in one run, each connection a logged-in user of its own. Prints
 * req/s, latency and the ratio of each /me to /health (absolute numbers from different runs
 * are not comparable on a shared 2-core machine; ratios within one run are).
 *
 *   npm run bench:app -- [--duration 4] [--rounds 2] [--connections 50] [--hash-cost 10]
 *                        [--touch rolling|always|never] [--compare DIR] [--json out.json]
 *
 * --compare DIR: a second replica from another build (a checkout whose dist/ is built, e.g. the
 * parent commit's) on the same Redis, hit in the same rounds (alternating), so a change's
 * before/after CPU per request comes from one run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
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
  /** Root of another build measured side by side (its dist/services/app/main.js). */
  compare?: string;
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

type RatedTarget = TargetResult & { ratio: number; cpuRatio: number; goal?: number };

export interface BenchReport {
  settings: Record<string, string | number>;
  targets: RatedTarget[];
  redisCommandsPerRequest: number;
  /** The --compare build, measured in the same rounds. */
  other?: { build: string; targets: RatedTarget[] };
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
  const compareIndex = argv.indexOf('--compare');
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
    compare: compareIndex >= 0 ? path.resolve(argv[compareIndex + 1]) : undefined,
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
    ...targetTable(report.other ? 'this build' : undefined, report.targets),
  ];
  if (report.other) {
    lines.push('', ...targetTable(`the other build (${report.other.build}), same rounds`, report.other.targets), '');
    for (const t of report.targets) {
      const o = report.other.targets.find((x) => x.target === t.target)!;
      lines.push(`${t.target.padEnd(18)} CPU µs/req this build ${t.cpuMicrosPerRequest.toFixed(1)} vs other ${o.cpuMicrosPerRequest.toFixed(1)} (${(100 * (t.cpuMicrosPerRequest / o.cpuMicrosPerRequest - 1)).toFixed(1)} %); CPU ratio ${t.cpuRatio.toFixed(2)} vs ${o.cpuRatio.toFixed(2)}`);
    }
  }
  lines.push(
    '',
    `Redis commands per /redis/me request (this build): ${report.redisCommandsPerRequest.toFixed(2)}`,
    'ratio = req/s ÷ /health req/s (goal applies); CPU ratio = /health CPU per request ÷ this route\'s (less sensitive to other load).',
  );
  return lines.join('\n');
}

function targetTable(title: string | undefined, targets: RatedTarget[]): string[] {
  const lines = [
    ...(title ? [title] : []),
    'target        req/s   CPU µs/req  p50 ms  p99 ms  non-2xx  errors  ratio  CPU ratio  goal',
  ];
  for (const t of targets) {
    const goal = t.goal === undefined ? '' : `${t.ratio >= t.goal ? '≥' : '<'} ${t.goal.toFixed(2)} ${t.ratio >= t.goal ? 'met' : 'MISSED'}`;
    lines.push(
      `${t.target.padEnd(12)} ${t.requestsPerSecond.toFixed(0).padStart(6)}  ${t.cpuMicrosPerRequest.toFixed(1).padStart(10)}  ${String(t.p50Ms).padStart(6)} ${String(t.p99Ms).padStart(7)}  ${String(t.non2xx).padStart(7)} ${String(t.errors).padStart(7)}  ${t.ratio.toFixed(2)}   ${t.cpuRatio.toFixed(2).padStart(8)}   ${goal}`,
    );
  }
  return lines;
}

interface Replica {
  base: string;
  process: ChildProcess;
  credentials: Record<string, Record<string, string>[]>;
  results: Map<string, TargetResult[]>;
}

async function startReplica(main: string, instance: string, redisPort: number, options: BenchOptions): Promise<Replica> {
  const port = await freePort();
  const child = spawn(process.execPath, [main], {
    env: {
      PATH: process.env.PATH, HOST: '127.0.0.1', PORT: String(port), INSTANCE_ID: instance,
      REDIS_URL: `redis://127.0.0.1:${redisPort}`, PASSWORD_HASH_COST: String(options.hashCost), LOG_LEVEL: 'warn',
      SESSION_TOUCH: options.touch,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return { base: `http://127.0.0.1:${port}`, process: child, credentials: {}, results: new Map() };
}

function mergeRounds(replica: Replica): RatedTarget[] {
  const merged = TARGETS.map((target) => {
    const runs = replica.results.get(target)!;
    const mean = (f: (r: TargetResult) => number) => runs.reduce((s, r) => s + f(r), 0) / runs.length;
    return {
      target, requestsPerSecond: mean((r) => r.requestsPerSecond), requests: runs.reduce((s, r) => s + r.requests, 0),
      cpuMicrosPerRequest: mean((r) => r.cpuMicrosPerRequest), p50Ms: Math.max(...runs.map((r) => r.p50Ms)),
      p99Ms: Math.max(...runs.map((r) => r.p99Ms)), non2xx: runs.reduce((s, r) => s + r.non2xx, 0),
      errors: runs.reduce((s, r) => s + r.errors, 0),
    };
  });
  const health = merged[0];
  return merged.map((t) => ({
    ...t,
    ratio: t.requestsPerSecond / health.requestsPerSecond,
    cpuRatio: health.cpuMicrosPerRequest / t.cpuMicrosPerRequest,
    goal: GOALS[t.target],
  }));
}

export async function runAppBench(options: BenchOptions): Promise<BenchReport> {
  const redisPort = await freePort();
  const redisDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authscale-bench-redis-'));
  const redisServer = spawn(process.env.REDIS_SERVER_BIN ?? 'redis-server', [
    '--port', String(redisPort), '--bind', '127.0.0.1', '--dir', redisDir, '--save', '',
    '--appendonly', 'yes', '--appendfsync', 'everysec', '--loglevel', 'warning',
  ], { stdio: 'ignore' });
  const replicas: Replica[] = [];
  const admin = new Redis({ port: redisPort, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    replicas.push(await startReplica(path.resolve(__dirname, '../services/app/main.js'), 'app-bench', redisPort, options));
    if (options.compare) {
      const other = path.join(options.compare, 'dist', 'services', 'app', 'main.js');
      if (!fs.existsSync(other)) throw new Error(`--compare: ${other} is missing (build that checkout first)`);
      replicas.push(await startReplica(other, 'app-bench-other', redisPort, options));
    }
    for (const r of replicas) await waitFor(() => httpOk(`${r.base}/ready`), 15_000, 50, 'the replica and Redis up');
    await admin.connect();
    for (const r of replicas) {
      r.credentials = {
        '/jwt/me': await loginAll(r.base, 'jwt', options.connections),
        '/memory/me': await loginAll(r.base, 'memory', options.connections),
        '/redis/me': await loginAll(r.base, 'redis', options.connections),
        // The price of revocation (README, "JWT lifecycle"): the same token plus one Redis EXISTS.
        '/jwt-revocable/me': await loginAll(r.base, 'jwt-revocable', options.connections),
      };
    }

    // Warm-up (JIT, connection pools), then rounds of every target, interleaved to share drift;
    // with --compare the two builds take turns on each target, the first one alternating by round.
    for (const r of replicas) for (const target of TARGETS) await hit(`${r.base}${target}`, r.credentials[target], { ...options, durationSeconds: 1 });
    let redisCommands = 0;
    let redisRequests = 0;
    for (let round = 0; round < options.rounds; round++) {
      for (const target of TARGETS) {
        for (const r of round % 2 === 0 ? replicas : [...replicas].reverse()) {
          const counted = target === '/redis/me' && r === replicas[0];
          const before = counted ? await commandCount(admin) : 0;
          const result = await hit(`${r.base}${target}`, r.credentials[target], options);
          if (counted) {
            redisCommands += (await commandCount(admin)) - before;
            redisRequests += result.requests;
          }
          r.results.set(target, [...(r.results.get(target) ?? []), result]);
        }
      }
    }
    return {
      settings: {
        node: process.version, cores: os.cpus().length, connections: options.connections,
        durationSeconds: options.durationSeconds, rounds: options.rounds, passwordHashCost: options.hashCost,
        sessionTouch: options.touch, redisPersistence: 'appendonly everysec',
      },
      targets: mergeRounds(replicas[0]),
      redisCommandsPerRequest: redisRequests > 0 ? redisCommands / redisRequests : 0,
      ...(options.compare && replicas[1] ? { other: { build: options.compare, targets: mergeRounds(replicas[1]) } } : {}),
    };
  } finally {
    admin.disconnect();
    for (const r of replicas) await stopChild(r.process);
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
