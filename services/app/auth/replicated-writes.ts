import type { Store } from 'express-session';
import type { RedisClient } from '../redis-client';

export interface ReplicatedWrites {
  /** Replicas that must acknowledge a session write (Redis WAIT); 0 leaves replication asynchronous. */
  replicas: number;
  timeoutMs: number;
}

/**
 * Makes every session write of `store` synchronous: after the SET, `WAIT replicas timeout`, and
 * the write fails (the request answers 503) unless that many replicas acknowledged it. A user
 * told "logged in" then keeps the session through a failover. The price (docs/redis-ha.md): a
 * replication round trip per write, on the replica's one Redis connection (commands queued
 * behind a WAIT wait with it), and no session writes at all while too few replicas answer.
 */
export function replicateWrites(store: Store, redis: RedisClient, options: ReplicatedWrites): void {
  if (options.replicas <= 0) return;
  const set = store.set.bind(store);
  store.set = (sid, session, callback) => {
    set(sid, session, (err?: unknown) => {
      if (err) return callback?.(err);
      redis.wait(options.replicas, options.timeoutMs).then(
        (acknowledged) => callback?.(acknowledged >= options.replicas
          ? undefined
          : new Error(`session write acknowledged by ${acknowledged} of ${options.replicas} replicas within ${options.timeoutMs} ms`)),
        (error: unknown) => callback?.(error),
      );
    });
  };
}

/** Times every write of `store` as the request sees it (after replicateWrites: the SET and its WAIT), failed ones too. */
export function timeWrites(store: Store, observe: (seconds: number) => void): void {
  const set = store.set.bind(store);
  store.set = (sid, session, callback) => {
    const started = process.hrtime.bigint();
    set(sid, session, (err?: unknown) => {
      observe(Number(process.hrtime.bigint() - started) / 1e9);
      callback?.(err);
    });
  };
}
