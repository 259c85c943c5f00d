export interface AdmissionLimits {
  /** Passwords hashed at once (each holds the cost's memory: 128 MiB at cost 17). */
  concurrency: number;
  /** Logins waiting for a hashing slot; beyond it a login is refused at once. */
  queueLimit: number;
  /** Longest wait for a slot; below the proxy's upstream timeout, so nobody hashes for a gone proxy. */
  queueTimeoutMs: number;
}

/** What the admission reports as it happens (the replica's metrics). */
export interface AdmissionEvents {
  depth(waiting: number, hashing: number): void;
  refused(): void;
  abandoned(reason: 'client_gone' | 'queue_timeout'): void;
}

export type Admission =
  | { admitted: true; release(): void }
  | { admitted: false; reason: 'overloaded' | 'queue_timeout' | 'client_gone'; retryAfterSeconds: number };

export type Refusal = Extract<Admission, { admitted: false }>;

interface Waiter {
  settle(admission: Admission): void;
  signal: AbortSignal;
  timer: NodeJS.Timeout;
  onAbort(): void;
}

/**
 * Bounded password hashing for one replica: `concurrency` logins hash at once, up to `queueLimit`
 * wait in order, the rest are refused with a Retry-After from the measured hash time. A login
 * also is refused when its expected wait is longer than `queueTimeoutMs`, and a waiting login
 * whose client has gone (`signal` aborted) or that waited too long is dropped before its hash.
 */
export class LoginAdmission {
  private hashing = 0;
  private readonly queue: Waiter[] = [];
  /** Wall time of one hash, smoothed; starts from the caller's estimate. */
  private hashMs: number;

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly deps: { events: AdmissionEvents; initialHashMs: number },
  ) {
    this.hashMs = Math.max(1, deps.initialHashMs);
  }

  get waiting(): number {
    return this.queue.length;
  }

  /**
   * The refusal a login would get right now, counted as one, or undefined when it could be admitted
   * or queued. Lets a caller refuse before any other work for a login that will never be hashed
   * (the throttle's Redis round trips: a storm's refusals are most of its requests).
   */
  refuseNow(): Refusal | undefined {
    if (!this.full()) return undefined;
    this.deps.events.refused();
    return this.refusal('overloaded');
  }

  /** A slot to hash in (call `release` when the hash is done), or why not. */
  admit(signal: AbortSignal): Promise<Admission> {
    if (signal.aborted) {
      this.deps.events.abandoned('client_gone');
      return Promise.resolve(this.refusal('client_gone'));
    }
    if (this.hashing < this.limits.concurrency && this.queue.length === 0) return Promise.resolve(this.grant());
    const refused = this.refuseNow();
    if (refused) return Promise.resolve(refused);
    return new Promise<Admission>((resolve) => {
      const waiter: Waiter = {
        settle: resolve,
        signal,
        timer: setTimeout(() => this.drop(waiter, 'queue_timeout'), this.limits.queueTimeoutMs),
        onAbort: () => this.drop(waiter, 'client_gone'),
      };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.queue.push(waiter);
      this.report();
    });
  }

  /** No slot free and no room to wait: the queue is full, or this login's expected wait is too long. */
  private full(): boolean {
    if (this.hashing < this.limits.concurrency && this.queue.length === 0) return false;
    // The wait this login would have: everyone ahead of it, `concurrency` at a time.
    const expectedWaitMs = ((this.queue.length + 1) / this.limits.concurrency) * this.hashMs;
    return this.queue.length >= this.limits.queueLimit || expectedWaitMs > this.limits.queueTimeoutMs;
  }

  /** Feed the measured wall time of one hash into the wait estimate. */
  observeHash(ms: number): void {
    this.hashMs = this.hashMs * 0.8 + Math.max(1, ms) * 0.2;
  }

  private grant(): Admission {
    this.hashing += 1;
    this.report();
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        this.hashing -= 1;
        this.next();
      },
    };
  }

  /** Hand freed slots to the oldest waiters whose client is still there. */
  private next(): void {
    while (this.hashing < this.limits.concurrency && this.queue.length > 0) {
      const waiter = this.queue.shift()!;
      this.forget(waiter);
      waiter.settle(this.grant());
    }
    this.report();
  }

  private drop(waiter: Waiter, reason: 'client_gone' | 'queue_timeout'): void {
    const index = this.queue.indexOf(waiter);
    if (index < 0) return;
    this.queue.splice(index, 1);
    this.forget(waiter);
    this.deps.events.abandoned(reason);
    waiter.settle(this.refusal(reason));
    this.report();
  }

  private forget(waiter: Waiter): void {
    clearTimeout(waiter.timer);
    waiter.signal.removeEventListener('abort', waiter.onAbort);
  }

  private refusal(reason: Refusal['reason']): Refusal {
    // When the queue ahead would have drained: a retry then has a chance.
    const drainMs = ((this.queue.length + this.hashing) / this.limits.concurrency) * this.hashMs;
    return { admitted: false, reason, retryAfterSeconds: Math.max(1, Math.ceil(drainMs / 1000)) };
  }

  private report(): void {
    this.deps.events.depth(this.queue.length, this.hashing);
  }
}
