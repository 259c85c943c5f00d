import autocannon from 'autocannon';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../common/ports';
import { formatStages, newestProfile, profileStages, type CpuProfile, type Window } from './profile-stages';
import { PLAIN_NODE_FORWARDER, PLAIN_UNDICI_FORWARDER, cpuSplitMicros, findNginx, nginxConfig, spawnQuiet, stopChild, waitForHttp } from './processes';

/**
 * This proxy against nginx (1 worker) in front of the same two replicas, side by side in one run:
 * rounds alternate between the two so both see the same machine state. Reports req/s, latency,
 * and CPU µs per request of the proxy process (nginx: master + worker) from /proc.
 */
export interface BenchOptions {
  readonly connections: number;
  readonly durationSeconds: number;
  readonly rounds: number;
  readonly path: string;
  readonly cpuProfDir?: string;
  /** `app` (the real replica, when built) or `minimal` (a bare node:http server, isolates the proxy's cost). */
  readonly upstream: 'app' | 'minimal';
  /** Also measure a bare Node forwarder, to separate Node's own cost from our features'. */
  readonly withPlainNode: boolean;
  /** Another build of this proxy (a checkout's root with dist/ built, e.g. the parent commit's) measured in the same rounds. */
  readonly compareProxy?: string;
}

export interface TargetResult {
  name: 'authscale-proxy' | 'nginx' | 'plain-node-forwarder' | 'plain-undici-forwarder' | 'authscale-proxy (other build)';
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  cpuMicrosPerRequest: number;
  /** The same split: user time (JS, V8, GC, the parsers) and system time (the kernel's socket work). */
  userMicrosPerRequest: number;
  systemMicrosPerRequest: number;
  errors: number;
  non2xx: number;
}

export interface BenchResult {
  settings: BenchOptions & { replicas: string; cores: number; node: string; nginx: string };
  targets: TargetResult[];
  /** throughput: totals over all rounds; perRoundThroughput: this proxy / nginx within each round (same machine state). */
  ratio: { throughput: number; cpuPerRequest: number; perRoundThroughput: number[]; medianRoundThroughput: number };
  /** When each target was under measured load (µs, monotonic clock): a profile is read over these only. */
  windows: Record<string, Window[]>;
}

const ROOT = path.resolve(__dirname, '..', '..', '..');
const APP_MAIN = path.join(ROOT, 'dist', 'services', 'app', 'main.js');
const PROXY_MAIN = path.join(ROOT, 'dist', 'proxy', 'main.js');
const MINIMAL_UPSTREAM = `require('http').createServer((q, s) => { s.setHeader('X-Instance', process.env.INSTANCE_ID); s.setHeader('Content-Type', 'application/json'); s.end(JSON.stringify({ status: 'ok', instance: process.env.INSTANCE_ID })); }).listen(Number(process.env.PORT), '127.0.0.1').keepAliveTimeout = 65000;`;

