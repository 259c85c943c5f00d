import os from 'node:os';
import { Pool, type Dispatcher } from 'undici';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { CLIENT_ADDRESS_HEADER, CLIENT_KEY_HEADER, clientAddressKey } from '../../common/client-address';
import { sleep, type RunContext } from '../context';
import type { CpuWindow, LoginStormResult, ProbeLatency } from '../results';
import { clientAddressFor } from '../virtual-user';
import { startProbeProcess } from '../probe-process';
import { readReplicaMetrics, replicasWithMetric, type ReplicaAccess } from '../replica-access';

/**
 * login-storm: `stormClients` clients log in through the round-robin frontend for `stormSeconds`,
 * each attempt abandoned after 3 s (a person, or a client library, giving up), a refused or
 * abandoned client trying again shortly. Meanwhile /health and an authenticated /jwt/me are
 * probed; after the last client has left, each replica's CPU is watched: work for clients that
 * are gone is wasted. Before the storm, sequential logins measure the CPU cost of one login at
 * the target's hash cost. Replicas are read through their /metrics (process_cpu_seconds_total),
 * reached as the memory scenario reaches them (straight, or through the proxy's direct route).
 */
const CLIENT_TIMEOUT_MS = 3000;
const PROBE_GAP_MS = 50;
const QUIET_PERCENT = 5;
const WATCH_MS = 20_000;
const WINDOW_MS = 500;
const CPU_METRIC = /^process_cpu_seconds_total(?:\{[^}]*\})?\s+([0-9.e+-]+)/m;
const HASH_COST_METRIC = /^authscale_password_hash_cost(?:\{[^}]*\})?\s+([0-9.e+-]+)/m;

type Replica = ReplicaAccess;

/** Short: the CPU is read every 500 ms after the storm. */
const metricsText = (replica: Replica): Promise<string> => readReplicaMetrics(replica, 3000);

/**
 * The replicas to watch, or why the scenario cannot run on this target: each reached straight
 * (the local cluster) or through the proxy's admin-token direct route (docker compose, a swarm).
 */
export function stormReplicas(context: RunContext): Promise<Replica[] | string> {
  return replicasWithMetric(context.target, context.replicas, { pattern: CPU_METRIC, name: 'process_cpu_seconds_total' });
}

/** CPU seconds used so far by each replica. */
async function cpuSeconds(replicas: Replica[]): Promise<Record<string, number>> {
  const entries = await Promise.all(replicas.map(async (r) => [r.id, Number(CPU_METRIC.exec(await metricsText(r))?.[1] ?? NaN)] as const));
  return Object.fromEntries(entries);
}

/** Percent of one core each replica used between two readings `ms` apart (pure). */
export function cpuPercent(before: Record<string, number>, after: Record<string, number>, ms: number): Record<string, number> {
  return Object.fromEntries(Object.keys(before).map((id) => [id, Math.max(0, ((after[id] - before[id]) * 1000 * 100) / ms)]));
}

/** Sum of one counter's samples (all label sets) in a metrics text; null when absent. */
function counterSum(text: string, name: string, labelFilter = ''): number | null {
  let total: number | null = null;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || !line.includes(labelFilter)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) total = (total ?? 0) + value;
  }
  return total;
}

async function replicaCounters(replicas: Replica[]): Promise<LoginStormResult['replicaCounters']> {
  const texts = await Promise.all(replicas.map((r) => metricsText(r).catch(() => '')));
  const sum = (name: string, filter?: string): number | null => texts.reduce<number | null>((acc, t) => {
    const v = counterSum(t, name, filter);
    return v === null ? acc : (acc ?? 0) + v;
  }, null);
  const refused = sum('authscale_logins_refused_total');
  if (refused === null) return null;
  return {
    refused,
    abandonedClientGone: sum('authscale_logins_abandoned_total', 'reason="client_gone"') ?? 0,
    abandonedQueueTimeout: sum('authscale_logins_abandoned_total', 'reason="queue_timeout"') ?? 0,
  };
}

/** p50/p99/max of latencies (pure). */
export function latencySummary(latencies: number[], failed: number): ProbeLatency {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number): number | null => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : null);
  return { count: sorted.length, failed, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: sorted.length ? sorted[sorted.length - 1] : null };
}

function loginBody(context: RunContext, i: number): string {
  return JSON.stringify({ username: context.usernames[i % context.usernames.length], password: context.password });
}

