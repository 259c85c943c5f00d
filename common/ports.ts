import fs from 'node:fs';
import net from 'node:net';

/**
 * The one table of local ports. A cluster on 127.0.0.1 owns the block base .. base+PORT_BLOCK-1;
 * every part (launcher, bench, compose generator, tests) derives its ports from here. Ranges
 * marked "reserved" are kept free for what later work adds, so adding them moves no existing port.
 */
export const PORT_RANGES = Object.freeze({
  /** The Node proxy's frontends, one per strategy (STRATEGIES order). */
  frontends: { offset: 0, count: 3 },
  /** Reserved: haproxy frontends (same three strategies). */
  haproxyFrontends: { offset: 3, count: 3 },
  /** Reserved: nginx frontends (same three strategies). */
  nginxFrontends: { offset: 6, count: 3 },
  /** The launcher's control API. */
  control: { offset: 10, count: 1 },
  /** app1..app4. */
  apps: { offset: 11, count: 4 },
  /** Reserved: a bench agent or other helper inside the topology. */
  agent: { offset: 15, count: 1 },
  redis: { offset: 20, count: 1 },
  /** HA Redis (--redis ha): sentinel1..3. */
  sentinels: { offset: 21, count: 3 },
  /** The latency injector's links, one in front of each replica (app1..app4), docs/distance.md. */
  latencyInjectors: { offset: 24, count: 4 },
  /** HA Redis (--redis ha): redis2, the replica. */
  redisReplica: { offset: 28, count: 1 },
  /** The latency injector's control API, and its link in front of Redis (docs/distance.md). */
  latencyControl: { offset: 16, count: 1 },
  latencyRedis: { offset: 17, count: 1 },
} as const);
export type PortRange = keyof typeof PORT_RANGES;

/** Ports per cluster; freePortBase hands out multiples of it, so two test clusters never overlap. */
export const PORT_BLOCK = 30;

/** `npm start`: frontends 8080-8082, control 8090, app1..4 8091-8094, redis 8100; --redis ha: sentinels 8101-8103, redis2 8108. */
export const DEFAULT_PORT_BASE = 8080;

/** The bench's own cluster (no --target): 18080-18109, so it never meets a running `npm start`. */
export const BENCH_PORT_BASE = 18_080;

/** The highest port base whose whole block still fits below 65536. */
export const MAX_PORT_BASE = 65_536 - PORT_BLOCK;

/** The n-th port of a range for a cluster at `base`. */
export function portOf(base: number, range: PortRange, index = 0): number {
  const { offset, count } = PORT_RANGES[range];
  if (index < 0 || index >= count) throw new RangeError(`${range} has ${count} ports; asked for #${index}`);
  return base + offset + index;
}

/** Lowest port of the OS's ephemeral range (outgoing connections and port 0 draw from it). */
export function ephemeralLow(): number {
  try {
    const [low] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && low > 1024) return low;
  } catch {
    // not Linux: the IANA range starts at 49152, Linux's default at 32768; take the lower
  }
  return 32_768;
}

/** Ports handed out for tests and benches: above the well-known ones, below the ephemeral range. */
const DRAW_FROM = 10_000;

/** Whether something already listens on host:port (we try to bind it ourselves, then let go). */
export function portInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(true));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(false)));
  });
}

/**
 * Where tests and benches draw free ports: AUTHSCALE_PORT_RANGE="LOW-HIGH" (inclusive: a block
 * assigned to you on a shared machine), else from 10000 up to the ephemeral range.
 */
export function drawRange(env: NodeJS.ProcessEnv = process.env): { low: number; high: number } {
  const text = env.AUTHSCALE_PORT_RANGE?.trim();
  if (!text) return { low: DRAW_FROM, high: ephemeralLow() };
  const match = /^(\d+)-(\d+)$/.exec(text);
  const low = Number(match?.[1]);
  const high = Number(match?.[2]) + 1;
  if (!match || low < 1024 || high > 65_536 || high - low < 2 * PORT_BLOCK) {
    throw new Error(`AUTHSCALE_PORT_RANGE must be LOW-HIGH, from 1024 to 65535 and at least ${2 * PORT_BLOCK} ports wide, not "${text}"`);
  }
  return { low, high };
}

/**
 * A port free a moment ago on 127.0.0.1, drawn below the ephemeral range: a port the OS picked
 * (port 0) can be taken the next instant by any outgoing connection on this shared machine.
 */
export async function freePort(attempts = 50): Promise<number> {
  const { low, high } = drawRange();
  for (let i = 0; i < attempts; i++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (!(await portInUse(port))) return port;
  }
  throw new Error(`no free port found in ${attempts} attempts from ${low} to ${high - 1}`);
}

/** A port base (multiple of PORT_BLOCK, inside the draw range) whose whole block is free now. */
export async function freePortBase(attempts = 50): Promise<number> {
  const { low, high } = drawRange();
  const first = Math.ceil(low / PORT_BLOCK);
  const blocks = Math.floor((high - PORT_BLOCK) / PORT_BLOCK) - first;
  for (let i = 0; i < attempts; i++) {
    const base = (first + Math.floor(Math.random() * blocks)) * PORT_BLOCK;
    const busy = await Promise.all(Array.from({ length: PORT_BLOCK }, (_, offset) => portInUse(base + offset)));
    if (!busy.some(Boolean)) return base;
  }
  throw new Error(`no free block of ${PORT_BLOCK} ports found in ${attempts} attempts from ${low} to ${high - 1}`);
}
