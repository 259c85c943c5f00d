import { Redis } from 'ioredis';
import { sleep, type RunContext } from '../context';
import { inParallel, SteppingClient } from '../http';
import { AUTH_MODES } from '../modes';
import { reachReplica, type ReplicaAccess } from '../replica-access';
import type { MemoryModeResult, MemoryResult } from '../results';

/**
 * Heap growth of one replica per logged-in user, per mode: log in N users straight at the
 * replica (no proxy), keep their sessions, and compare the replica's heap before and after.
 * On the bench's own cluster the replica collects garbage on request (gc-on-signal.ts) before
 * each reading; against another target it cannot, so each figure is the minimum of several
 * samples. JWT, which keeps nothing, is the control for what the logins themselves leave.
 */
const HEAP_METRIC = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})?\s+([0-9.e+]+)/m;
const SAMPLES = 6;
const SAMPLE_GAP_MS = 150;

/** The replica the memory scenario weighs (the first healthy one), reached past the balancer, or why it cannot be. */
export async function memoryReplica(context: RunContext): Promise<ReplicaAccess | string> {
  const status = await context.target.status();
  const replica = status.upstreams.find((u) => u.healthy && context.replicas.includes(u.id));
  if (!replica) return 'no healthy replica in /_proxy/status';
  const access = await reachReplica(context.target, replica.id);
  if (typeof access === 'string') return access;
  const metrics = await fetch(`${access.base}/metrics`, { headers: access.headers, signal: AbortSignal.timeout(15_000) }).then((r) => (r.ok ? r.text() : undefined), () => undefined);
  if (metrics === undefined) return `replica ${replica.id}'s /metrics did not answer within 15 s (via ${access.via})`;
  if (!HEAP_METRIC.test(metrics)) return `replica ${replica.id}'s /metrics has no nodejs_heap_size_used_bytes (default metrics not registered)`;
  return access;
}

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

async function heapUsed(replica: ReplicaAccess, collect?: () => Promise<void>): Promise<number> {
  if (collect) {
    await collect();
    await sleep(300);
  }
  const values: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const text = await (await fetch(`${replica.base}/metrics`, { headers: replica.headers, signal: AbortSignal.timeout(30_000) })).text();
    const value = parseHeapUsed(text);
    if (value !== undefined) values.push(value);
    await sleep(SAMPLE_GAP_MS);
  }
  if (values.length === 0) throw new Error(`no heap figure in ${replica.id}'s /metrics`);
  return Math.min(...values);
}

async function redisUsedMemory(redis: Redis | undefined): Promise<number | undefined> {
  if (!redis) return undefined;
  const info = await redis.info('memory').catch(() => undefined);
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
const LOGIN_PARALLELISM = 8;

export async function runMemory(context: RunContext, replica: ReplicaAccess): Promise<MemoryResult> {
  const redis = context.target.redisUrl
    ? new Redis(context.target.redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 })
    : undefined;
  await redis?.connect().catch(() => undefined);
  const modes: MemoryModeResult[] = [];
  const gc = context.target.collectGarbage;
  const collect = gc ? () => gc(replica.id) : undefined;
  const logInMany = async (prefix: string, count: number): Promise<{ ok: number; refused: number }> => {
    let ok = 0;
    let refused = 0;
    await inParallel(count, LOGIN_PARALLELISM, async (i) => {
      const body = { username: context.usernames[i % context.usernames.length], password: context.password };
      // A login refused by admission control (503 + Retry-After) is retried after the wait it asks for.
      for (let attempt = 0; attempt < 20 && !context.signal.aborted; attempt++) {
        const answer = await new SteppingClient(replica.base, replica.headers, 60_000).request('POST', `${prefix}/login`, body).catch(() => undefined);
        if (answer?.status === 200) return void ok++;
        if (answer?.status !== 503 || answer.body?.error !== 'login_overloaded') return;
        refused++;
        await sleep(Math.min(5000, 1000 * Math.max(1, Number(answer.retryAfter ?? 1))));
      }
    });
    return { ok, refused };
  };
  try {
    // The login cost, measured: a batch of logins at the parallelism the scenario uses.
    const calibrationStarted = Date.now();
    const calibration = await logInMany('/jwt', 2 * LOGIN_PARALLELISM);
    const loginsPerSecond = calibration.ok / Math.max(0.001, (Date.now() - calibrationStarted) / 1000);
    if (calibration.ok === 0) throw new Error(`none of ${2 * LOGIN_PARALLELISM} logins on ${replica.id} succeeded (the replica is too slow or refuses logins): its memory cannot be weighed`);
    const users = memoryUsersFor(loginsPerSecond, context.timing.memoryBatchSeconds, context.timing.memoryUsers);
    // 8 batches (a warm-up and a measured one per mode): refuse a run that would take ten times its budget.
    if (users / loginsPerSecond > 10 * context.timing.memoryBatchSeconds) {
      throw new Error(`at the ${loginsPerSecond.toFixed(2)} logins/s measured on ${replica.id}, 8 batches of ${users} logins would take ${Math.round((8 * users) / loginsPerSecond)} s (budget ${8 * context.timing.memoryBatchSeconds} s); fewer logins would not lift a session's bytes above the heap's noise`);
    }
    context.log(`memory: ${loginsPerSecond.toFixed(1)} logins/s on ${replica.id} (via ${replica.via}) → ${users} logins per batch`);
    for (const mode of AUTH_MODES) {
      if (context.signal.aborted) break;
      const started = Date.now();
      // A first, unmeasured batch warms up what any first logins allocate once (JIT, pools, caches),
      // so the measured batch's growth is the slope per user, not a fixed cost.
      await logInMany(mode.prefix, users);
      // Two readings with nothing in between: their difference is the noise of one reading.
      const heapBefore = await heapUsed(replica, collect);
      const heapAgain = await heapUsed(replica, collect);
      const redisBefore = await redisUsedMemory(redis);
      const batch = await logInMany(mode.prefix, users);
      await sleep(300);
      const heapAfter = await heapUsed(replica, collect);
      const redisAfter = await redisUsedMemory(redis);
      context.progress({ scenario: 'memory', elapsedSeconds: (Date.now() - started) / 1000, totalSeconds: 0, requestsPerSec: 0, logouts: 0 });
      const loggedIn = batch.ok;
      modes.push({
        mode: mode.name,
        users: loggedIn,
        loginsRefused: batch.refused,
        heapBeforeBytes: heapBefore,
        heapAfterBytes: heapAfter,
        bytesPerUser: loggedIn > 0 ? (heapAfter - heapBefore) / loggedIn : 0,
        noiseBytesPerUser: loggedIn > 0 ? Math.abs(heapAgain - heapBefore) / loggedIn : null,
        // Every mode, not only those that need Redis: a /jwt login also stores a refresh family there.
        redisBytesPerUser: redisBefore !== undefined && redisAfter !== undefined && loggedIn > 0 ? (redisAfter - redisBefore) / loggedIn : null,
      });
      context.log(`memory: ${mode.name}: ${loggedIn} measured logins (${batch.refused} refused then retried), heap ${heapBefore} → ${heapAfter} (noise ${Math.abs(heapAgain - heapBefore)} B)`);
    }
    return { replica: replica.id, via: replica.via, gc: collect ? 'forced' : 'not forced', loginsPerSecond, modes };
  } finally {
    redis?.disconnect();
  }
}