export async function runProxyBench(options: BenchOptions, nginxBin: string): Promise<BenchResult> {
  const children: ChildProcess[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authscale-proxy-bench-'));
  try {
    const useApp = options.upstream === 'app' && fs.existsSync(APP_MAIN);
    const replicaPorts = [await freePort(), await freePort()];
    replicaPorts.forEach((port, i) => {
      // /health touches no dependency, so the replicas need no Redis; a low hash cost only speeds their start.
      const env = { PORT: String(port), HOST: '127.0.0.1', INSTANCE_ID: `app${i + 1}`, LOG_LEVEL: 'warn', APP_ENV: 'development', REDIS_URL: 'redis://127.0.0.1:1', PASSWORD_HASH_COST: '10' };
      children.push(useApp ? spawnQuiet(process.execPath, [APP_MAIN], env) : spawnQuiet(process.execPath, ['-e', MINIMAL_UPSTREAM], env));
    });
    await Promise.all(replicaPorts.map((p) => waitForHttp(`http://127.0.0.1:${p}/health`)));

    const proxyPort = await freePort();
    const proxy = spawnQuiet(process.execPath, [...profileArgs(options, 'proxy'), PROXY_MAIN], {
      FRONTENDS: `${proxyPort}:round-robin`, PROXY_HOST: '127.0.0.1', LOG_LEVEL: 'warn', APP_ENV: 'development',
      UPSTREAMS: replicaPorts.map((p, i) => `app${i + 1}=http://127.0.0.1:${p}`).join(','),
    });
    children.push(proxy);

    const nginxPort = await freePort();
    fs.writeFileSync(path.join(dir, 'nginx.conf'), nginxConfig(dir, nginxPort, replicaPorts));
    const nginx = spawnQuiet(nginxBin, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'], {});
    children.push(nginx);
    const targets: { name: TargetResult['name']; url: string; pid: number }[] = [
      { name: 'authscale-proxy', url: `http://127.0.0.1:${proxyPort}${options.path}`, pid: proxy.pid! },
      { name: 'nginx', url: `http://127.0.0.1:${nginxPort}${options.path}`, pid: nginx.pid! },
    ];
    if (options.compareProxy) {
      const otherPort = await freePort();
      const other = spawnQuiet(process.execPath, [path.join(options.compareProxy, 'dist', 'proxy', 'main.js')], {
        FRONTENDS: `${otherPort}:round-robin`, PROXY_HOST: '127.0.0.1', LOG_LEVEL: 'warn', APP_ENV: 'development',
        UPSTREAMS: replicaPorts.map((p, i) => `app${i + 1}=http://127.0.0.1:${p}`).join(','),
      });
      children.push(other);
      targets.push({ name: 'authscale-proxy (other build)', url: `http://127.0.0.1:${otherPort}${options.path}`, pid: other.pid! });
    }
    if (options.withPlainNode) {
      const plainPort = await freePort();
      const plain = spawnQuiet(process.execPath, ['-e', PLAIN_NODE_FORWARDER], { PORT: String(plainPort), UPSTREAM_PORTS: replicaPorts.join(',') });
      children.push(plain);
      targets.push({ name: 'plain-node-forwarder', url: `http://127.0.0.1:${plainPort}${options.path}`, pid: plain.pid! });
      const undiciPort = await freePort();
      const undici = spawnQuiet(process.execPath, [...profileArgs(options, 'plain-undici'), '-e', PLAIN_UNDICI_FORWARDER], { PORT: String(undiciPort), UPSTREAM_PORTS: replicaPorts.join(','), UNDICI_MODULE: require.resolve('undici') });
      children.push(undici);
      targets.push({ name: 'plain-undici-forwarder', url: `http://127.0.0.1:${undiciPort}${options.path}`, pid: undici.pid! });
    }
    await Promise.all(targets.map((t) => waitForHttp(t.url)));
    for (const t of targets) await load(t.url, options.connections, 1); // warm-up: JIT, keep-alive pools

    const windows: Record<string, Window[]> = {};
    const runs = new Map<string, { requests: number; seconds: number; cpu: number; user: number; p50: number[]; p99: number[]; errors: number; non2xx: number; perRound: number[] }>();
    for (let round = 0; round < options.rounds; round++) {
      const order = round % 2 === 0 ? targets : [...targets].reverse(); // alternate who runs first
      for (const t of order) {
        const cpuBefore = cpuSplitMicros(t.pid);
        const from = Number(process.hrtime.bigint() / 1000n);
        const result = await load(t.url, options.connections, options.durationSeconds);
        (windows[t.name] ??= []).push([from, Number(process.hrtime.bigint() / 1000n)]);
        const cpuAfter = cpuSplitMicros(t.pid);
        const user = cpuAfter.user - cpuBefore.user;
        const cpu = user + cpuAfter.system - cpuBefore.system;
        const acc = runs.get(t.name) ?? { requests: 0, seconds: 0, cpu: 0, user: 0, p50: [], p99: [], errors: 0, non2xx: 0, perRound: [] };
        acc.requests += result.requests.total;
        acc.seconds += result.duration;
        acc.cpu += cpu;
        acc.user += user;
        acc.p50.push(result.latency.p50);
        acc.p99.push(result.latency.p99);
        acc.errors += result.errors + result.timeouts;
        acc.non2xx += result.non2xx;
        acc.perRound.push(result.requests.total / result.duration);
        runs.set(t.name, acc);
      }
    }
    const results: TargetResult[] = targets.map((t) => {
      const r = runs.get(t.name)!;
      return {
        name: t.name,
        requestsPerSecond: r.requests / r.seconds,
        latencyP50Ms: median(r.p50),
        latencyP99Ms: median(r.p99),
        cpuMicrosPerRequest: r.cpu / Math.max(1, r.requests),
        userMicrosPerRequest: r.user / Math.max(1, r.requests),
        systemMicrosPerRequest: (r.cpu - r.user) / Math.max(1, r.requests),
        errors: r.errors,
        non2xx: r.non2xx,
      };
    });
    const nginxRounds = runs.get('nginx')!.perRound;
    const perRound = runs.get('authscale-proxy')!.perRound.map((rps, i) => rps / nginxRounds[i]);
    const mine = results[0];
    const theirs = results[1];
    return {
      settings: { ...options, replicas: useApp ? 'app replica (dist/services/app/main.js), GET ' + options.path : 'minimal node:http upstream', cores: os.cpus().length, node: process.version, nginx: nginxBin },
      targets: results,
      ratio: {
        throughput: mine.requestsPerSecond / theirs.requestsPerSecond,
        cpuPerRequest: mine.cpuMicrosPerRequest / theirs.cpuMicrosPerRequest,
        perRoundThroughput: perRound,
        medianRoundThroughput: median(perRound),
      },
      windows,
    };
  } finally {
    await Promise.all(children.map((c) => stopChild(c)));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** --cpu-prof for one target, into its own subdirectory of the profile directory. */
function profileArgs(options: BenchOptions, target: 'proxy' | 'plain-undici'): string[] {
  return options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${path.join(options.cpuProfDir, target)}`] : [];
}

function load(url: string, connections: number, duration: number): Promise<autocannon.Result> {
  return autocannon({ url, connections, duration, pipelining: 1 });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Pure: the result as a small table and the ratio line. */
export function formatBenchResult(result: BenchResult): string {
  const rows = result.targets.map((t) =>
    `| ${t.name.padEnd(29)} | ${t.requestsPerSecond.toFixed(0).padStart(7)} | ${t.latencyP50Ms.toFixed(1).padStart(5)} | ${t.latencyP99Ms.toFixed(1).padStart(5)} | ${t.cpuMicrosPerRequest.toFixed(1).padStart(10)} | ${t.userMicrosPerRequest.toFixed(1).padStart(6)} | ${t.systemMicrosPerRequest.toFixed(1).padStart(6)} | ${String(t.errors + t.non2xx).padStart(6)} |`);
  const s = result.settings;
  return [
    `proxy benchmark: ${s.connections} connections, ${s.rounds} × ${s.durationSeconds} s per target (alternating), ${s.cores} cores, node ${s.node}`,
    `upstreams: 2 × ${s.replicas}`,
    '',
    '| target                        |   req/s | p50ms | p99ms | CPU µs/req |   user | system | errors |',
    '|-------------------------------|---------|-------|-------|------------|--------|--------|--------|',
    ...rows,
    '',
    `ratio this proxy / nginx: throughput ${result.ratio.throughput.toFixed(2)} (median of rounds ${result.ratio.medianRoundThroughput.toFixed(2)}; rounds ${result.ratio.perRoundThroughput.map((r) => r.toFixed(2)).join(' ')}), CPU per request ${result.ratio.cpuPerRequest.toFixed(2)}`,
    ...result.targets.slice(2).map((t) =>
      `ratio ${t.name === 'plain-node-forwarder' ? 'bare Node forwarder (http.request)' : t.name === 'plain-undici-forwarder' ? 'bare Node forwarder (undici Pool)' : `the other build (${s.compareProxy})`} / nginx: throughput ${(t.requestsPerSecond / result.targets[1].requestsPerSecond).toFixed(2)}, CPU per request ${(t.cpuMicrosPerRequest / result.targets[1].cpuMicrosPerRequest).toFixed(2)} ${t.name.startsWith('plain') ? ' (reference: Node with no features)' : ''}`),
  ].join('\n');
}

function parseArgs(argv: string[]): BenchOptions & { json?: string } {
  const get = (name: string): string | undefined => {
    const at = argv.indexOf(`--${name}`);
    return at === -1 ? undefined : argv[at + 1];
  };
  const positive = (name: string, fallback: number): number => {
    const raw = get(name);
    const value = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
    return value;
  };
  return {
    connections: positive('connections', 50),
    durationSeconds: positive('duration', 3),
    rounds: positive('rounds', 4),
    path: get('path') ?? '/health',
    cpuProfDir: argv.includes('--cpu-prof') ? path.resolve(get('cpu-prof-dir') ?? 'results/proxy-profile') : undefined,
    json: get('json'),
    upstream: get('upstream') === 'minimal' ? 'minimal' : 'app',
    withPlainNode: !argv.includes('--no-plain'),
    compareProxy: get('compare-proxy') ? path.resolve(get('compare-proxy')!) : undefined,
  };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const nginx = findNginx();
  if (!nginx) {
    process.stdout.write('proxy benchmark skipped: nginx is not installed (Debian: apt-get install nginx, or set NGINX_BIN).\n');
    return;
  }
  if (!fs.existsSync(PROXY_MAIN)) throw new Error('dist/proxy/main.js is missing: run npm run build first');
  const result = await runProxyBench(options, nginx);
  process.stdout.write(`${formatBenchResult(result)}\n`);
  if (options.json) fs.writeFileSync(options.json, JSON.stringify(result, null, 2));
  if (options.cpuProfDir) {
    // Where each request's CPU goes, stage by stage: this proxy against the bare undici forwarder (Node's floor).
    for (const [dir, name] of [['proxy', 'authscale-proxy'], ['plain-undici', 'plain-undici-forwarder']] as const) {
      const file = newestProfile(path.join(options.cpuProfDir, dir));
      const target = result.targets.find((t) => t.name === name);
      if (!file || !target) continue;
      const stages = profileStages(JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile, result.windows[name]);
      process.stdout.write(`\n${formatStages(`${name} (${file})`, stages, target)}\n`);
    }
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`proxy benchmark failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
