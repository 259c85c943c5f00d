import { spawn } from 'node:child_process';

/**
 * A latency probe in a process of its own: one request at a time to `url`, a gap between them,
 * until stopped. A scenario that drives hundreds of clients from the bench (login-storm) would
 * otherwise time its probes on an event loop, and in a scheduling group, those clients keep busy,
 * and report the bench's own delay as the target's. The process starts a session of its own
 * (detached), so where the kernel schedules sessions as groups (Linux autogroup) the probe is not
 * one thread among the storm's: it stands for a user on another machine. Plain JS (node -e), so
 * it runs the same from dist/ and under ts-jest; it stops when told on stdin, or when stdin
 * closes (the bench went away).
 */
const PROBE_SOURCE = `
const { url, headers, gapMs, timeoutMs } = JSON.parse(process.argv[1]);
const latencies = [];
let failed = 0;
let stopped = false;
process.stdin.on('data', () => { stopped = true; });
process.stdin.on('end', () => { stopped = true; });
(async () => {
  while (!stopped) {
    const started = performance.now();
    const ok = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) })
      .then(async (r) => { await r.arrayBuffer(); return r.ok; }, () => false);
    if (ok) latencies.push(performance.now() - started); else failed++;
    await new Promise((r) => setTimeout(r, gapMs));
  }
  process.stdout.write(JSON.stringify({ latencies, failed }));
  process.exit(0);
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

export function startProbeProcess(options: { url: string; headers?: Record<string, string>; gapMs: number; timeoutMs?: number }): RunningProbe {
  const settings = { url: options.url, headers: options.headers ?? {}, gapMs: options.gapMs, timeoutMs: options.timeoutMs ?? 5000 };
  const child = spawn(process.execPath, ['-e', PROBE_SOURCE, JSON.stringify(settings)], { detached: true, stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
  const result = new Promise<ProbeReadings>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      try {
        resolve(JSON.parse(output) as ProbeReadings);
      } catch {
        reject(new Error(`the probe process exited (${code}) without its readings`));
      }
    });
  });
  return {
    stop: () => {
      child.stdin.end('stop\n');
      return result;
    },
  };
}
