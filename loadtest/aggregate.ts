import type { UserLedger, Outcome } from './ledger';
import { emptyCounts, type Counts, type TimelinePoint, type UserGroup } from './results';

/**
 * Pure figures derived from users' ledgers: totals, timelines, imbalance, who was pinned
 * where, who moved. No I/O, so each is unit-tested on synthetic ledgers.
 */

const OUTCOMES: readonly Outcome[] = ['ok', 'logouts', 'errors', 'logins', 'other', 'refused'];

export function addCounts(into: Counts, from: Counts): Counts {
  for (const k of OUTCOMES) into[k] += from[k];
  return into;
}

export function totalCounts(ledgers: readonly UserLedger[]): Counts {
  const total = emptyCounts();
  for (const ledger of ledgers) for (const counts of ledger.buckets.values()) addCounts(total, counts);
  return total;
}

/** One point per second from 0 to `seconds - 1` (zeros filled), summed over users. */
export function mergeTimeline(ledgers: readonly UserLedger[], seconds: number): TimelinePoint[] {
  const points: TimelinePoint[] = Array.from({ length: Math.max(0, seconds) }, (_, second) => ({ second, ...emptyCounts() }));
  for (const ledger of ledgers) {
    for (const [second, counts] of ledger.buckets) {
      if (second < points.length) addCounts(points[second], counts);
    }
  }
  return points;
}

export function sumShares(ledgers: readonly UserLedger[]): Record<string, number> {
  const shares: Record<string, number> = {};
  for (const ledger of ledgers) {
    for (const [instance, n] of Object.entries(ledger.shares)) shares[instance] = (shares[instance] ?? 0) + n;
  }
  return shares;
}

/**
 * max/mean of per-replica request counts. `replicas` lists every replica that could have
 * served, so one that got nothing still counts (it is the hotspot's other side).
 */
export function imbalance(shares: Record<string, number>, replicas: readonly string[] = []): number | null {
  const ids = [...new Set([...replicas, ...Object.keys(shares)])];
  const values = ids.map((id) => shares[id] ?? 0);
  const total = values.reduce((a, b) => a + b, 0);
  if (ids.length === 0 || total === 0) return null;
  return Math.max(...values) / (total / ids.length);
}

/** Users per replica, each user counted on the replica that answered most of its requests. */
export function usersPerReplica(ledgers: readonly UserLedger[]): Record<string, number> {
  const users: Record<string, number> = {};
  for (const ledger of ledgers) {
    const top = Object.entries(ledger.shares).sort((a, b) => b[1] - a[1])[0];
    if (top) users[top[0]] = (users[top[0]] ?? 0) + 1;
  }
  return users;
}

/** The replica that answered the user last at or before `msSinceT0`, if any. */
export function instanceAt(ledger: UserLedger, msSinceT0: number): string | undefined {
  let found: string | undefined;
  for (const [at, instance] of ledger.instances) {
    if (at > msSinceT0) break;
    found = instance;
  }
  return found;
}

/** The replica that answered the user first after `msSinceT0`. */
export function firstInstanceAfter(ledger: UserLedger, msSinceT0: number): string | undefined {
  const next = ledger.instances.find(([at]) => at > msSinceT0);
  return next ? next[1] : instanceAt(ledger, msSinceT0);
}

/** The replica that answered the user last (at the end of the run). */
export function lastInstance(ledger: UserLedger): string | undefined {
  return ledger.instances[ledger.instances.length - 1]?.[1];
}

/** Users answered by another replica at `toMs` (default: their last answer) than at `fromMs`; users without either answer are not counted. */
export function movedUsers(ledgers: readonly UserLedger[], fromMs: number, toMs?: number): UserLedger[] {
  return ledgers.filter((l) => {
    const before = instanceAt(l, fromMs);
    const after = toMs === undefined ? lastInstance(l) : instanceAt(l, toMs);
    return before !== undefined && after !== undefined && before !== after;
  });
}

/** How many `outcome`s the user had in seconds [fromSecond, toSecond). */
export function countBetween(ledger: UserLedger, outcome: Outcome, fromSecond: number, toSecond = Infinity): number {
  let n = 0;
  for (const [second, counts] of ledger.buckets) if (second >= fromSecond && second < toSecond) n += counts[outcome];
  return n;
}

export function group(ledgers: readonly UserLedger[], fromSecond: number): UserGroup {
  return { users: ledgers.length, loggedOut: ledgers.filter((l) => countBetween(l, 'logouts', fromSecond) > 0).length };
}

/** ok / every outcome in seconds [from, to); null when nothing was answered. */
export function okShare(timeline: readonly TimelinePoint[], fromSecond: number, toSecond: number): number | null {
  const window = timeline.filter((p) => p.second >= fromSecond && p.second < toSecond);
  const total = window.reduce((n, p) => n + p.ok + p.logouts + p.errors + p.other + p.logins, 0);
  if (total === 0) return null;
  return window.reduce((n, p) => n + p.ok + p.logins, 0) / total;
}

/** logouts / (ok + logouts) in [fromSecond, toSecond); null when no authenticated request was answered. */
export function logoutRate(timeline: readonly TimelinePoint[], fromSecond: number, toSecond: number): number | null {
  const window = timeline.filter((p) => p.second >= fromSecond && p.second < toSecond);
  const logouts = window.reduce((n, p) => n + p.logouts, 0);
  const answered = logouts + window.reduce((n, p) => n + p.ok, 0);
  return answered === 0 ? null : logouts / answered;
}

/** Seconds from `fromSecond` to the end of the last second with an error; null when none. */
export function errorsStopAfter(timeline: readonly TimelinePoint[], fromSecond: number): number | null {
  const withErrors = timeline.filter((p) => p.second >= fromSecond && p.errors > 0);
  if (withErrors.length === 0) return null;
  return withErrors[withErrors.length - 1].second + 1 - fromSecond;
}

/** FNV-1a, 32 bit: a stable hash of a user key, for the modulo-hashing comparison. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** Fraction of keys that `hash % before` → `hash % after` sends to a different bucket. */
export function moduloMovedFraction(keys: readonly string[], before: number, after: number): number {
  if (keys.length === 0) return 0;
  const moved = keys.filter((k) => fnv1a(k) % before !== fnv1a(k) % after).length;
  return moved / keys.length;
}

export function ratio(numerator: number, denominator: number): number | null {
  return denominator > 0 ? numerator / denominator : null;
}
