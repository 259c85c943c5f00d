export interface AdmissionLimits {
  /** Passwords hashed at once (each holds the cost's memory: 128 MiB at cost 17). */
  concurrency: number;
  /** Logins waiting for a hashing slot; beyond it a login is refused at once. */
  queueLimit: number;
  /** Longest wait for a slot; below the proxy's upstream timeout, so nobody hashes for a gone proxy. */
  queueTimeoutMs: number;
  /**
   * Overloaded, a hash starts only while the event loop waited for a CPU at most this share of
   * the recent past (1 or unset: never held back). See `LoginAdmission`.
   */
  overloadCpuWait?: number;
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

/** How often a login held back by CPU contention looks again. */
const CONTENTION_RECHECK_MS = 25;
/** A replica counts as overloaded this long after it last refused or dropped a login. */
export const OVERLOAD_MEMORY_MS = 5000;
/** Bounds of the rest after a backlog hash, in hash times (it doubles or halves with the CPU wait). */
const REST_MIN = 1;
const REST_MAX = 16;

/**
 * Bounded password hashing for one replica: `concurrency` logins hash at once, up to `queueLimit`
 * wait in order, the rest are refused with a Retry-After from the measured hash time. A login
 * also is refused when its expected wait is longer than `queueTimeoutMs`, and a waiting login
 * whose client has gone (`signal` aborted) or that waited too long is dropped before its hash.
 *
 * Overloaded (a login refused or dropped in the last `OVERLOAD_MEMORY_MS`), hashing takes spare
 * CPU only: no login starts its hash while the event loop waited for a CPU more than
 * `overloadCpuWait` of the recent past (`cpuWait`), and a slot whose hash ended with logins waiting
 * rests 1 to 16 times as long as that hash took (`rest`). Co-located replicas' hashing threads are niced, but Linux shares
 * CPU between containers (and sessions) before it looks at nice: without this, a storm's hashes in
 * three replicas on two cores kept every event loop waiting. Not overloaded, a login's hash starts
 * as soon as a slot is free: a login arriving once the overload is over ends any rest at once.
 */
export class LoginAdmission {
  private hashing = 0;
  /** Slots resting after a backlog hash (busy for admission, not hashing). */
  private resting = 0;
  /** Rest after a backlog hash, in hash times: doubled when the event loop waited too long, halved when not. */
  private restFactor = REST_MIN;
  private readonly queue: Waiter[] = [];
  private readonly rests = new Set<NodeJS.Timeout>();
  private recheck: NodeJS.Timeout | undefined;
  private lastTurnedAway = Number.NEGATIVE_INFINITY;
  /** Wall time of one hash, smoothed; starts from the caller's estimate. */
  private hashMs: number;

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly deps: {
      events: AdmissionEvents;
      initialHashMs: number;
      /** Share of the recent past the event loop waited for a CPU (CpuWaitSampler); undefined: unknown, never held back. */
      cpuWait?: () => number | undefined;
      now?: () => number;
    },
  ) {
    this.hashMs = Math.max(1, deps.initialHashMs);
  }

  /** Stops the rest and recheck timers (the app's close). */
  close(): void {
    this.cancelRests();
    clearTimeout(this.recheck);
    this.recheck = undefined;
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
    this.endRestsIfCalm();
    if (!this.full()) return undefined;
    this.lastTurnedAway = this.now();
    this.deps.events.refused();
    return this.refusal('overloaded');
  }

  /** A slot to hash in (call `release` when the hash is done), or why not. */
  admit(signal: AbortSignal): Promise<Admission> {
    this.endRestsIfCalm();
    if (signal.aborted) {
      this.deps.events.abandoned('client_gone');
      return Promise.resolve(this.refusal('client_gone'));
    }
    if (this.slotFree() && this.queue.length === 0 && !this.contended()) return Promise.resolve(this.grant());
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
      // A slot may be free while the backlog is held back by contention: this one waits its turn.
      if (this.slotFree()) this.next();
      else this.report();
    });
  }

  /** No slot free and no room to wait: the queue is full, or this login's expected wait is too long. */
  private full(): boolean {
    if (this.slotFree() && this.queue.length === 0) return false;
    // The wait this login would have: everyone ahead of it, `concurrency` at a time.
    const expectedWaitMs = ((this.queue.length + 1) / this.limits.concurrency) * this.hashMs;
    return this.queue.length >= this.limits.queueLimit || expectedWaitMs > this.limits.queueTimeoutMs;
  }

  /** Feed the measured wall time of one hash into the wait estimate. */
  observeHash(ms: number): void {
    this.hashMs = this.hashMs * 0.8 + Math.max(1, ms) * 0.2;
  }

  private slotFree(): boolean {
    return this.hashing + this.resting < this.limits.concurrency;
  }

  private grant(): Admission {
    this.hashing += 1;
    this.report();
    const started = this.now();
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        this.hashing -= 1;
        if (this.queue.length > 0 && this.overloaded()) {
          this.rest(this.now() - started);
        } else {
          this.restFactor = REST_MIN;
          this.next();
        }
      },
    };
  }

  /**
   * After a backlog hash the slot rests `restFactor` times as long as the hash took (a backlog hashes
   * at most half the time); the factor doubles while the event loop still waits for a CPU too long
   * (up to REST_MAX) and halves when it does not (down to REST_MIN), so each replica settles on the
   * hashing rate the shared CPU can take.
   */
  private rest(hashMs: number): void {
    const busy = this.cpuBusy();
    if (busy !== undefined) this.restFactor = busy ? Math.min(REST_MAX, this.restFactor * 2) : Math.max(REST_MIN, this.restFactor / 2);
    const ms = hashMs * this.restFactor;
    this.resting += 1;
    const timer = setTimeout(() => {
      this.rests.delete(timer);
      this.resting -= 1;
      this.next();
    }, Math.max(0, ms));
    this.rests.add(timer);
    this.report();
  }

  /** No longer overloaded: a slot still resting from the storm must not keep a new login waiting (up to 16 hash times). */
  private endRestsIfCalm(): void {
    if (this.resting === 0 || this.overloaded()) return;
    this.cancelRests();
    this.resting = 0;
    this.restFactor = REST_MIN;
    this.next();
  }

  private cancelRests(): void {
    for (const rest of this.rests) clearTimeout(rest);
    this.rests.clear();
  }

  /** The event loop waited for a CPU more than hashing may cost it; undefined when that is not measured. */
  private cpuBusy(): boolean | undefined {
    const share = this.deps.cpuWait?.();
    return share === undefined ? undefined : share > (this.limits.overloadCpuWait ?? 1);
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  private overloaded(): boolean {
    return this.now() - this.lastTurnedAway < OVERLOAD_MEMORY_MS;
  }

  /** Overloaded, and the event loop waited for a CPU more than hashing may cost it now. */
  private contended(): boolean {
    return this.overloaded() && this.cpuBusy() === true;
  }

  /** Hand freed slots to the oldest waiters whose client is still there, while the CPU is spare. */
  private next(): void {
    if (this.slotFree() && this.queue.length > 0 && this.contended()) {
      this.recheck ??= setTimeout(() => {
        this.recheck = undefined;
        this.next();
      }, CONTENTION_RECHECK_MS);
    } else {
      while (this.slotFree() && this.queue.length > 0) {
        const waiter = this.queue.shift()!;
        this.forget(waiter);
        waiter.settle(this.grant());
      }
    }
    this.report();
  }

  private drop(waiter: Waiter, reason: 'client_gone' | 'queue_timeout'): void {
    const index = this.queue.indexOf(waiter);
    if (index < 0) return;
    this.queue.splice(index, 1);
    this.forget(waiter);
    this.lastTurnedAway = this.now();
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
    const drainMs = ((this.queue.length + this.hashing + this.resting) / this.limits.concurrency) * this.hashMs;
    return { admitted: false, reason, retryAfterSeconds: Math.max(1, Math.ceil(drainMs / 1000)) };
  }

  private report(): void {
    this.deps.events.depth(this.queue.length, this.hashing);
  }
}
