import fs from 'node:fs';

/**
 * The share of the last `windowMs` that a thread spent runnable but waiting for a CPU (pure).
 * Fed with cumulative readings (ns waited on a run queue, and when it was read, in ns).
 */
export class CpuWaitWindow {
  private readonly samples: { waitNs: number; atNs: number }[] = [];

  constructor(private readonly windowMs: number) {}

  add(waitNs: number, atNs: number): void {
    this.samples.push({ waitNs, atNs });
    // Keep the newest reading at least `windowMs` old, so the share always spans the whole window.
    const horizon = atNs - this.windowMs * 1e6;
    while (this.samples.length > 2 && this.samples[1].atNs <= horizon) this.samples.shift();
  }

  /** 0 (never waited) … 1 (waited the whole time); undefined before two readings. */
  share(): number | undefined {
    if (this.samples.length < 2) return undefined;
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    const span = last.atNs - first.atNs;
    if (span <= 0) return undefined;
    return Math.min(1, Math.max(0, (last.waitNs - first.waitNs) / span));
  }
}

/**
 * Reads the calling thread's cumulative run-queue wait (ns) from Linux's
 * `/proc/thread-self/schedstat` ("ran waited timeslices"); undefined where there is none
 * (another OS, or a kernel without scheduler statistics).
 */
export function threadCpuWaitReader(path = '/proc/thread-self/schedstat'): (() => number | undefined) | undefined {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch {
    return undefined;
  }
  const buffer = Buffer.alloc(96);
  const read = (): number | undefined => {
    try {
      const n = fs.readSync(fd, buffer, 0, buffer.length, 0);
      const waited = Number(buffer.toString('latin1', 0, n).split(' ')[1]);
      return Number.isFinite(waited) ? waited : undefined;
    } catch {
      return undefined;
    }
  };
  return read() === undefined ? undefined : read;
}

export interface CpuWaitSamplerOptions {
  /** Cumulative ns the event loop's thread has waited for a CPU (threadCpuWaitReader, called on that thread). */
  readonly read: () => number | undefined;
  readonly windowMs: number;
  readonly intervalMs: number;
  readonly nowNs?: () => number;
}

/**
 * How much the replica's event loop waits for a CPU lately: a reading every `intervalMs`, on the
 * event loop itself. The kernel shares CPU between containers (cgroups) and sessions
 * (autogroups) before it looks at a thread's nice value, so a niced hashing thread in one
 * replica still takes CPU from the event loops of the others; this is what they feel.
 */
export class CpuWaitSampler {
  private readonly window: CpuWaitWindow;
  private timer: NodeJS.Timeout | undefined;
  private readonly nowNs: () => number;

  constructor(private readonly options: CpuWaitSamplerOptions) {
    this.window = new CpuWaitWindow(options.windowMs);
    this.nowNs = options.nowNs ?? (() => Number(process.hrtime.bigint()));
  }

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.options.intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  share(): number | undefined {
    return this.window.share();
  }

  private sample(): void {
    const waited = this.options.read();
    if (waited !== undefined) this.window.add(waited, this.nowNs());
  }
}
