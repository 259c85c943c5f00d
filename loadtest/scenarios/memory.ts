import { Redis } from 'ioredis';
import { sleep, type RunContext } from '../context';
import { inParallel } from '../http';
import { createLedger } from '../ledger';
import { logIn } from '../login-ramp';
import { UserPool } from '../user-pool';
import { VirtualUser } from '../virtual-user';
import { AUTH_MODES, type AuthModeSpec } from '../modes';
import { rotatedOrder } from './throughput';
import { pollUntil } from '../../common/poll';
import { readReplicaMetrics, replicasWithMetric, type ReplicaAccess } from '../replica-access';
import type { MemoryModeResult, MemoryResult } from '../results';

/**
 * Heap growth per logged-in user, per mode: log users in straight at the replicas (no proxy,
 * spread over every serving replica so the logins hash side by side), keep their sessions, and
 * compare the replicas' heaps before and after. Each reading forces a collection on the replica
 * (SIGUSR2, gc-on-signal.ts) and takes the live heap the replica measured in that same tick; a
 * target that cannot collect is sampled instead (the minimum of several readings, mostly
 * garbage). JWT, which keeps nothing, is the control for what the logins themselves leave.
 */
const HEAP_METRIC = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})?\s+([0-9.e+]+)/m;
const LIVE_METRIC = /^authscale_heap_live_bytes(?:\{[^}]*\})?\s+([0-9.e+]+)/m;
const FORCED_METRIC = /^authscale_forced_gc_total(?:\{[^}]*\})?\s+([0-9.e+]+)/m;
const SAMPLES = 6;
const JWT = AUTH_MODES.find((m) => m.name === 'jwt')!;
const SAMPLE_GAP_MS = 150;

/** The replicas the memory scenario weighs (every healthy one), reached past the balancer, or why they cannot be. */
export function memoryReplicas(context: RunContext): Promise<ReplicaAccess[] | string> {
  return replicasWithMetric(context.target, context.replicas, { pattern: HEAP_METRIC, name: 'nodejs_heap_size_used_bytes' });
}

const metricValue = (pattern: RegExp, text: string): number | undefined => {
  const match = pattern.exec(text);
  return match ? Number(match[1]) : undefined;
};

const CODE_SPACE = /^nodejs_heap_space_size_used_bytes\{[^}]*space="(code|code_large_object)"[^}]*\}\s+([0-9.e+]+)/gm;

/**
 * Heap used by data: the total less the code spaces, when the replica reports spaces. Compiled
 * code grows whenever V8 optimises another function, which is noise here, not user state.
 */
export function parseHeapUsed(metrics: string): number | undefined {
  const match = HEAP_METRIC.exec(metrics);
  if (!match) return undefined;
  let code = 0;
  for (const space of metrics.matchAll(CODE_SPACE)) code += Number(space[2]);
  return Number(match[1]) - code;
}

/**
 * One replica's heap: the live bytes it measured right after a collection this reading forced
 * (its forced-collection count moves on), or, when it cannot collect, the least of a few samples.
 */
async function heapUsed(replica: ReplicaAccess, collect?: () => Promise<void>): Promise<{ bytes: number; forced: boolean }> {
  const before = collect ? metricValue(FORCED_METRIC, await readReplicaMetrics(replica)) : undefined;
  if (collect && before !== undefined) {
    await collect();
    let live: number | undefined;
    const collected = await pollUntil(async () => {
      const text = await readReplicaMetrics(replica);
      live = metricValue(LIVE_METRIC, text);
      return (metricValue(FORCED_METRIC, text) ?? 0) > before;
    }, { timeoutMs: 10_000, stepMs: 100 });
    if (collected && live !== undefined) return { bytes: live, forced: true };
  }
  const values: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const value = parseHeapUsed(await readReplicaMetrics(replica));
    if (value !== undefined) values.push(value);
    await sleep(SAMPLE_GAP_MS);
  }
  if (values.length === 0) throw new Error(`no heap figure in ${replica.id}'s /metrics`);
  return { bytes: Math.min(...values), forced: false };
}

