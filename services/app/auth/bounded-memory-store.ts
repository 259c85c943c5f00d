import session from 'express-session';
import type { Clock } from '../clock';

type Callback<T = unknown> = (err?: unknown, value?: T) => void;

interface Entry {
  /** Serialized, like a remote store: no object is shared between requests. */
  json: string;
  expiresAt: number;
}

export interface BoundedMemoryStoreOptions {
  maxSessions: number;
  ttlSeconds: number;
  /** How often expired sessions are swept; 0 disables the timer (tests call prune()). */
  pruneIntervalMs?: number;
}

/**
 * An in-process session store that cannot grow without bound (express-session's MemoryStore
 * never prunes): at most `maxSessions`, least recently used evicted first, expired ones swept.
 * A Map keeps insertion order, so re-inserting on every access makes its first key the LRU one.
 */
export class BoundedMemoryStore extends session.Store {
  private readonly entries = new Map<string, Entry>();
  private readonly timer: NodeJS.Timeout | undefined;
  evictions = 0;

  constructor(
    private readonly options: BoundedMemoryStoreOptions,
    private readonly clock: Clock,
  ) {
    super();
    const interval = options.pruneIntervalMs ?? Math.min(options.ttlSeconds * 1000, 60_000);
    if (interval > 0) {
      this.timer = setInterval(() => this.prune(), interval);
      this.timer.unref();
    }
  }

  get size(): number {
    return this.entries.size;
  }

  override get(sid: string, callback: Callback<session.SessionData | null>): void {
    const entry = this.entries.get(sid);
    if (!entry) return callback(null, null);
    this.entries.delete(sid);
    if (entry.expiresAt <= this.clock.now()) return callback(null, null);
    this.entries.set(sid, entry);
    callback(null, JSON.parse(entry.json) as session.SessionData);
  }

  override set(sid: string, sess: session.SessionData, callback?: Callback): void {
    this.entries.delete(sid);
    this.entries.set(sid, { json: JSON.stringify(sess), expiresAt: this.clock.now() + this.options.ttlSeconds * 1000 });
    while (this.entries.size > this.options.maxSessions) {
      this.entries.delete(this.entries.keys().next().value as string);
      this.evictions += 1;
    }
    callback?.();
  }

  override destroy(sid: string, callback?: Callback): void {
    this.entries.delete(sid);
    callback?.();
  }

  override length(callback: Callback<number>): void {
    callback(null, this.entries.size);
  }

  override clear(callback?: Callback): void {
    this.entries.clear();
    callback?.();
  }

  /** Drop every expired session; returns how many were dropped. */
  prune(): number {
    const now = this.clock.now();
    let dropped = 0;
    for (const [sid, entry] of this.entries) {
      if (entry.expiresAt <= now) {
        this.entries.delete(sid);
        dropped += 1;
      }
    }
    return dropped;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
