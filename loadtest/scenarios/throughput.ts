import { imbalance, ratio, sumShares, totalCounts, usersPerReplica } from '../aggregate';
import type { RunContext } from '../context';
import { trackProgress } from '../context';
import { cellUsers, startCell } from '../load';
import { rampConcurrency } from '../login-ramp';
import { UserPool, type LoginPreparation } from '../user-pool';
import type { VirtualUser } from '../virtual-user';
import type { UserLedger } from '../ledger';
import { AUTH_MODES, BASELINE_MODE, type AuthModeSpec } from '../modes';
import { RedisCommandCounter } from '../redis-commands';
import type { ThroughputCellResult, ThroughputResult } from '../results';

/**
 * Each mode behind each frontend, one cell at a time (cells would compete for the same CPUs),
 * with a no-auth /health cell per frontend, so ratios compare within one run. The matrix runs in
 * rounds, each in a rotated order, and a cell's figures pool its rounds: on shared cores the
 * background load drifts over minutes, and rounds spread that drift over every cell.
 */
interface Pooled {
  ledgers: UserLedger[];
  seconds: number;
  responses: number;
  p50s: number[];
  p99s: number[];
  redisCommands: number | undefined;
}

export async function runThroughput(context: RunContext): Promise<ThroughputResult> {
  const rounds = Math.max(1, context.timing.throughputRounds);
  const seconds = Math.max(1, Math.round(context.timing.cellSeconds / rounds));
  const plan = context.target.frontends.flatMap((frontend) => [BASELINE_MODE, ...AUTH_MODES].map((mode) => ({ frontend, mode })));
  const pooled = new Map<number, Pooled>();
  let current: UserLedger[] = [];
  let done: UserLedger[] = [];
  const stop = trackProgress(context, 'throughput', plan.length * seconds * rounds, () => [...done, ...current]);
  const redis = await RedisCommandCounter.forTarget(context.target);
  // Users log in before their cell is measured (ramped, a few at a time), and stay logged in
  // across rounds: the cell measures requests at steady state, not a queue of password hashes.
  const prepared = new Map<number, { users: VirtualUser[]; ramp: LoginPreparation }>();
  try {
    for (let round = 0; round < rounds; round++) {
      for (const i of rotatedOrder(plan.length, round, rounds)) {
        if (context.signal.aborted) break;
        const { frontend, mode } = plan[i];
        const key = UserPool.key(context.target.url, mode, frontend.strategy);
        const identity = {
          mode, strategy: frontend.strategy, url: frontend.url, connections: context.connections,
          firstUserIndex: context.users.firstIndex(key), usernames: context.usernames, password: context.password,
          adminToken: context.target.adminToken,
          // Throughput measures requests: a user refused by a replica without its session keeps
          // the credential (the session still lives where it was made) instead of hashing again.
          afterLogout: 'keep credential' as const,
        };
        if (mode.credential !== 'none' && !prepared.has(i)) {
          const users = cellUsers(identity);
          const ramp = await context.users.prepare(users, {
            key, firstSlot: 0, url: frontend.url,
            concurrency: rampConcurrency(context), signal: context.signal,
          });
          context.log(`throughput: ${mode.name} + ${frontend.strategy}: ${ramp.loggedIn} of ${ramp.users} users logged in (${ramp.reused} still logged in from an earlier cell; ${ramp.users - ramp.reused} logins in ${ramp.seconds.toFixed(1)} s, ${ramp.refused} refused, then retried)`);
          prepared.set(i, { users, ramp });
        }
        // Read before the load starts: a reading through a container takes a while, and the cell's
        // first requests must not slip in ahead of it.
        const commandsBefore = await redis.count();
        const running = startCell({
          ...identity, signal: context.signal, durationSeconds: seconds, t0: Date.now(), users: prepared.get(i)?.users,
        });
        current = running.ledgers;
        const { ledgers, result } = await running.done;
        const commandsAfter = await redis.count();
        done = [...done, ...ledgers];
        current = [];
        const cell = pooled.get(i) ?? { ledgers: [], seconds: 0, responses: 0, p50s: [], p99s: [], redisCommands: 0 };
        cell.ledgers.push(...ledgers);
        cell.seconds += result.duration;
        cell.responses += result.requests.total;
        cell.p50s.push(result.latency.p50);
        cell.p99s.push(result.latency.p99);
        cell.redisCommands = cell.redisCommands !== undefined && commandsBefore !== undefined && commandsAfter !== undefined
          ? cell.redisCommands + commandsAfter - commandsBefore : undefined;
        pooled.set(i, cell);
      }
    }
  } finally {
    stop();
    redis.close();
  }
  const measured = (i: number): ThroughputCellResult | undefined => {
    const cell = pooled.get(i);
    if (!cell) return undefined;
    const { frontend, mode } = plan[i];
    const baselineIndex = plan.findIndex((p) => p.frontend === frontend && p.mode === BASELINE_MODE);
    const baseline = i === baselineIndex ? undefined : measured(baselineIndex);
    const ramp = prepared.get(i)?.ramp;
    return throughputCell(mode, frontend.strategy, cell.ledgers, {
      ramp: ramp ? { loggedIn: ramp.loggedIn, refused: ramp.refused, seconds: Math.round(ramp.seconds * 10) / 10 } : undefined,
      seconds: cell.seconds, connections: context.connections, responses: cell.responses,
      p50: median(cell.p50s), p99: Math.max(...cell.p99s), redisCommands: cell.redisCommands,
    }, context.replicas, baseline?.requestsPerSec);
  };
  const cells = plan.map((_, i) => measured(i)).filter((c): c is ThroughputCellResult => c !== undefined);
  return { cells, rounds, secondsPerRound: seconds };
}

