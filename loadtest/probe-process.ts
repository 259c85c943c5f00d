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
 *
 * It warms up before it records: Node's start and fetch's first call (which loads undici) cost
 * the probe ~150 ms of CPU, and its first request opens its connection. Timed, that is the
 * instrument's own cost, not the target's: started with the storm, it put 0.3–0.5 s answers on
 * the storm's first second. So it probes unrecorded for `warmUpMs`, says `ready` on its first
 * stdout line, and only then records; the caller starts its load after `ready`.
 */
const PROBE_SOURCE = `
const { url, headers, gapMs, timeoutMs, warmUpMs } = JSON.parse(process.argv[1]);
const latencies = [];
let failed = 0;
let warmUpRequests = 0;
let stopped = false;
process.stdin.on('data', () => { stopped = true; });
process.stdin.on('end', () => { stopped = true; });
const probe = () => fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) })
  .then(async (r) => { await r.arrayBuffer(); return r.ok; }, () => false);
const pause = () => new Promise((r) => setTimeout(r, gapMs));
(async () => {
  const warmUntil = performance.now() + warmUpMs;
  while (!stopped && (warmUpRequests === 0 || performance.now() < warmUntil)) {
    await probe();
    warmUpRequests++;
    await pause();
  }
  process.stdout.write('ready\\n');
  while (!stopped) {
    const started = performance.now();
    const ok = await probe();
    if (ok) latencies.push(performance.now() - started); else failed++;
    await pause();
  }
  process.stdout.write(JSON.stringify({ latencies, failed, warmUpRequests }));
  process.exit(0);
})();`;

export interface ProbeReadings {
  /** Milliseconds of each answered request after the warm-up, in order. */
  latencies: number[];
  /** Requests after the warm-up that failed, timed out or answered non-2xx. */
  failed: number;
  /** Requests sent during the warm-up, not recorded. */
  warmUpRequests: number;
}

export interface RunningProbe {
  /** Resolves once the probe has warmed up and records (start the load after it). */
  ready: Promise<void>;
  /** Ends the probe after its request in flight; resolves with every reading. */
  stop(): Promise<ProbeReadings>;
}

export function startProbeProcess(options: { url: string; headers?: Record<string, string>; gapMs: number; timeoutMs?: number; warmUpMs?: number }): RunningProbe {
  const settings = { url: options.url, headers: options.headers ?? {}, gapMs: options.gapMs, timeoutMs: options.timeoutMs ?? 5000, warmUpMs: options.warmUpMs ?? 1000 };
  const child = spawn(process.execPath, ['-e', PROBE_SOURCE, JSON.stringify(settings)], { detached: true, stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => { markReady = resolve; });
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    if (output.startsWith('ready\n')) markReady();
  });
  const result = new Promise<ProbeReadings>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      markReady();
      try {
        resolve(JSON.parse(output.replace(/^ready\n/, '')) as ProbeReadings);
      } catch {
        reject(new Error(`the probe process exited (${code}) without its readings`));
      }
    });
  });
  return {
    ready,
    stop: () => {
      child.stdin.end('stop\n');
      return result;
    },
  };
}
