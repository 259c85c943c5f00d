import type { TouchPolicy } from '../config';

/**
 * Idle and absolute session timeouts, decided from timestamps the app keeps in the session
 * record (`createdAt`, `lastSeenAt`, epoch ms of the injected clock), so they hold the same in
 * both stores and are tested by moving a clock. The store's TTL is only a backstop.
 */
export interface SessionTimeouts {
  /** SESSION_TTL_SECONDS: the most a store keeps a record after its last write. */
  ttlSeconds: number;
  idleTimeoutSeconds: number;
  absoluteTimeoutSeconds: number;
  touch: TouchPolicy;
}

export interface SessionTimes {
  createdAt?: number;
  lastSeenAt?: number;
}

export type SessionExpiry = 'idle' | 'absolute';

/** The store TTL: a record unwritten for this long is dead anyway (idle), so the store forgets it. */
export function storeTtlSeconds(t: SessionTimeouts): number {
  return Math.min(t.ttlSeconds, t.idleTimeoutSeconds);
}

/**
 * The backstop TTL of one record written `now`: never past the absolute deadline either, so a
 * session nobody reads again leaves Redis by itself (at least 1 s: Redis refuses EX 0).
 */
export function recordTtlSeconds(t: SessionTimeouts, times: SessionTimes, now: number): number {
  const left = times.createdAt === undefined ? 0 : times.createdAt + t.absoluteTimeoutSeconds * 1000 - now;
  return Math.max(1, Math.min(storeTtlSeconds(t), Math.ceil(left / 1000)));
}

/**
 * Why the session has ended, or undefined while it is valid. A record without timestamps
 * (written by something else) is treated as ended: fail closed.
 */
export function sessionExpiry(t: SessionTimeouts, times: SessionTimes, now: number): SessionExpiry | undefined {
  if (times.createdAt === undefined) return 'absolute';
  if (now - times.createdAt >= t.absoluteTimeoutSeconds * 1000) return 'absolute';
  if (now - (times.lastSeenAt ?? times.createdAt) >= t.idleTimeoutSeconds * 1000) return 'idle';
  return undefined;
}

/**
 * Whether this request must rewrite `lastSeenAt` (one store write). `rolling` writes once the
 * record is half its store TTL old, so an ordinary request costs one read; the price is
 * precision: `lastSeenAt` lags the last request by up to half of min(TTL, idle), so an idle
 * session ends between half the idle timeout and the full idle timeout after its last request.
 * `always` is exact at a write per request; `never` keeps the login time (a fixed lifetime).
 */
export function needsActivityWrite(t: SessionTimeouts, times: SessionTimes, now: number): boolean {
  if (t.touch === 'never') return false;
  if (t.touch === 'always') return true;
  const lastSeenAt = times.lastSeenAt ?? times.createdAt;
  return lastSeenAt === undefined || now - lastSeenAt >= (storeTtlSeconds(t) * 1000) / 2;
}
