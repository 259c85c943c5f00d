import type crypto from 'node:crypto';
import { Worker } from 'node:worker_threads';

/** Derives a scrypt key: the one expensive step of a login. */
export type ScryptDerive = (password: string, salt: Buffer, keyLength: number, options: crypto.ScryptOptions) => Promise<Buffer>;

/**
 * How a hashing thread gives way to everything else on the machine:
 * - `idle`: Linux's SCHED_IDLE policy, set on the worker's own thread with util-linux's `chrt`
 *   (Node has no call for it). The thread then runs only on CPU nothing else wants, across
 *   processes and containers: a waking event loop preempts it at once, and its weight (3, against
 *   1024 for a normal thread) counts as almost nothing in its container's or session's share.
 *   Where the policy cannot be set (no `chrt`, not Linux), the worker falls back to `nice`.
 * - `nice`: setPriority(0, n), which on Linux renices only the calling thread. Nice orders threads
 *   inside one scheduling group only (a container's cgroup, a session's autogroup): a replica's
 *   niced hash still takes its whole group's share from the other replicas and the proxy.
 * Measured, side by side: docs/login-admission.md.
 */
export type HashScheduling = 'idle' | 'nice';
/** What a worker got: the policy asked for, the nice fallback, or normal priority. */
export type HashPriority = 'idle' | 'nice' | 'normal';

// Plain JS (eval'd), so it runs the same from dist/ and under ts-jest. /proc/thread-self names
// this worker's own thread; policy 5 in its stat line is SCHED_IDLE.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const crypto = require('node:crypto');
const os = require('node:os');
const fs = require('node:fs');
const SCHED_IDLE = 5;
const policyOf = () => Number(fs.readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1].split(' ')[38]);
let priority = 'normal';
if (workerData.scheduling === 'idle') {
  try {
    const tid = fs.readlinkSync('/proc/thread-self').split('/').pop();
    require('node:child_process').execFileSync('chrt', ['--idle', '--pid', '0', tid], { stdio: 'ignore', timeout: 5000 });
    if (policyOf() === SCHED_IDLE) priority = 'idle';
  } catch {}
}
if (priority === 'normal') {
  try { os.setPriority(0, workerData.nice); priority = 'nice'; } catch {}
}
parentPort.postMessage({ ready: true, priority });
parentPort.on('message', ({ id, password, salt, keyLength, options }) => {
  try {
    const key = crypto.scryptSync(password, Buffer.from(salt), keyLength, options);
    parentPort.postMessage({ id, key });
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});`;

interface Job {
  id: number;
  message: { id: number; password: string; salt: Uint8Array; keyLength: number; options: crypto.ScryptOptions };
  resolve(key: Buffer): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  job?: Job;
}

/**
 * A fixed number of worker threads, each running one scrypt at a time at the lowest CPU priority
 * it can get (above), so hashing takes the CPU the event loops of this and other replicas leave
 * idle. Measured against crypto.scrypt on the libuv pool: docs/login-admission.md. A worker that
 * dies fails its job and is replaced; jobs beyond the workers wait here in order (the caller
 * bounds them).
 */
export class ScryptWorkers {
  private readonly slots: Slot[] = [];
  private readonly waiting: Job[] = [];
  private nextId = 1;
  private closed = false;
  private warned = false;

  /** `onPriority` is told (once) what the first worker got when it is less than asked for. */
  constructor(private readonly options: { size: number; scheduling: HashScheduling; nice: number; onPriority?: (got: HashPriority) => void }) {
    for (let i = 0; i < options.size; i++) this.slots.push(this.spawn());
  }

  readonly derive: ScryptDerive = (password, salt, keyLength, options) => {
    if (this.closed) return Promise.reject(new Error('scrypt workers are closed'));
    return new Promise<Buffer>((resolve, reject) => {
      const id = this.nextId++;
      this.waiting.push({ id, message: { id, password, salt: new Uint8Array(salt), keyLength, options }, resolve, reject });
      this.dispatch();
    });
  };

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.waiting.splice(0)) job.reject(new Error('scrypt workers are closed'));
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { scheduling: this.options.scheduling, nice: this.options.nice } });
    const slot: Slot = { worker };
    // An idle worker must not keep the process alive (graceful shutdown, tests).
    worker.unref();
    worker.on('message', (message: { ready?: boolean; priority?: HashPriority; id?: number; key?: Uint8Array; error?: string }) => {
      if (message.ready) {
        if (message.priority !== this.options.scheduling && !this.warned) {
          this.warned = true;
          this.options.onPriority?.(message.priority ?? 'normal');
        }
        return;
      }
      const job = slot.job;
      if (!job || job.id !== message.id) return;
      slot.job = undefined;
      if (message.error !== undefined) job.reject(new Error(message.error));
      else job.resolve(Buffer.from(message.key!));
      this.dispatch();
    });
    worker.on('error', () => undefined);
    worker.on('exit', () => {
      const job = slot.job;
      slot.job = undefined;
      job?.reject(new Error('scrypt worker exited'));
      if (this.closed) return;
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots[index] = this.spawn();
      this.dispatch();
    });
    return slot;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.job || this.waiting.length === 0) continue;
      const job = this.waiting.shift()!;
      slot.job = job;
      // A busy worker keeps the process alive until its answer arrives.
      slot.worker.ref();
      slot.worker.postMessage(job.message);
    }
    for (const slot of this.slots) if (!slot.job) slot.worker.unref();
  }
}
