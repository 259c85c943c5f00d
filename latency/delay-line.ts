import type net from 'node:net';

/** The delay one direction of a link adds now: a base plus a uniform jitter in [0, jitterMs]. */
export interface DirectionDelay {
  delayMs: number;
  jitterMs: number;
}

export interface DelayLineOptions {
  /** Read at each chunk's arrival, so a changed setting applies to the bytes that arrive next. */
  delay: () => DirectionDelay;
  /** Bytes held (waiting for their time or for the destination to drain) before the source is paused. */
  maxQueuedBytes: number;
  now?: () => number;
  random?: () => number;
}

interface Entry {
  dueAt: number;
  chunk: Buffer | null; // null: the source ended (half-close), forwarded in order like data
}

/**
 * One direction of a delayed TCP link: every chunk read from `from` is written to `to` after the
 * delay, never before a chunk that arrived earlier (a chunk's due time is at least its
 * predecessor's, so jitter cannot reorder bytes), and the source's FIN follows its last byte.
 * Memory is bounded: past `maxQueuedBytes` held, or while `to` is congested, `from` is paused and
 * TCP flow control pushes back on the sender. At 0 ms with nothing queued a chunk is written at
 * once, with no timer: that is the injector's own overhead, measured in docs/distance.md.
 */
export class DelayLine {
  private readonly queue: Entry[] = [];
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private congested = false;
  private lastDueAt = 0;
  private finished = false;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(
    private readonly from: net.Socket,
    private readonly to: net.Socket,
    private readonly options: DelayLineOptions,
  ) {
    this.now = options.now ?? (() => performance.now());
    this.random = options.random ?? Math.random;
    from.on('data', (chunk: Buffer) => this.accept(chunk));
    from.on('end', () => this.accept(null));
    to.on('drain', () => {
      this.congested = false;
      this.flush();
    });
  }

  /** Bytes read but not yet handed to the destination. */
  get held(): number {
    return this.queuedBytes;
  }

  /** True once the source's end has been passed on (the destination got its FIN). */
  get ended(): boolean {
    return this.finished;
  }

  /** Drop what is held (the link was reset or closed). */
  discard(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
    this.queuedBytes = 0;
  }

  private accept(chunk: Buffer | null): void {
    const { delayMs, jitterMs } = this.options.delay();
    const added = delayMs + (jitterMs > 0 ? this.random() * jitterMs : 0);
    const dueAt = Math.max(this.now() + added, this.lastDueAt);
    this.lastDueAt = dueAt;
    this.queue.push({ dueAt, chunk });
    if (chunk) this.queuedBytes += chunk.length;
    if (this.queuedBytes > this.options.maxQueuedBytes) this.from.pause();
    this.flush();
  }

  private flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const now = this.now();
    while (this.queue.length > 0 && !this.congested) {
      const head = this.queue[0];
      if (head.dueAt > now) {
        // One timer per direction, for the head only: later chunks are due no earlier.
        this.timer = setTimeout(() => this.flush(), head.dueAt - now);
        break;
      }
      this.queue.shift();
      if (head.chunk === null) {
        this.finished = true;
        if (!this.to.destroyed) this.to.end();
        continue;
      }
      this.queuedBytes -= head.chunk.length;
      if (this.to.destroyed) continue;
      if (!this.to.write(head.chunk)) this.congested = true;
    }
    if (!this.congested && this.queuedBytes <= this.options.maxQueuedBytes / 2 && this.from.isPaused() && !this.from.destroyed) {
      this.from.resume();
    }
  }
}
