import type { BenchTarget } from './target';
import { reachReplica, readReplicaMetrics } from './replica-access';

/** The replicas' timed session writes (authscale_session_write_seconds, mode redis), summed. */
export interface SessionWrites {
  count: number;
  seconds: number;
}

const SAMPLE = (part: 'count' | 'sum'): RegExp => new RegExp(`^authscale_session_write_seconds_${part}\\{[^}]*mode="redis"[^}]*\\}\\s+([0-9.e+-]+)$`, 'm');

/** One replica's /metrics text read for its /redis session writes; undefined when it does not time them (an older image). */
export function parseSessionWrites(metrics: string): SessionWrites | undefined {
  const count = SAMPLE('count').exec(metrics)?.[1];
  const sum = SAMPLE('sum').exec(metrics)?.[1];
  return count === undefined || sum === undefined ? undefined : { count: Number(count), seconds: Number(sum) };
}

/** Every listed replica's session writes so far, summed; null when one of them cannot say. */
export async function readSessionWrites(target: BenchTarget, replicas: readonly string[]): Promise<SessionWrites | null> {
  const total: SessionWrites = { count: 0, seconds: 0 };
  for (const replica of replicas) {
    const access = await reachReplica(target, replica);
    if (typeof access === 'string') return null;
    const text = await readReplicaMetrics(access).catch(() => '');
    const writes = parseSessionWrites(text);
    if (!writes) return null;
    total.count += writes.count;
    total.seconds += writes.seconds;
  }
  return total;
}

/** Mean milliseconds per write between two readings; null without both or without a write. */
export function meanWriteMs(before: SessionWrites | null, after: SessionWrites | null): { writes: number; meanMs: number | null } {
  if (!before || !after) return { writes: 0, meanMs: null };
  const writes = after.count - before.count;
  return { writes, meanMs: writes > 0 ? ((after.seconds - before.seconds) / writes) * 1000 : null };
}