/** A login's headers: each storm client is its own address, claimed as the bench claims them (common/client-address.ts). */
function loginHeaders(context: RunContext, address: string): Record<string, string> {
  return { 'Content-Type': 'application/json', [CLIENT_ADDRESS_HEADER]: address, [CLIENT_KEY_HEADER]: clientAddressKey(context.target.adminToken) };
}

/**
 * The storm's HTTP client: undici's pool, one connection per client at most. fetch cost the bench
 * ~0.6 ms of CPU per storm request (its streams, Headers and signals); the storm shares the two
 * cores with the target, so every millisecond the generator spends is taken from the cluster it
 * measures. The semantics are fetch's: an abandoned attempt closes its connection (the proxy then
 * closes its upstream request and the replica drops the login: client gone).
 */
type Logins = Pick<Dispatcher, 'request'>;

async function login(client: Logins, body: string, headers: Record<string, string>, timeoutMs: number): Promise<{ status: number; error?: string; json?: Record<string, unknown> }> {
  try {
    const response = await client.request({ path: '/jwt/login', method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
    const json = (await response.body.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    return { status: response.statusCode, error: typeof json?.error === 'string' ? json.error : undefined, json };
  } catch (error) {
    return { status: 0, error: (error as Error).name === 'TimeoutError' ? 'timeout' : 'transport' };
  }
}

/** CPU per login: sequential logins on the quiet target, idle CPU subtracted. */
async function measureLoginCpu(context: RunContext, replicas: Replica[], client: Logins): Promise<{ ms: number | null; samples: number }> {
  const idleStart = await cpuSeconds(replicas);
  await sleep(1000);
  const idleEnd = await cpuSeconds(replicas);
  const idlePerMs = Object.keys(idleStart).reduce((a, id) => a + (idleEnd[id] - idleStart[id]), 0) / 1000;
  const start = await cpuSeconds(replicas);
  const began = Date.now();
  let samples = 0;
  // At least 3 logins and 3 s, at most 200 logins: enough CPU to rise above the metric's noise.
  while ((samples < 3 || Date.now() - began < 3000) && samples < 200 && !context.signal.aborted) {
    const answer = await login(client, loginBody(context, samples), loginHeaders(context, clientAddressFor(100_000 + samples)), 30_000);
    if (answer.status !== 200) return { ms: null, samples };
    samples++;
  }
  const elapsed = Date.now() - began;
  const end = await cpuSeconds(replicas);
  const used = Object.keys(start).reduce((a, id) => a + (end[id] - start[id]), 0) - idlePerMs * elapsed;
  return { ms: samples ? Math.max(0, (used * 1000) / samples) : null, samples };
}

export async function runLoginStorm(context: RunContext, replicas: Replica[]): Promise<LoginStormResult> {
  const frontend = context.target.frontends.find((f) => f.strategy === 'round-robin') ?? context.target.frontends[0];
  const url = frontend.url;
  const clients = context.timing.stormClients;
  const costs = (await Promise.all(replicas.map((r) => metricsText(r)))).map((t) => HASH_COST_METRIC.exec(t)?.[1]).filter(Boolean).map(Number);
  const hashCost = costs.length ? Math.max(...costs) : null;
  const pool = new Pool(new URL(url).origin, { connections: clients + 4, pipelining: 1 });
  try {
    return await storm(context, replicas, url, pool, hashCost);
  } finally {
    await pool.destroy().catch(() => undefined);
  }
}

async function storm(context: RunContext, replicas: Replica[], url: string, pool: Logins, hashCost: number | null): Promise<LoginStormResult> {
  const { stormClients: clients, stormSeconds } = context.timing;
  context.log(`login-storm: hash cost ${hashCost ?? 'not reported'}; measuring one login's CPU`);
  const loginCpu = await measureLoginCpu(context, replicas, pool);

  // A probe user, logged in before the storm (JWT: valid on every replica).
  const probeLogin = await login(pool, loginBody(context, 0), loginHeaders(context, clientAddressFor(200_000)), 30_000);
  const token = typeof probeLogin.json?.accessToken === 'string' ? probeLogin.json.accessToken : '';
  if (!token) throw new Error(`the probe user could not log in (status ${probeLogin.status})`);

  const loadBefore = os.loadavg();
  const countersBefore = await replicaCounters(replicas);
  const logins = { ok: 0, refused: 0, abandoned: 0, throttled: 0, errors: 0 };
  // Each probe in a process of its own: the storm's clients keep this event loop busy (benchLoopDelayP99Ms).
  // Warmed up before the storm: their own start is the instrument's cost, not the target's.
  const probes = [
    startProbeProcess({ url: new URL('/health', url).href, gapMs: PROBE_GAP_MS }),
    startProbeProcess({ url: new URL('/jwt/me', url).href, headers: { Authorization: `Bearer ${token}` }, gapMs: PROBE_GAP_MS }),
  ];
  await Promise.all(probes.map((p) => p.ready));
  const stormEnds = Date.now() + stormSeconds * 1000;
  context.log(`login-storm: ${clients} clients for ${stormSeconds} s, each attempt abandoned after ${CLIENT_TIMEOUT_MS / 1000} s`);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const cpuStormStart = await cpuSeconds(replicas);
  const stormStarted = Date.now();
  const client = async (i: number): Promise<void> => {
    const body = loginBody(context, i);
    const headers = loginHeaders(context, clientAddressFor(i));
    while (Date.now() < stormEnds && !context.signal.aborted) {
      const answer = await login(pool, body, headers, CLIENT_TIMEOUT_MS);
      if (answer.status === 200) logins.ok++;
      else if (answer.status === 503 && answer.error === 'login_overloaded') logins.refused++;
      else if (answer.error === 'timeout') logins.abandoned++;
      else if (answer.status === 429) logins.throttled++;
      else logins.errors++;
      // Someone refused or logged in tries again a little later; a timed-out client at once.
      if (answer.error !== 'timeout') await sleep(250 + Math.random() * 500);
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, i) => client(i)));
  const lastLeft = Date.now();
  loop.disable();
  const cpuStormEnd = await cpuSeconds(replicas);
  const cpuDuringStorm = cpuPercent(cpuStormStart, cpuStormEnd, lastLeft - stormStarted);
  const [health, me] = (await Promise.all(probes.map((p) => p.stop()))).map((r) => latencySummary(r.latencies, r.failed));

  // Watch each replica's CPU from the moment the last client left.
  const cpuAfter: CpuWindow[] = [];
  let previous = cpuStormEnd;
  let previousAt = lastLeft;
  let quietSince: number | null = null;
  while (Date.now() - lastLeft < WATCH_MS && !context.signal.aborted) {
    await sleep(Math.max(0, previousAt + WINDOW_MS - Date.now()));
    const now = Date.now();
    const reading = await cpuSeconds(replicas);
    const window = { fromMs: previousAt - lastLeft, toMs: now - lastLeft, percent: cpuPercent(previous, reading, now - previousAt) };
    cpuAfter.push(window);
    const quiet = Object.values(window.percent).every((p) => p < QUIET_PERCENT);
    quietSince = quiet ? quietSince ?? window.fromMs : null;
    [previous, previousAt] = [reading, now];
    // Quiet for 2 s and past the 3 s mark: nothing more to see.
    if (quietSince !== null && window.toMs - quietSince >= 2000 && window.toMs >= 3000) break;
  }
  const at2s = cpuAfter.filter((w) => w.fromMs >= 2000 - 50 && w.toMs <= 3000 + 250);
  const cpuAt2s = at2s.length
    ? Object.fromEntries(replicas.map((r) => [r.id, at2s.reduce((a, w) => a + w.percent[r.id] * (w.toMs - w.fromMs), 0) / at2s.reduce((a, w) => a + (w.toMs - w.fromMs), 0)]))
    : null;
  const countersAfter = await replicaCounters(replicas);
  return {
    hashCost,
    clients,
    stormSeconds,
    clientTimeoutMs: CLIENT_TIMEOUT_MS,
    loginCpuMs: loginCpu.ms,
    loginCpuSamples: loginCpu.samples,
    logins,
    replicaCounters: countersBefore && countersAfter ? {
      refused: countersAfter.refused - countersBefore.refused,
      abandonedClientGone: countersAfter.abandonedClientGone - countersBefore.abandonedClientGone,
      abandonedQueueTimeout: countersAfter.abandonedQueueTimeout - countersBefore.abandonedQueueTimeout,
    } : null,
    probes: { health, me },
    benchLoopDelayP99Ms: loop.percentile(99) / 1e6,
    cpuDuringStorm,
    cpuAfter,
    cpuAt2s,
    quietAfterMs: quietSince,
    loadAverage: { before: loadBefore, after: os.loadavg() },
  };
}
