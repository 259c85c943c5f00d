import os from 'node:os';
import { APP_REPLICAS, SCALE_ONLY } from '../../cluster/topology';
import { countBetween, lastInstance, totalCounts } from '../aggregate';
import { checkModel, limitingParts, modelFromPoint, paperScale, predict, slope, type CapacityModel } from '../capacity-model';
import type { ContainerAccess } from '../containers';
import { sleep, trackProgress, type RunContext } from '../context';
import {
  containerCpuSource, cpuBetween, dockerProxyPids, hostProcessesSource, ownProcessSource, type CpuSample, type CpuSource,
} from '../cpu-accounting';
import type { UserLedger } from '../ledger';
import { cellUsers, startCell } from '../load';
import { rampConcurrency, rampLogins } from '../login-ramp';
import { modeByName } from '../modes';
import { emptyCounts, type Counts, type ScalingModeModel, type ScalingPaper, type ScalingPartUse, type ScalingPoint, type ScalingResult } from '../results';
import { redisCommandCount } from '../redis-commands';
import { REDIS_KEY_PREFIXES } from '../../common/vocabulary';
import type { VirtualUser } from '../virtual-user';

/**
 * Scale-out as a curve: N = 1..4 replicas, each with the same CPU quota, so a replica is a fixed
 * slice of CPU and adding one adds capacity even on a 2-core host. Per N and mode, the saturated
 * ok req/s and the CPU each part spent per request, from cgroup accounting. Users log in once
 * (memory users pinned across all four replicas, the others reused at every N); replicas above N
 * are paused, so their in-memory sessions survive until they serve again.
 */
export const SCALING_MODES: readonly { mode: string; strategy: string }[] = Object.freeze([
  { mode: 'memory', strategy: 'sticky-cookie' },
  { mode: 'redis', strategy: 'round-robin' },
  { mode: 'jwt', strategy: 'round-robin' },
  { mode: 'jwt-revocable', strategy: 'round-robin' },
]);

export const SCALING_PLAN = Object.freeze({
  replicaCounts: [1, 2, 3, 4],
  /** Closed-loop users per serving replica: enough to keep a 0.2-core replica saturated. */
  usersPerReplica: 8,
  /** Quotas plus the shared parts' measured CPU must stay within this, leaving the rest of the 2 cores to the host. */
  budgetCores: 1.6,
  /** Seconds of load before the measured window (connections, a replica just unpaused). */
  warmSeconds: 2,
  /**
   * Seconds of each mode's load on all four replicas before the first point. At 0.1 CPU a replica
   * that never served a mode's requests spent 2-5× the CPU per request of a warm one (JIT, measured):
   * unwarmed, the N = 1 points (the model's only input) and each newly unpaused replica were cold.
   */
  warmAllSeconds: 12,
  /** The seed's "100 servers", on paper. */
  paper: { loggedInUsers: 1_000_000, requestsPerUserPerSec: 0.1, servers: 100, coresPerServer: 1 },
});

const REPLICA_PART = 'replicas';
const GENERATOR = 'load generator';
const DOCKER_PROXY = 'docker-proxy';

export function scalingUnavailable(context: RunContext): string | undefined {
  if (!context.target.containers) {
    return 'the scaling scenario needs a Docker target (--compose): it reads each container\'s cgroup CPU accounting, and the replicas need CPU quotas';
  }
  for (const replica of APP_REPLICAS) {
    for (const verb of ['pause', 'unpause'] as const) {
      const why = context.target.faults.unavailable(replica, verb);
      if (why) return why;
    }
  }
  return context.target.faults.unavailable(SCALE_ONLY, 'start');
}

interface Part {
  name: string;
  source: CpuSource;
  /** Counted in a point only while it serves (paused replicas are left out). */
  replica?: string;
}

interface Setup {
  parts: Part[];
  redisId: string;
  replicaQuota: number;
  proxyQuota: number | null;
  redisQuota: number | null;
  accounting: string;
  startedApp4: boolean;
}

