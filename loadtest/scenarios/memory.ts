import { Redis } from 'ioredis';
import { sleep, type RunContext } from '../context';
import { inParallel, SteppingClient } from '../http';
import { AUTH_MODES } from '../modes';
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

export async function replicaUrl(context: RunContext): Promise<{ id: string; url: string } | string> {
  const status = await context.target.status();
  const replica = status.upstreams.find((u) => u.healthy && context.replicas.includes(u.id));
  if (!replica) return 'no healthy replica in /_proxy/status';
  const reachable = await fetch(new URL('/metrics', replica.url), { signal: AbortSignal.timeout(2000) }).then((r) => (r.ok ? r.text() : ''), () => '');
  if (!reachable) return `replica ${replica.id} at ${replica.url} is not reachable from the bench (in docker, replicas are not published)`;
  if (!HEAP_METRIC.test(reachable)) return `replica ${replica.id}'s /metrics has no nodejs_heap_size_used_bytes (default metrics not registered)`;
  return { id: replica.id, url: replica.url };
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

async function heapUsed(url: string, collect?: () => Promise<void>): Promise<number> {
  if (collect) {
    await collect();
    await sleep(300);
  }
  const values: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const text = await (await fetch(new URL('/metrics', url), { signal: AbortSignal.timeout(5000) })).text();
    const value = parseHeapUsed(text);
    if (value !== undefined) values.push(value);
    await sleep(SAMPLE_GAP_MS);
  }
  if (values.length === 0) throw new Error(`no heap figure in ${url}/metrics`);
  return Math.min(...values);
}

async function redisUsedMemory(redis: Redis | undefined): Promise<number | undefined> {
  if (!redis) return undefined;
  const info = await redis.info('memory').catch(() => undefined);
  const match = info ? /used_memory:(\d+)/.exec(info) : null;
  return match ? Number(match[1]) : undefined;
}

export async function runMemory(context: RunContext, replica: { id: string; url: string }): Promise<MemoryResult> {
  const users = context.timing.memoryUsers;
  const redis = context.target.redisUrl
    ? new Redis(context.target.redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 })
    : undefined;
  await redis?.connect().catch(() => undefined);
  const modes: MemoryModeResult[] = [];
  const gc = context.target.collectGarbage;
  const collect = gc ? () => gc(replica.id) : undefined;
  const logInMany = async (prefix: string, count: number): Promise<number> => {
    let failed = 0;
    await inParallel(count, 8, async (i) => {
      const client = new SteppingClient(replica.url);
      const answer = await client.request('POST', `${prefix}/login`, { username: context.usernames[i % context.usernames.length], password: context.password }).catch(() => undefined);
      if (answer?.status !== 200) failed++;
    });
    return count - failed;
  };
  try {
    for (const mode of AUTH_MODES) {
      const started = Date.now();
      // A first, unmeasured batch warms up what any first logins allocate once (JIT, pools, caches),
      // so the measured batch's growth is the slope per user, not a fixed cost.
      await logInMany(mode.prefix, users);
      const heapBefore = await heapUsed(replica.url, collect);
      const redisBefore = await redisUsedMemory(redis);
      const loggedIn = await logInMany(mode.prefix, users);
      await sleep(300);
      const heapAfter = await heapUsed(replica.url, collect);
      const redisAfter = await redisUsedMemory(redis);
      context.progress({ scenario: 'memory', elapsedSeconds: (Date.now() - started) / 1000, totalSeconds: 0, requestsPerSec: 0, logouts: 0 });
      modes.push({
        mode: mode.name,
        users: loggedIn,
        heapBeforeBytes: heapBefore,
        heapAfterBytes: heapAfter,
        bytesPerUser: loggedIn > 0 ? (heapAfter - heapBefore) / loggedIn : 0,
        // Every mode, not only those that need Redis: a /jwt login also stores a refresh family there.
        redisBytesPerUser: redisBefore !== undefined && redisAfter !== undefined && loggedIn > 0 ? (redisAfter - redisBefore) / loggedIn : null,
      });
      context.log(`memory: ${mode.name}: ${loggedIn} measured logins, heap ${heapBefore} → ${heapAfter}`);
    }
  } finally {
    redis?.disconnect();
  }
  return { replica: replica.id, gc: collect ? 'forced' : 'not forced', modes };
}
