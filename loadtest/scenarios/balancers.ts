import { LOAD_BALANCERS } from '../../common/vocabulary';
import { trackProgress, waitHealthy, type RunContext } from '../context';
import type { UserLedger } from '../ledger';
import { startCell } from '../load';
import { AUTH_MODES, BASELINE_MODE } from '../modes';
import type { BalancerThroughput, BalancersResult } from '../results';
import type { BalancerAccess } from '../target';
import { runFault } from './fault';
import { rotatedOrder, throughputCell } from './throughput';

/**
 * The proxy, HAProxy and nginx in front of the same replicas, every figure from one run:
 * 1. /health through each one's round-robin frontend, alternated over rounds (the same machine
 *    state for each), with the CPU its own processes spent per answered request;
 * 2. memory and JWT users behind every balancer × strategy at once while a replica is killed and
 *    started again: one fault, seen through all nine frontends (logouts, errors, when they stop);
 * 3. the same while the replica is paused (a hung process: who gets no answer, for how long).
 * Evidence beside the claims (extra, by name only): it changes no verdict.
 */

/** Memory shows what routing does to sessions; JWT shows the balancer's errors alone (any replica can serve it). */
export const BALANCER_MODES = Object.freeze(AUTH_MODES.filter((m) => m.name === 'memory' || m.name === 'jwt'));

const RECOVERY_WATCH_SECONDS = 10;

export function balancersUnavailable(context: RunContext): string | undefined {
  const missing = LOAD_BALANCERS.filter((name) => !context.target.balancers.some((b) => b.name === name));
  if (missing.length === 0) return undefined;
  return `the target runs no ${missing.join(' or ')} in front of its replicas: the bench's own cluster starts both for this scenario; with --compose, start the stack with --profile haproxy --profile nginx`;
}

export async function runBalancers(context: RunContext): Promise<BalancersResult> {
  const balancers = LOAD_BALANCERS.map((name) => context.target.balancers.find((b) => b.name === name)!);
  const health = await healthSideBySide(context, balancers);
  // Every balancer's frontends at once: one fault, seen through each of them. The recovery is watched
  // for at least 10 s: HAProxy re-admits after its checks, nginx after fail_timeout on a live request.
  const all = {
    ...context,
    timing: { ...context.timing, afterSeconds: Math.max(RECOVERY_WATCH_SECONDS, context.timing.afterSeconds) },
    target: { ...context.target, frontends: balancers.flatMap((b) => b.frontends) },
  };
  const killReplica = await runFault(all, { scenario: 'kill-replica', service: context.victim, fault: 'kill', recover: 'start', replica: true, redisPersistence: null, modes: BALANCER_MODES });
  await waitHealthy(context);
  const pauseReplica = await runFault(all, { scenario: 'pause-replica', service: context.victim, fault: 'pause', recover: 'unpause', replica: true, redisPersistence: null, modes: BALANCER_MODES });
  return {
    balancers: balancers.map((b) => ({ name: b.name, frontends: b.frontends.map(({ port, strategy, url }) => ({ port, strategy, url })), cpuCounts: b.cpuCounts })),
    health,
    killReplica,
    pauseReplica,
  };
}

async function healthSideBySide(context: RunContext, balancers: BalancerAccess[]): Promise<BalancersResult['health']> {
  // At least two rounds, so each balancer runs both earlier and later than another.
  const rounds = Math.max(2, context.timing.throughputRounds);
  const seconds = Math.max(1, Math.round(context.timing.cellSeconds / Math.max(1, context.timing.throughputRounds)));
  const pooled = balancers.map(() => ({ ledgers: [] as UserLedger[], seconds: 0, responses: 0, p50s: [] as number[], p99s: [] as number[], cpu: 0 as number | undefined, perRound: [] as number[] }));
  let current: UserLedger[] = [];
  const stop = trackProgress(context, 'balancers', balancers.length * rounds * seconds, () => current);
  try {
    for (let round = 0; round < rounds; round++) {
      for (const i of rotatedOrder(balancers.length, round, rounds)) {
        if (context.signal.aborted) break;
        const frontend = balancers[i].frontends.find((f) => f.strategy === 'round-robin') ?? balancers[i].frontends[0];
        const cpuBefore = await balancers[i].cpuMicros();
        const running = startCell({
          mode: BASELINE_MODE, strategy: frontend.strategy, url: frontend.url, connections: context.connections, durationSeconds: seconds,
          t0: Date.now(), firstUserIndex: 200_000 + i * context.connections, usernames: context.usernames, password: context.password,
          adminToken: context.target.adminToken, signal: context.signal,
        });
        current = running.ledgers;
        const { ledgers, result } = await running.done;
        const cpuAfter = await balancers[i].cpuMicros();
        const cell = pooled[i];
        cell.ledgers.push(...ledgers);
        cell.seconds += result.duration;
        cell.responses += result.requests.total;
        cell.p50s.push(result.latency.p50);
        cell.p99s.push(result.latency.p99);
        cell.perRound.push(result.requests.total / Math.max(0.001, result.duration));
        cell.cpu = cell.cpu !== undefined && cpuBefore !== undefined && cpuAfter !== undefined ? cell.cpu + cpuAfter - cpuBefore : undefined;
      }
    }
  } finally {
    stop();
  }
  const cells: BalancerThroughput[] = balancers.map((b, i) => {
    const cell = pooled[i];
    const figures = throughputCell(BASELINE_MODE, 'round-robin', cell.ledgers, {
      seconds: cell.seconds, connections: context.connections, responses: cell.responses, p50: median(cell.p50s), p99: Math.max(0, ...cell.p99s),
    }, context.replicas, undefined);
    const answered = figures.counts.ok + figures.counts.other;
    return {
      balancer: b.name,
      requestsPerSec: figures.requestsPerSec,
      latencyP50Ms: figures.latencyP50Ms,
      latencyP99Ms: figures.latencyP99Ms,
      errors: figures.counts.errors,
      cpuMicrosPerRequest: cell.cpu === undefined || answered === 0 ? null : cell.cpu / answered,
      perRound: cell.perRound,
    };
  });
  return { connections: context.connections, secondsPerRound: seconds, rounds, cells };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor(sorted.length / 2)] : 0;
}