/** Runs the scenario, or says why it cannot run on this target. */
export async function runScaling(context: RunContext, options: { cellSeconds: number }): Promise<ScalingResult | string> {
  const access = context.target.containers;
  if (!access) return scalingUnavailable(context) ?? 'no containers';
  const setup = await prepare(context, access);
  if (typeof setup === 'string') return setup;
  const paused = new Set<string>();
  const loadStart = os.loadavg();
  try {
    await setServing(context, APP_REPLICAS.length, paused);
    const logins = await logInUsers(context, access, setup.redisId);
    const cellSeconds = Math.max(4, options.cellSeconds);
    const points: ScalingPoint[] = [];
    const skipped: ScalingResult['skipped'] = [];
    const stopped = new Map<string, string>();
    const totalSeconds = SCALING_MODES.length * (SCALING_PLAN.warmAllSeconds
      + SCALING_PLAN.replicaCounts.length * (cellSeconds + SCALING_PLAN.warmSeconds + 1));
    // every cell's ledgers so far: progress counts responses since the last tick across cells
    const cells: UserLedger[][] = [];
    const stopProgress = trackProgress(context, 'scaling', totalSeconds, () => cells.flat());
    try {
      await warmEveryReplica(context, logins, (l) => { cells.push(l); });
      for (const n of SCALING_PLAN.replicaCounts) {
        if (context.signal.aborted) break;
        await setServing(context, n, paused);
        // rotate the modes so no mode always runs first after a pool change
        const order = SCALING_MODES.map((_, i) => SCALING_MODES[(i + n - 1) % SCALING_MODES.length]);
        for (const { mode, strategy } of order) {
          if (context.signal.aborted) break;
          const why = stopped.get(mode);
          if (why) {
            skipped.push({ mode, replicas: n, reason: why });
            continue;
          }
          const users = usersFor(logins, mode, n);
          const short = tooFewUsers(mode, n, users.length, logins);
          if (short) {
            skipped.push({ mode, replicas: n, reason: short });
            continue;
          }
          const point = await measurePoint(context, setup, { mode, strategy, replicas: n, users, cellSeconds }, (l) => { cells.push(l); });
          points.push(point);
          context.log(`scaling: ${mode} N=${n}: ${point.okPerSec.toFixed(0)} ok req/s, limit ${point.limits.join(', ') || 'none of the parts'}`);
          const next = n + 1;
          if (next <= SCALING_PLAN.replicaCounts[SCALING_PLAN.replicaCounts.length - 1]) {
            const projected = projectedCores(point, setup.replicaQuota, next);
            if (projected > SCALING_PLAN.budgetCores) {
              stopped.set(mode, `N=${next} would need about ${projected.toFixed(2)} cores (${next} × ${setup.replicaQuota} quota + the shared parts' CPU measured at N=${n}, scaled to N=${next}), over the ${SCALING_PLAN.budgetCores}-core budget`);
            }
          }
        }
      }
    } finally {
      stopProgress();
    }
    const models = SCALING_MODES.map(({ mode }) => modelOf(mode, points, setup)).filter((m): m is ScalingModeModel => m !== undefined);
    return {
      replicaQuotaCores: setup.replicaQuota,
      proxyQuotaCores: setup.proxyQuota,
      redisQuotaCores: setup.redisQuota,
      usersPerReplica: SCALING_PLAN.usersPerReplica,
      cellSeconds,
      warmSeconds: SCALING_PLAN.warmSeconds,
      warmAllSeconds: SCALING_PLAN.warmAllSeconds,
      budgetCores: SCALING_PLAN.budgetCores,
      hostCores: os.cpus().length,
      accounting: setup.accounting,
      loadAverage: { start: loadStart.map(round2), end: os.loadavg().map(round2) },
      logins: logins.summary,
      points,
      skipped,
      models,
      shared: sharedCapacities(points, models),
      paper: paper(points, models, logins.summary),
    };
  } finally {
    // leave the stack as it was found: every replica serving, app4 down again if the run started it
    for (const replica of [...paused]) await context.target.faults.run(replica, 'unpause').catch(() => undefined);
    if (setup.startedApp4) await context.target.faults.run(SCALE_ONLY, 'stop').catch(() => undefined);
  }
}