/** Round r starts r/rounds of the way into the plan, so no cell always runs first or last. */
export function rotatedOrder(length: number, round: number, rounds: number): number[] {
  const shift = Math.floor((round * length) / Math.max(1, rounds));
  return Array.from({ length }, (_, k) => (k + shift) % length);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor(sorted.length / 2)] : 0;
}

/** One cell's figures from its users' ledgers and autocannon's totals (pure). */
export function throughputCell(
  mode: AuthModeSpec,
  strategy: string,
  ledgers: readonly UserLedger[],
  measured: { seconds: number; connections: number; responses: number; p50: number; p99: number; redisCommands?: number; ramp?: ThroughputCellResult['loginRamp'] },
  replicas: readonly string[],
  baselineRequestsPerSec: number | undefined,
): ThroughputCellResult {
  const counts = totalCounts(ledgers);
  const seconds = measured.seconds > 0 ? measured.seconds : 1;
  const all = counts.ok + counts.logouts + counts.errors + counts.logins + counts.other;
  const requestsPerSec = Math.max(measured.responses, all - counts.errors) / seconds;
  const shares = sumShares(ledgers);
  const users = usersPerReplica(ledgers);
  return {
    mode: mode.name,
    strategy,
    seconds,
    connections: measured.connections,
    requestsPerSec,
    okPerSec: counts.ok / seconds,
    latencyP50Ms: measured.p50,
    latencyP99Ms: measured.p99,
    counts,
    logoutRate: ratio(counts.logouts, counts.ok + counts.logouts) ?? 0,
    errorRate: ratio(counts.errors, all) ?? 0,
    shares,
    imbalance: imbalance(shares, replicas),
    usersPerReplica: users,
    userImbalance: imbalance(users, replicas),
    redisCommandsPerRequest: measured.redisCommands !== undefined && all > 0 ? measured.redisCommands / all : null,
    ...(measured.ramp ? { loginRamp: measured.ramp } : {}),
    ratioToBaseline: baselineRequestsPerSec ? requestsPerSec / baselineRequestsPerSec : mode.name === BASELINE_MODE.name ? 1 : null,
  };
}