/** The replicas' heaps summed, and whether every reading was a forced collection's. */
async function heapsUsed(replicas: readonly ReplicaAccess[], collect?: (id: string) => Promise<void>): Promise<{ bytes: number; forced: boolean }> {
  const readings = await Promise.all(replicas.map((r) => heapUsed(r, collect ? () => collect(r.id) : undefined)));
  return { bytes: readings.reduce((n, r) => n + r.bytes, 0), forced: readings.every((r) => r.forced) };
}

async function redisUsedMemory(redis: Redis | undefined, target: RunContext['target']): Promise<number | undefined> {
  const info = redis ? await redis.info('memory').catch(() => undefined) : await target.redisInfo?.('memory').catch(() => undefined);
  const match = info ? /used_memory:(\d+)/.exec(info) : null;
  return match ? Number(match[1]) : undefined;
}

/**
 * Logins per batch from the login cost measured on the replica at the start: a batch takes about
 * `batchSeconds` whatever the hash cost, between MIN_USERS and the timing's cap (pure).
 */
export function memoryUsersFor(loginsPerSecond: number, batchSeconds: number, cap: number): number {
  return Math.max(Math.min(MIN_USERS, cap), Math.min(cap, Math.round(loginsPerSecond * batchSeconds)));
}
const MIN_USERS = 100;
/** Logins in flight per replica: enough to keep its hashing slot busy, few enough never to wait out its queue. */
const LOGINS_PER_REPLICA = 3;
/** Measured logins per mode come in this many rounds (rotated mode order). */
const ROUNDS = 2;