async function prepare(context: RunContext, access: ContainerAccess): Promise<Setup | string> {
  let startedApp4 = false;
  if (!(await access.containerId(SCALE_ONLY))) {
    context.log(`scaling: starting ${SCALE_ONLY} (the scale profile)`);
    await context.target.faults.run(SCALE_ONLY, 'start');
    startedApp4 = true;
  }
  const parts: Part[] = [];
  const vias = new Set<string>();
  const quotas: Record<string, number | null> = {};
  let redisId = '';
  for (const service of ['proxy', 'redis', ...APP_REPLICAS]) {
    const id = await access.containerId(service);
    if (!id) return `the stack has no running ${service} container`;
    if (service === 'redis') redisId = id;
    const { source, via } = containerCpuSource(id);
    vias.add(via);
    quotas[service] = (await source()).quotaCores;
    parts.push({ name: service, source, ...(service.startsWith('app') ? { replica: service } : {}) });
  }
  const replicaQuotas = APP_REPLICAS.map((r) => quotas[r]);
  const quota = replicaQuotas[0];
  if (replicaQuotas.some((q) => q === null)) {
    if (startedApp4) await context.target.faults.run(SCALE_ONLY, 'stop').catch(() => undefined);
    return `the replicas need a CPU quota for the curve (${APP_REPLICAS.map((r) => `${r} ${quotas[r] ?? 'none'}`).join(', ')}): start the stack with AUTHSCALE_REPLICA_CPUS=0.2 in the environment (export it for the bench too, so app4 gets it when the bench starts it)`;
  }
  if (replicaQuotas.some((q) => Math.abs((q ?? 0) - (quota ?? 0)) > 0.001)) {
    if (startedApp4) await context.target.faults.run(SCALE_ONLY, 'stop').catch(() => undefined);
    return `the replicas' CPU quotas differ (${APP_REPLICAS.map((r) => `${r} ${quotas[r]}`).join(', ')}): recreate them with one AUTHSCALE_REPLICA_CPUS`;
  }
  const proxyPids = dockerProxyPids(access.publishedPorts);
  const userland = hostProcessesSource(proxyPids);
  if (userland) parts.push({ name: DOCKER_PROXY, source: userland });
  parts.push({ name: GENERATOR, source: ownProcessSource });
  return {
    parts,
    redisId,
    replicaQuota: quota as number,
    proxyQuota: quotas.proxy,
    redisQuota: quotas.redis,
    accounting: `containers: ${[...vias].join(' and ')} (cpuacct/cpu.stat); ${userland ? `docker-proxy: /proc of ${proxyPids.length} processes` : 'docker-proxy: not visible from here (not counted)'}; load generator: this process (getrusage)`,
    startedApp4,
  };
}

/** Pause the replicas above n, unpause those up to n, and wait until the proxy serves exactly app1..appn. */
async function setServing(context: RunContext, n: number, paused: Set<string>): Promise<void> {
  const wanted = APP_REPLICAS.slice(0, n);
  for (const replica of APP_REPLICAS) {
    if (wanted.includes(replica) && paused.has(replica)) {
      await context.target.faults.run(replica, 'unpause');
      paused.delete(replica);
    } else if (!wanted.includes(replica) && !paused.has(replica)) {
      await context.target.faults.run(replica, 'pause');
      paused.add(replica);
    }
  }
  const deadline = Date.now() + 30_000;
  for (;;) {
    const status = await context.target.status().catch(() => undefined);
    const healthy = status?.upstreams.filter((u) => u.healthy).map((u) => u.id).sort() ?? [];
    if (healthy.join(',') === [...wanted].sort().join(',')) return;
    if (Date.now() > deadline) throw new Error(`the proxy did not settle on ${wanted.join(', ')} within 30 s (healthy: ${healthy.join(', ') || 'none'})`);
    await sleep(250);
  }
}

interface Logins {
  /** memory users by the replica they are pinned to; the other modes' users in login order. */
  pinned: Map<string, VirtualUser[]>;
  byMode: Map<string, VirtualUser[]>;
  summary: ScalingResult['logins'];
}

