import { Worker } from 'node:worker_threads';

/**
 * A latency probe on its own thread: one request at a time to `url`, a gap between them, until
 * stopped. A scenario that drives hundreds of clients from the bench's event loop (login-storm)
 * would otherwise time its probes on a loop those clients keep busy, and report its own delay as
 * the target's. Plain JS (eval'd), so it runs the same from dist/ and under ts-jest.
 */
const PROBE_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { url, headers, gapMs, timeoutMs } = workerData;
const latencies = [];
let failed = 0;
let stopped = false;
parentPort.on('message', () => { stopped = true; });
(async () => {
  while (!stopped) {
    const started = performance.now();
    const ok = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) })
      .then(async (r) => { await r.arrayBuffer(); return r.ok; }, () => false);
    if (ok) latencies.push(performance.now() - started); else failed++;
    await new Promise((r) => setTimeout(r, gapMs));
  }
  parentPort.postMessage({ latencies, failed });
})();`;

export interface ProbeReadings {
  /** Milliseconds of each answered request, in order. */
  latencies: number[];
  /** Requests that failed, timed out or answered non-2xx. */
  failed: number;
}

export interface RunningProbe {
  /** Ends the probe after its request in flight; resolves with every reading. */
  stop(): Promise<ProbeReadings>;
}

export function startProbeThread(options: { url: string; headers?: Record<string, string>; gapMs: number; timeoutMs?: number }): RunningProbe {
  const worker = new Worker(PROBE_SOURCE, {
    eval: true,
    workerData: { url: options.url, headers: options.headers ?? {}, gapMs: options.gapMs, timeoutMs: options.timeoutMs ?? 5000 },
  });
  const result = new Promise<ProbeReadings>((resolve, reject) => {
    worker.once('message', (readings: ProbeReadings) => {
      resolve(readings);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the probe thread exited (${code}) before it reported`)));
  });
  return {
    stop: () => {
      worker.postMessage('stop');
      return result;
    },
  };
}
