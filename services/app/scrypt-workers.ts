import type crypto from 'node:crypto';
import { Worker } from 'node:worker_threads';

/** Derives a scrypt key: the one expensive step of a login. */
export type ScryptDerive = (password: string, salt: Buffer, keyLength: number, options: crypto.ScryptOptions) => Promise<Buffer>;

// Plain JS (eval'd), so it runs the same from dist/ and under ts-jest. setPriority(0, …) on Linux
// renices only the calling thread: this worker, not the replica's event loop.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const crypto = require('node:crypto');
const os = require('node:os');
let niced = false;
try { os.setPriority(0, workerData.nice); niced = true; } catch {}
parentPort.postMessage({ ready: true, niced });
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
 * A fixed number of worker threads, each running one scrypt at a time at a lower CPU priority
 * (nice), so hashing takes the CPU the event loops of this and other replicas leave idle. Measured
 * against crypto.scrypt on the libuv pool: docs/login-admission.md. A worker that dies fails its
 * job and is replaced; jobs beyond the workers wait here in order (the caller bounds them).
 */
export class ScryptWorkers {
  private readonly slots: Slot[] = [];
  private readonly waiting: Job[] = [];
  private nextId = 1;
  private closed = false;
  private warned = false;

  /** `onNiceRefused` is told (once) when the platform refuses to lower a worker's priority. */
  constructor(private readonly options: { size: number; nice: number; onNiceRefused?: () => void }) {
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
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { nice: this.options.nice } });
    const slot: Slot = { worker };
    // An idle worker must not keep the process alive (graceful shutdown, tests).
    worker.unref();
    worker.on('message', (message: { ready?: boolean; niced?: boolean; id?: number; key?: Uint8Array; error?: string }) => {
      if (message.ready) {
        if (!message.niced && !this.warned) {
          this.warned = true;
          this.options.onNiceRefused?.();
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