/** Every user of every mode logs in once, with all four replicas serving (the bench's login ramp: refusals wait Retry-After). */
async function logInUsers(context: RunContext, access: ContainerAccess, redisId: string): Promise<Logins> {
  const perReplica = SCALING_PLAN.usersPerReplica;
  const total = perReplica * APP_REPLICAS.length;
  const pinned = new Map<string, VirtualUser[]>(APP_REPLICAS.map((r) => [r, []]));
  const byMode = new Map<string, VirtualUser[]>();
  const summary: ScalingResult['logins'] = [];
  let firstUserIndex = 0;
  for (const { mode, strategy } of SCALING_MODES) {
    const spec = modeByName(mode);
    const frontend = context.target.frontends.find((f) => f.strategy === strategy);
    if (!spec || !frontend) throw new Error(`no ${strategy} frontend for ${mode}`);
    const stateBefore = await redisUserState(access, redisId);
    // memory: a few extra users, so every replica gets its share of pinned users (sticky placement is the proxy's choice)
    const users = cellUsers({
      mode: spec, strategy, url: frontend.url, connections: mode === 'memory' ? total + perReplica : total, firstUserIndex,
      usernames: context.usernames, password: context.password, adminToken: context.target.adminToken,
    });
    firstUserIndex += users.length;
    const ramp = await rampLogins(users, frontend.url, { concurrency: rampConcurrency({ replicas: APP_REPLICAS }), signal: context.signal });
    const loggedIn = users.filter((u) => u.isLoggedIn);
    if (mode === 'memory') {
      for (const user of loggedIn) {
        const list = pinned.get(lastInstance(user.ledger) ?? '');
        if (list && list.length < perReplica) list.push(user);
      }
    } else {
      byMode.set(mode, loggedIn.slice(0, total));
    }
    const stateAfter = await redisUserState(access, redisId);
    summary.push({
      mode,
      users: loggedIn.length,
      attempts: ramp.users,
      refusedOrFailed: ramp.refused + ramp.failed,
      seconds: round1(ramp.seconds),
      redisKeysPerUser: stateBefore && stateAfter && loggedIn.length > 0 ? round2((stateAfter.keys - stateBefore.keys) / loggedIn.length) : null,
      redisBytesPerUser: stateBefore && stateAfter && loggedIn.length > 0 ? Math.round(Math.max(0, stateAfter.bytes - stateBefore.bytes) / loggedIn.length) : null,
    });
    context.log(`scaling: ${mode}: ${loggedIn.length} of ${users.length} users logged in (${ramp.refused} refused, ${ramp.failed} failed) in ${round1(ramp.seconds)} s`);
  }
  return { pinned, byMode, summary };
}

/** Why a point cannot be measured fairly: fewer logged-in users than it needs (logins refused or too slow). */
function tooFewUsers(mode: string, n: number, users: number, logins: Logins): string | undefined {
  const wanted = SCALING_PLAN.usersPerReplica * n;
  const empty = mode === 'memory' ? APP_REPLICAS.slice(0, n).filter((r) => (logins.pinned.get(r)?.length ?? 0) === 0) : [];
  if (empty.length > 0) return `no memory user is pinned to ${empty.join(', ')}: its logins were refused or timed out, so it would sit idle`;
  if (users < wanted / 2) return `only ${users} of ${wanted} users could log in (the ramp gave up on the rest after its retries: the replicas were too slow, load average ${os.loadavg()[0].toFixed(1)})`;
  return undefined;
}

function usersFor(logins: Logins, mode: string, n: number): VirtualUser[] {
  if (mode === 'memory') return APP_REPLICAS.slice(0, n).flatMap((r) => logins.pinned.get(r) ?? []);
  return (logins.byMode.get(mode) ?? []).slice(0, SCALING_PLAN.usersPerReplica * n);
}

/** Every key prefix of per-user state in Redis (sessions, refresh families, denylists): not the login throttle's counters, which expire. */
export const USER_STATE_PATTERNS: readonly string[] = Object.entries(REDIS_KEY_PREFIXES)
  .filter(([name]) => name !== 'loginFailures').map(([, prefix]) => `${prefix}*`);

// One round trip: SCAN each pattern and sum MEMORY USAGE (key, value and Redis's per-key overhead).
const USER_STATE_SCRIPT = `local keys, bytes = 0, 0
for _, pattern in ipairs(ARGV) do
  local cursor = '0'
  repeat
    local reply = redis.call('SCAN', cursor, 'MATCH', pattern, 'COUNT', 1000)
    cursor = reply[1]
    for _, key in ipairs(reply[2]) do
      keys = keys + 1
      bytes = bytes + (redis.call('MEMORY', 'USAGE', key) or 0)
    end
  until cursor == '0'
end
return {keys, bytes}`;

/**
 * Keys and bytes of per-user state in Redis. Not used_memory: its client and AOF buffers moved by
 * more than 32 logins' state (a run read 0 to 4,500 B per user against ~400 B per session key).
 */
async function redisUserState(access: ContainerAccess, redisId: string): Promise<{ keys: number; bytes: number } | undefined> {
  const reply = await access.exec(redisId, ['redis-cli', '--no-auth-warning', 'EVAL', USER_STATE_SCRIPT, '0', ...USER_STATE_PATTERNS]).catch(() => undefined);
  return reply === undefined ? undefined : parseUserState(reply);
}

