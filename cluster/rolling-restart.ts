import { pollUntil } from '../common/poll';

/**
 * A rolling restart, the routine deploy: one replica at a time is stopped gracefully (SIGTERM:
 * in-flight requests finish, new connections are refused), started again, and admitted by the
 * proxy's health checks before the next one goes. It is what `docker service update --force`
 * does to the swarm's app service (update_config: parallelism 1, stop-first, 2 s apart), done the
 * same way for docker compose and the local launcher, so the three targets compare.
 */
export interface RollingRestartSteps {
  /** Graceful stop (SIGTERM, then the target's grace period). */
  stop(replica: string): Promise<void>;
  start(replica: string): Promise<void>;
  /**
   * Whether the proxy serves from it again: healthy in /_proxy/status with a passing health check
   * made after `sinceMs` (epoch ms, when it was started), so a pool that never noticed the restart
   * does not count as admission.
   */
  admitted(replica: string, sinceMs: number): Promise<boolean>;
  /** Told after each step, e.g. for a scenario's timeline or a CLI's output. */
  onStep?(replica: string, step: RollingStep): void;
}

export type RollingStep = 'stopping' | 'started' | 'admitted';

export const ROLLING_RESTART = Object.freeze({
  /** Pause between two replicas, as the stack's update_config.delay. */
  delayMs: 2000,
  /** A replica not admitted by then stops the restart: the others are left running, as swarm's failure_action would. */
  admitTimeoutMs: 180_000,
});

export class RollingRestartStopped extends Error {}

/** Restart `replicas` in the order given, one at a time; throws RollingRestartStopped when one is not admitted in time. */
export async function restartInTurn(
  replicas: readonly string[],
  steps: RollingRestartSteps,
  options: { delayMs?: number; admitTimeoutMs?: number; signal?: AbortSignal } = {},
): Promise<void> {
  const delayMs = options.delayMs ?? ROLLING_RESTART.delayMs;
  const admitTimeoutMs = options.admitTimeoutMs ?? ROLLING_RESTART.admitTimeoutMs;
  for (const [i, replica] of replicas.entries()) {
    if (options.signal?.aborted) throw new RollingRestartStopped(`interrupted before ${replica}`);
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    steps.onStep?.(replica, 'stopping');
    await steps.stop(replica);
    await steps.start(replica);
    const startedAt = Date.now();
    steps.onStep?.(replica, 'started');
    const admitted = await pollUntil(() => steps.admitted(replica, startedAt), { timeoutMs: admitTimeoutMs, stepMs: 250, stop: () => options.signal?.aborted ?? false });
    if (!admitted) {
      const left = replicas.slice(i + 1);
      throw new RollingRestartStopped(`${replica} was started again but the proxy did not admit it within ${admitTimeoutMs / 1000} s; stopped there${left.length ? ` (${left.join(', ')} not restarted)` : ''}`);
    }
    steps.onStep?.(replica, 'admitted');
  }
}

/** The proxy's view of one upstream, as /_proxy/status reports it. */
export interface UpstreamView {
  id: string;
  healthy: boolean;
  draining?: boolean;
  lastCheck?: { at: string; ok: boolean } | null;
}

/** Admitted since `sinceMs` (pure): serving, and its last health check passed after that moment. */
export function admittedSince(upstreams: readonly UpstreamView[], replica: string, sinceMs: number): boolean {
  const u = upstreams.find((x) => x.id === replica);
  return !!u && u.healthy && !u.draining && !!u.lastCheck?.ok && Date.parse(u.lastCheck.at) >= sinceMs;
}
