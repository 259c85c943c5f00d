import { imbalance, ratio, sumShares, totalCounts, usersPerReplica } from '../aggregate';
import type { RunContext } from '../context';
import { trackProgress } from '../context';
import { startCell } from '../load';
import type { UserLedger } from '../ledger';
import { AUTH_MODES, BASELINE_MODE, type AuthModeSpec } from '../modes';
import { RedisCommandCounter } from '../redis-commands';
import type { ThroughputCellResult, ThroughputResult } from '../results';

/**
 * Each mode behind each frontend, one cell at a time (cells would compete for the same CPUs),
 * and a no-auth /health cell per frontend first, so ratios compare within one run.
 */
export async function runThroughput(context: RunContext): Promise<ThroughputResult> {
  const seconds = context.timing.cellSeconds;
  const plan = context.target.frontends.flatMap((frontend) => [BASELINE_MODE, ...AUTH_MODES].map((mode) => ({ frontend, mode })));
  const cells: ThroughputCellResult[] = [];
  let current: UserLedger[] = [];
  let done: UserLedger[] = [];
  const stop = trackProgress(context, 'throughput', plan.length * seconds, () => [...done, ...current]);
  const redis = await RedisCommandCounter.open(context.target.redisUrl);
  try {
    for (const [i, { frontend, mode }] of plan.entries()) {
      if (context.signal.aborted) break;
      const running = startCell({
        signal: context.signal,
        mode, strategy: frontend.strategy, url: frontend.url, connections: context.connections, durationSeconds: seconds,
        t0: Date.now(), firstUserIndex: i * context.connections, usernames: context.usernames, password: context.password,
      });
      current = running.ledgers;
      const commandsBefore = await redis.count();
      const { ledgers, result } = await running.done;
      const commandsAfter = await redis.count();
      done = [...done, ...ledgers];
      current = [];
      const baseline = cells.find((c) => c.mode === BASELINE_MODE.name && c.strategy === frontend.strategy);
      cells.push(throughputCell(mode, frontend.strategy, ledgers, {
        seconds: result.duration, connections: context.connections, responses: result.requests.total,
        p50: result.latency.p50, p99: result.latency.p99,
        redisCommands: commandsBefore !== undefined && commandsAfter !== undefined ? commandsAfter - commandsBefore : undefined,
      }, context.replicas, baseline?.requestsPerSec));
    }
  } finally {
    stop();
    redis.close();
  }
  return { cells };
}

/** One cell's figures from its users' ledgers and autocannon's totals (pure). */
export function throughputCell(
  mode: AuthModeSpec,
  strategy: string,
  ledgers: readonly UserLedger[],
  measured: { seconds: number; connections: number; responses: number; p50: number; p99: number; redisCommands?: number },
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
    ratioToBaseline: baselineRequestsPerSec ? requestsPerSec / baselineRequestsPerSec : mode.name === BASELINE_MODE.name ? 1 : null,
  };
}