/** redis-cli's reply to the script (two integers, one a line, without a tty) → keys and bytes (pure). */
export function parseUserState(reply: string): { keys: number; bytes: number } | undefined {
  const [keys, bytes] = reply.trim().split(/\s+/).map(Number);
  return Number.isInteger(keys) && Number.isInteger(bytes) ? { keys, bytes } : undefined;
}

interface RedisStats {
  commands: number;
  /** CPU seconds of the redis-server process itself (INFO cpu): its container's cgroup also holds the health probes' and the bench reader's redis-cli. */
  serverCpuSeconds: number | undefined;
}

/** Through the target's INFO reader (a redis-cli kept open in the Redis container): a reading is a round trip, not a container exec. */
async function redisStats(target: RunContext['target']): Promise<RedisStats | undefined> {
  if (!target.redisInfo) return undefined;
  const [cpu, commands] = await Promise.all([target.redisInfo('cpu'), target.redisInfo('commandstats')]).catch(() => [undefined, undefined]);
  return cpu === undefined || commands === undefined ? undefined : parseRedisStats(`${cpu}\n${commands}`);
}

/** INFO cpu + commandstats → commands run (INFO itself excluded) and the server's CPU seconds (pure). */
export function parseRedisStats(info: string): RedisStats {
  const field = (name: string): number | undefined => {
    const match = info.match(new RegExp(`^${name}:([\\d.]+)`, 'm'));
    return match ? Number(match[1]) : undefined;
  };
  const sys = field('used_cpu_sys');
  const user = field('used_cpu_user');
  return { commands: redisCommandCount(info), serverCpuSeconds: sys !== undefined && user !== undefined ? sys + user : undefined };
}

const sampleAll = async (parts: readonly Part[]): Promise<CpuSample[]> => Promise.all(parts.map((p) => p.source()));

/** Each mode's users on all four replicas, unmeasured, so no point (N = 1 first) runs on a replica that never served that mode. */
async function warmEveryReplica(context: RunContext, logins: Logins, onLedgers: (ledgers: UserLedger[]) => void): Promise<void> {
  const n = APP_REPLICAS.length;
  context.log(`scaling: warming every replica with each mode's load (${SCALING_PLAN.warmAllSeconds} s per mode, N = ${n})`);
  for (const { mode, strategy } of SCALING_MODES) {
    if (context.signal.aborted) return;
    const users = usersFor(logins, mode, n);
    if (users.length === 0) continue;
    const frontend = context.target.frontends.find((f) => f.strategy === strategy)!;
    const running = startCell({
      signal: context.signal, mode: modeByName(mode)!, strategy, url: frontend.url, connections: users.length,
      durationSeconds: SCALING_PLAN.warmAllSeconds, t0: Date.now(), firstUserIndex: 0,
      usernames: context.usernames, password: context.password, adminToken: context.target.adminToken, users,
    });
    onLedgers(running.ledgers);
    await running.done;
  }
}

