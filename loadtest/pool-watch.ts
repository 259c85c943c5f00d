import type { ScenarioEvent } from './results';
import type { BenchTarget, ProxyStatus } from './target';

/** The replicas the proxy serves from now: healthy and not draining. */
export function servingSet(status: ProxyStatus): string[] {
  return status.upstreams.filter((u) => u.healthy && !u.draining).map((u) => u.id).sort();
}

/** Events for what changed between two serving sets (pure): "+id" joined, "−id" left. */
export function poolChanges(before: readonly string[], after: readonly string[], second: number): ScenarioEvent[] {
  return [
    ...before.filter((id) => !after.includes(id)).map((id) => ({ second, kind: 'pool' as const, label: `−${id}` })),
    ...after.filter((id) => !before.includes(id)).map((id) => ({ second, kind: 'pool' as const, label: `+${id}` })),
  ];
}

/** An event when the proxy entered or left panic routing between two looks (pure). */
export function panicChange(before: boolean, after: boolean, second: number): ScenarioEvent[] {
  if (before === after) return [];
  return [{ second, kind: 'pool', label: after ? 'panic: no replica passes its checks, routing to every reachable one' : 'panic over' }];
}

export interface PoolWatch {
  readonly events: ScenarioEvent[];
  /** The serving set at the last look. */
  current(): string[];
  stop(): Promise<void>;
}

/**
 * Looks at /_proxy/status every `intervalMs` while a scenario runs and records each replica that
 * joined or left the serving set, at the second (since `t0`) it was seen: the replicas' side of a
 * timeline whose users' side comes from the ledgers; and when the proxy entered or left panic
 * routing (the serving set is then empty, yet requests are served). A status that does not
 * answer is skipped.
 */
export async function watchPool(target: Pick<BenchTarget, 'status'>, t0: number, intervalMs = 500): Promise<PoolWatch> {
  const events: ScenarioEvent[] = [];
  const first = await target.status();
  let last = servingSet(first);
  let panic = first.panic === true;
  let running: Promise<void> = Promise.resolve();
  const look = async (): Promise<void> => {
    const status = await target.status().catch(() => undefined);
    if (!status) return;
    const now = servingSet(status);
    const second = Math.round((Date.now() - t0) / 100) / 10;
    events.push(...poolChanges(last, now, second), ...panicChange(panic, status.panic === true, second));
    last = now;
    panic = status.panic === true;
  };
  const timer = setInterval(() => { running = running.then(look); }, intervalMs);
  return {
    events,
    current: () => last,
    stop: async () => {
      clearInterval(timer);
      await running;
      await look();
    },
  };
}
