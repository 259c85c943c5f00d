import fs from 'node:fs';
import path from 'node:path';

/** The parts of a V8 `.cpuprofile` (node --cpu-prof) this reads. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string } }[];
  /** Monotonic clock, µs (CLOCK_MONOTONIC, like process.hrtime). */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A measured stretch [from, to] in µs of the monotonic clock (process.hrtime.bigint() / 1000). */
export type Window = readonly [number, number];

/**
 * Where a forwarder's main thread spends its time, by the function each sample was in (self
 * time). Stages, in the order a request meets them: the kernel's socket calls made from JS, Node's
 * HTTP server, undici (its JS, and its llhttp parser in WebAssembly), Node's streams/events/timers,
 * this proxy's own code, garbage collection, and V8/libuv native work the profiler cannot attribute.
 */
export type Stage =
  | 'socket writes (syscalls)' | 'node http server' | 'undici' | 'undici llhttp (wasm)'
  | 'node streams, events, timers' | 'this proxy' | 'libraries (prom-client, pino)' | 'garbage collection'
  | 'native, unattributed' | 'other';

export interface StageShare {
  stage: Stage;
  /** Milliseconds of samples in this stage. */
  ms: number;
  /** Share of the busy (not idle) samples. */
  share: number;
}

const SOCKET_CALLS = new Set(['writev', 'writeBuffer', 'writeLatin1String', 'writeUtf8String', 'writeAsciiString', 'shutdown', 'close', 'readStart', 'readStop']);

/** The stage of one profile node (pure). */
export function stageOf(functionName: string, url: string): Stage | 'idle' | 'root' {
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(root)') return 'root';
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(program)') return 'native, unattributed';
  if (url.startsWith('wasm://')) return 'undici llhttp (wasm)';
  if (url === '') return SOCKET_CALLS.has(functionName) ? 'socket writes (syscalls)' : 'native, unattributed';
  if (url.includes('/node_modules/undici/')) return 'undici';
  if (url.includes('/node_modules/prom-client/') || url.includes('/node_modules/pino')) return 'libraries (prom-client, pino)';
  if (url.includes('/node_modules/')) return 'other';
  if (/\/dist\/(proxy|common)\//.test(url)) return 'this proxy';
  if (/^node:_http_|^node:http$/.test(url)) return 'node http server';
  if (/^node:(net|events|stream|internal\/(streams|timers|process\/task_queues|event_target)|timers)/.test(url)) return 'node streams, events, timers';
  return 'other';
}

/**
 * Self time per stage over the profile's busy samples, largest first (pure). With `windows`, only
 * samples inside them count (the measured rounds: not start-up, warm-up or the other targets' turns);
 * `windowed` says whether any sample fell inside (else every sample counts).
 */
export function profileStages(profile: CpuProfile, windows: readonly Window[] = []): { busyMs: number; idleMs: number; stages: StageShare[]; windowed: boolean } {
  let at = profile.startTime;
  const times = profile.timeDeltas.map((d) => (at += d));
  const inside = (t: number) => windows.some(([from, to]) => t >= from && t <= to);
  const windowed = windows.length > 0 && times.some(inside);
  const stageById = new Map<number, ReturnType<typeof stageOf>>();
  for (const node of profile.nodes) stageById.set(node.id, stageOf(node.callFrame.functionName, node.callFrame.url));
  const ms = new Map<Stage, number>();
  let idle = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    if (windowed && !inside(times[i])) continue;
    // timeDeltas[i] is the time since the previous sample: it belongs to this one.
    const delta = (profile.timeDeltas[i] ?? 0) / 1000;
    const stage = stageById.get(profile.samples[i]) ?? 'other';
    if (stage === 'idle') idle += delta;
    else if (stage !== 'root') ms.set(stage, (ms.get(stage) ?? 0) + delta);
  }
  const busy = [...ms.values()].reduce((a, b) => a + b, 0);
  const stages = [...ms].map(([stage, t]) => ({ stage, ms: t, share: busy > 0 ? t / busy : 0 })).sort((a, b) => b.ms - a.ms);
  return { busyMs: busy, idleMs: idle, stages, windowed };
}

/** The newest `.cpuprofile` in `dir` (node names them by date and pid), or undefined. */
export function newestProfile(dir: string): string | undefined {
  if (!fs.existsSync(dir)) return undefined;
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(dir, f));
  files.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  return files[0];
}

/**
 * Stage shares as table rows in µs per request (pure). The profiler samples wall time, so a sample
 * inside a socket call also counts time the thread waited for a CPU there (on loopback a write
 * wakes the receiver, which may run first): the kernel's part is taken from the measured system
 * time instead, and the other stages share the measured user time in their profile proportions.
 */
export function formatStages(
  title: string,
  result: ReturnType<typeof profileStages>,
  cpu: { userMicrosPerRequest: number; systemMicrosPerRequest: number },
): string {
  const userStages = result.stages.filter((s) => s.stage !== 'socket writes (syscalls)');
  const userMs = userStages.reduce((a, s) => a + s.ms, 0);
  const row = (name: string, micros: number, note: string) => `| ${name.padEnd(30)} | ${micros.toFixed(1).padStart(6)} | ${note}`;
  return [
    `${title}: ${result.busyMs.toFixed(0)} ms busy, ${result.idleMs.toFixed(0)} ms idle in the main thread's profile${result.windowed ? ', measured rounds only' : ' (whole process: start-up included)'}`,
    '| stage                          | µs/req | from',
    '|--------------------------------|--------|------',
    row('kernel (system time)', cpu.systemMicrosPerRequest, `/proc stime; socket calls were ${(100 * (1 - userMs / Math.max(result.busyMs, 1e-9))).toFixed(1)} % of the busy samples`),
    ...userStages.map((s) => row(s.stage, userMs > 0 ? (s.ms / userMs) * cpu.userMicrosPerRequest : 0, `${(100 * s.ms / userMs).toFixed(1)} % of the user-space samples × ${cpu.userMicrosPerRequest.toFixed(1)} µs user time`)),
  ].join('\n');
}