/** One mode at one N: warm up, then a window with every part's CPU sampled at both ends. */
async function measurePoint(
  context: RunContext,
  setup: Setup,
  cell: { mode: string; strategy: string; replicas: number; users: readonly VirtualUser[]; cellSeconds: number },
  onLedgers: (ledgers: UserLedger[]) => void,
): Promise<ScalingPoint> {
  const spec = modeByName(cell.mode)!;
  const frontend = context.target.frontends.find((f) => f.strategy === cell.strategy)!;
  const t0 = Date.now();
  const running = startCell({
    signal: context.signal, mode: spec, strategy: cell.strategy, url: frontend.url, connections: cell.users.length,
    durationSeconds: SCALING_PLAN.warmSeconds + cell.cellSeconds + 1, t0, firstUserIndex: 0,
    usernames: context.usernames, password: context.password, adminToken: context.target.adminToken, users: cell.users,
  });
  onLedgers(running.ledgers);
  await sleep(t0 + SCALING_PLAN.warmSeconds * 1000 - Date.now());
  const [before, redisBefore] = await Promise.all([sampleAll(setup.parts), redisStats(context.target)]);
  const windowStart = Date.now();
  await sleep(t0 + (SCALING_PLAN.warmSeconds + cell.cellSeconds) * 1000 - Date.now());
  const [after, redisAfter] = await Promise.all([sampleAll(setup.parts), redisStats(context.target)]);
  const wall = (Date.now() - windowStart) / 1000;
  const { ledgers, result } = await running.done;

  const from = SCALING_PLAN.warmSeconds;
  const to = SCALING_PLAN.warmSeconds + cell.cellSeconds;
  const counts: Counts = emptyCounts();
  for (const ledger of ledgers) for (const key of Object.keys(counts) as (keyof Counts)[]) counts[key] += countBetween(ledger, key, from, to);
  const requests = Object.values(counts).reduce((sum, n) => sum + n, 0);
  const serving = APP_REPLICAS.slice(0, cell.replicas);
  const parts: ScalingPartUse[] = setup.parts
    .filter((p) => !p.replica || serving.includes(p.replica))
    .map((p) => {
      const index = setup.parts.indexOf(p);
      const use = cpuBetween(before[index], after[index], wall);
      return {
        part: p.name,
        cpuSeconds: round4(use.cpuSeconds),
        cores: round4(use.cores),
        cpuMsPerRequest: requests > 0 ? round4((use.cpuSeconds * 1000) / requests) : null,
        quotaCores: use.quotaCores,
        throttledShare: use.throttledShare === null ? null : round4(use.throttledShare),
      };
    });
  const limits = limitingParts(parts);
  const shares = totalShares(ledgers);
  return {
    mode: cell.mode,
    strategy: cell.strategy,
    replicas: cell.replicas,
    users: ledgers.length,
    seconds: round2(wall),
    okPerSec: round1(counts.ok / cell.cellSeconds),
    requests,
    counts,
    errorRate: requests > 0 ? round4(counts.errors / requests) : 0,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    shares,
    redisCommandsPerRequest: redisBefore && redisAfter && requests > 0 ? round4((redisAfter.commands - redisBefore.commands) / requests) : null,
    redisServerCpuSeconds: redisBefore?.serverCpuSeconds !== undefined && redisAfter?.serverCpuSeconds !== undefined
      ? round4(Math.max(0, redisAfter.serverCpuSeconds - redisBefore.serverCpuSeconds)) : null,
    parts,
    limits,
    limitNote: limitNote(limits, serving),
    loadAverage1: round2(os.loadavg()[0]),
    totals: totalCounts(ledgers),
  };
}

function totalShares(ledgers: readonly UserLedger[]): Record<string, number> {
  const shares: Record<string, number> = {};
  for (const l of ledgers) for (const [k, v] of Object.entries(l.shares)) shares[k] = (shares[k] ?? 0) + v;
  return shares;
}

/** Says what limited a point, so a flat curve is never read as a property of the auth mode. */
export function limitNote(limits: readonly string[], serving: readonly string[]): string {
  const replicas = limits.filter((p) => serving.includes(p));
  const others = limits.filter((p) => !serving.includes(p));
  if (others.length > 0) return `limited by ${others.join(', ')}, not (only) the replicas: this point measures that part, not the auth mode`;
  if (replicas.length === serving.length) return 'limited by the replicas\' quotas (every serving replica throttled in at least half its periods)';
  if (replicas.length > 0) return `only ${replicas.join(', ')} of ${serving.length} replicas reached the quota: uneven load, or the host's CPU ran short`;
  return 'no part reached its limit: the host\'s CPU (shared with other processes, see the load average) was the limit, not the replicas';
}

/** Cores N = next would take: next quotas plus the shared parts' measured cores scaled by next / n (throughput grows at most linearly). */
export function projectedCores(point: Pick<ScalingPoint, 'parts' | 'replicas'>, quota: number, next: number): number {
  const shared = point.parts.filter((p) => !p.part.startsWith('app')).reduce((sum, p) => sum + p.cores, 0);
  return next * quota + (shared * next) / point.replicas;
}