export async function runMemory(context: RunContext, replicas: readonly ReplicaAccess[]): Promise<MemoryResult> {
  const redis = context.target.redisUrl
    ? new Redis(context.target.redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 })
    : undefined;
  await redis?.connect().catch(() => undefined);
  const modes: MemoryModeResult[] = [];
  const collect = context.target.collectGarbage?.bind(context.target);
  const parallelism = LOGINS_PER_REPLICA * replicas.length;
  const names = replicas.map((r) => r.id).join(', ');
  let allForced = true;
  const weigh = async (): Promise<number> => {
    const reading = await heapsUsed(replicas, collect);
    allForced &&= reading.forced;
    return reading.bytes;
  };
  // The logins are real users of the run's pool: tokens and Redis sessions made here work through
  // every frontend, so the cells after this scenario take them over instead of hashing again.
  const nextSlot = new Map<string, number>();
  const logInMany = async (mode: AuthModeSpec, count: number): Promise<{ ok: number; refused: number }> => {
    const key = UserPool.key(context.target.url, mode, 'round-robin');
    const firstSlot = nextSlot.get(key) ?? 0;
    // One client, as before the pool: no simulated address per user, so the replicas' login
    // throttle keeps no window per address that would weigh as per-user state in every mode.
    const first = context.users.firstIndex(key) + firstSlot;
    const users = Array.from({ length: count }, (_, k) => new VirtualUser(mode, createLedger(first + k, String(first + k), Date.now()), {
      username: context.usernames[(first + k) % context.usernames.length], password: context.password,
    }));
    let refused = 0;
    await inParallel(count, parallelism, async (i) => {
      const replica = replicas[i % replicas.length];
      refused += (await logIn(users[i], replica.base, { signal: context.signal, headers: replica.headers })).refused;
    });
    // A memory session lives on the replica that made it, reached by no frontend's routing: not lent.
    if (mode.state !== 'replica memory') {
      context.users.keep(key, firstSlot, users);
      nextSlot.set(key, firstSlot + count);
    }
    return { ok: users.filter((u) => u.isLoggedIn).length, refused };
  };
  try {
    // The login cost, measured: a batch of logins at the parallelism the scenario uses.
    const calibrationStarted = Date.now();
    const calibration = await logInMany(JWT, 2 * parallelism);
    const loginsPerSecond = calibration.ok / Math.max(0.001, (Date.now() - calibrationStarted) / 1000);
    if (calibration.ok === 0) throw new Error(`none of ${2 * parallelism} logins on ${names} succeeded (the replicas are too slow or refuse logins): their memory cannot be weighed`);
    const users = memoryUsersFor(loginsPerSecond, context.timing.memoryBatchSeconds, context.timing.memoryUsers);
    // A warm-up and a measured batch per mode: refuse a run that would take ten times its budget.
    const warmUp = parallelism;
    if ((users + warmUp) / loginsPerSecond > 10 * context.timing.memoryBatchSeconds) {
      throw new Error(`at the ${loginsPerSecond.toFixed(2)} logins/s measured on ${names}, ${AUTH_MODES.length} batches of ${users} logins would take ${Math.round((AUTH_MODES.length * (users + warmUp)) / loginsPerSecond)} s (budget ${AUTH_MODES.length * context.timing.memoryBatchSeconds} s); fewer logins would not lift a session's bytes above the heap's noise`);
    }
    context.log(`memory: ${loginsPerSecond.toFixed(1)} logins/s on ${names} (via ${replicas[0].via}) → ${users} logins per mode in ${ROUNDS} rounds`);
    // A few unmeasured logins per mode first warm up what a mode's first logins allocate once
    // (its store's client, its routes' code).
    for (const mode of AUTH_MODES) await logInMany(mode, warmUp);
    // The measured logins in rounds, each round in a rotated order: V8's compiled code keeps
    // growing for thousands of requests, and rotation spreads that drift over every mode alike.
    const tally = new Map(AUTH_MODES.map((mode) => [mode.name, { users: 0, refused: 0, heapBytes: 0, readingNoise: 0, perUser: [] as number[], redisBytes: 0 as number | null, first: 0, last: 0 }]));
    let heap = await weigh();
    for (let round = 0; round < ROUNDS && !context.signal.aborted; round++) {
      for (const i of rotatedOrder(AUTH_MODES.length, round, ROUNDS)) {
        if (context.signal.aborted) break;
        const mode = AUTH_MODES[i];
        const t = tally.get(mode.name)!;
        // Two readings with nothing in between: their difference is the noise of one reading.
        const again = await weigh();
        if (t.first === 0) t.first = heap;
        t.readingNoise += Math.abs(again - heap);
        const redisBefore = await redisUsedMemory(redis, context.target);
        const batch = await logInMany(mode, Math.round(users / ROUNDS));
        await sleep(300);
        const after = await weigh();
        const redisAfter = await redisUsedMemory(redis, context.target);
        t.users += batch.ok;
        t.refused += batch.refused;
        t.heapBytes += after - again;
        if (batch.ok > 0) t.perUser.push((after - again) / batch.ok);
        t.redisBytes = t.redisBytes !== null && redisBefore !== undefined && redisAfter !== undefined ? t.redisBytes + redisAfter - redisBefore : null;
        t.last = after;
        heap = after;
      }
      context.progress({ scenario: 'memory', elapsedSeconds: 0, totalSeconds: 0, requestsPerSec: 0, logouts: 0 });
    }
    for (const mode of AUTH_MODES) {
      const t = tally.get(mode.name)!;
      if (t.users === 0) continue;
      modes.push({
        mode: mode.name,
        users: t.users,
        loginsRefused: t.refused,
        heapBeforeBytes: t.first,
        heapAfterBytes: t.last,
        bytesPerUser: t.heapBytes / t.users,
        // A reading's own noise, or the rounds' disagreement when larger: compiled code and other
        // drift between rounds is noise too, and only the spread shows it.
        noiseBytesPerUser: Math.max(t.readingNoise / t.users, spread(t.perUser) / 2),
        // Every mode, not only those that need Redis: a /jwt login also stores a refresh family there.
        redisBytesPerUser: t.redisBytes === null ? null : t.redisBytes / t.users,
      });
      context.log(`memory: ${mode.name}: ${t.users} measured logins (${t.refused} refused then retried), heap +${t.heapBytes} B (${t.perUser.map((b) => Math.round(b)).join(', ')} B per user by round)`);
    }
    return { replica: names, via: replicas[0].via, gc: allForced ? 'forced' : 'not forced', loginsPerSecond, modes };
  } finally {
    redis?.disconnect();
  }
}

const spread = (values: readonly number[]): number => (values.length < 2 ? 0 : Math.max(...values) - Math.min(...values));