function modelOf(mode: string, points: readonly ScalingPoint[], setup: Setup): ScalingModeModel | undefined {
  const mine = points.filter((p) => p.mode === mode).sort((a, b) => a.replicas - b.replicas);
  const first = mine.find((p) => p.replicas === 1);
  if (!first || first.requests === 0) return undefined;
  const cpuSeconds: Record<string, number> = {};
  const cores: Record<string, number | null> = { [REPLICA_PART]: setup.replicaQuota, proxy: setup.proxyQuota ?? 1, redis: setup.redisQuota ?? 1, [GENERATOR]: 1, [DOCKER_PROXY]: null };
  for (const part of first.parts) {
    const name = part.part.startsWith('app') ? REPLICA_PART : part.part;
    cpuSeconds[name] = (cpuSeconds[name] ?? 0) + part.cpuSeconds;
  }
  // per request, count the server's own CPU: the container's also holds health probes (constant per second, not per request)
  if (first.redisServerCpuSeconds !== null && cpuSeconds.redis !== undefined) cpuSeconds.redis = first.redisServerCpuSeconds;
  const model: CapacityModel = modelFromPoint({ mode, requests: first.requests, cpuSeconds, coresPerInstance: cores, replicaPart: REPLICA_PART, hostCores: os.cpus().length });
  const measured = mine.map((p) => ({ replicas: p.replicas, okPerSec: p.okPerSec * (p.requests > 0 ? 1 : 0) }));
  const { checks, meanAbsError } = checkModel(model, measured);
  return {
    mode,
    parts: model.parts.map((p) => ({ ...p, cpuSecondsPerRequest: round6(p.cpuSecondsPerRequest) })),
    hostCores: model.hostCores,
    predictions: SCALING_PLAN.replicaCounts.map((n) => {
      const p = predict(model, n);
      return { replicas: n, okPerSec: round1(p.okPerSec), limit: p.limit };
    }),
    checks: checks.map((c) => ({ ...c, predicted: round1(c.predicted), error: round4(c.error) })),
    meanAbsError: meanAbsError === null ? null : round4(meanAbsError),
    slope: (() => {
      const s = slope(measured);
      return s === null ? null : round1(s);
    })(),
  };
}

function sharedCapacities(points: readonly ScalingPoint[], models: readonly ScalingModeModel[]): ScalingResult['shared'] {
  let commands = 0;
  let redisCpu = 0;
  for (const p of points) {
    const redis = p.parts.find((x) => x.part === 'redis');
    if (redis && p.redisCommandsPerRequest !== null && p.redisCommandsPerRequest > 0) {
      commands += p.redisCommandsPerRequest * p.requests;
      redisCpu += p.redisServerCpuSeconds ?? redis.cpuSeconds;
    }
  }
  const perCore = (m: ScalingModeModel, part: string): number | null => {
    const cost = m.parts.find((p) => p.part === part)?.cpuSecondsPerRequest;
    return cost ? round1(1 / cost) : null;
  };
  return {
    redisCommandsPerCoreSec: redisCpu > 0.02 ? Math.round(commands / redisCpu) : null,
    perMode: models.map((m) => ({
      mode: m.mode,
      proxyRequestsPerCoreSec: perCore(m, 'proxy'),
      replicaRequestsPerCoreSec: perCore(m, REPLICA_PART),
      generatorRequestsPerCoreSec: perCore(m, GENERATOR),
    })),
  };
}

function paper(points: readonly ScalingPoint[], models: readonly ScalingModeModel[], logins: ScalingResult['logins']): ScalingPaper {
  const shared = sharedCapacities(points, models);
  const assumptions = SCALING_PLAN.paper;
  const modes = models.map((m) => {
    const first = points.find((p) => p.mode === m.mode && p.replicas === 1);
    const replicaPerCore = shared.perMode.find((x) => x.mode === m.mode)?.replicaRequestsPerCoreSec ?? 0;
    const commandsPerRequest = first?.redisCommandsPerRequest ?? 0;
    const bytes = logins.find((l) => l.mode === m.mode)?.redisBytesPerUser ?? 0;
    const result = paperScale({
      loggedInUsers: assumptions.loggedInUsers,
      requestsPerUserPerSec: assumptions.requestsPerUserPerSec,
      redisCommandsPerRequest: commandsPerRequest,
      redisBytesPerUser: bytes,
      redisCommandsPerCoreSec: shared.redisCommandsPerCoreSec ?? 0,
      replicaRequestsPerCoreSec: replicaPerCore,
      coresPerServer: assumptions.coresPerServer,
      servers: assumptions.servers,
    });
    return { mode: m.mode, redisCommandsPerRequest: commandsPerRequest, redisBytesPerUser: bytes, replicaRequestsPerCoreSec: replicaPerCore, ...result };
  });
  return { ...assumptions, redisCommandsPerCoreSec: shared.redisCommandsPerCoreSec, modes };
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
const round2 = (x: number): number => Math.round(x * 100) / 100;
const round4 = (x: number): number => Math.round(x * 1e4) / 1e4;
const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;
