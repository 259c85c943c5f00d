import { z } from 'zod';
import { parseConfig } from '../common/config';
import { DEFAULT_PORT_BASE, MAX_PORT_BASE } from '../common/ports';
import { EXTERNAL_BALANCERS, type ExternalBalancerName } from '../common/vocabulary';
import { LATENCY_PATHS, type LatencyPath } from './topology';

/** Options of startCluster (docs/cluster.md), validated once and frozen. */
export interface LaunchOptions {
  /** Frontends portBase+0..2, control portBase+10, apps portBase+11.., redis portBase+20; default 8080. */
  portBase?: number;
  /** Start app4 too (default false; it can be started later with act('app4', 'start')). */
  withApp4?: boolean;
  /** 'spawn': one redis-server; 'ha': primary, replica and three Sentinels (docs/redis-ha.md); a URL: an existing Redis; 'none'. */
  redis?: 'spawn' | 'ha' | { url: string } | 'none';
  /** Append-only persistence (default true); the bench turns it off to show the other case. */
  redisAppendonly?: boolean;
  /** Extra env for every app replica (e.g. PASSWORD_HASH_COST). */
  env?: Record<string, string>;
  proxyEnv?: Record<string, string>;
  /**
   * Put the latency injector (docs/distance.md) on these paths: `redis` (replicas→Redis) and/or
   * `replicas` (proxy→replicas), with this initial delay per direction; change it at run time
   * through the injector's control API (RunningCluster.latency).
   */
  latency?: { paths: LatencyPath[]; upMs?: number; downMs?: number; jitterMs?: number };
  /**
   * HAProxy and/or nginx in front of the same replicas, beside the proxy, on their own frontends
   * (haproxy portBase+3..5, nginx portBase+6..8), configs generated from the topology (docs/proxy.md).
   */
  balancers?: ExternalBalancerName[];
  logs?: 'inherit' | 'silent' | NodeJS.WritableStream;
  // ---- beyond the contract (all optional) ----
  /** Logs, redis data and state; default <repo>/.authscale/<portBase>. */
  runDir?: string;
  /** redis-server binary; default $REDIS_SERVER_BIN, else redis-server on PATH. */
  redisServerBin?: string;
  /** redis-sentinel binary (HA); default $REDIS_SENTINEL_BIN, else redis-sentinel on PATH. */
  redisSentinelBin?: string;
  /** How long one service may take to become healthy. */
  startTimeoutMs?: number;
  /** Grace period of a graceful stop before SIGKILL. */
  stopGraceMs?: number;
}

const stringRecord = z.record(z.string(), z.string());

export const launchOptionsSchema = z.object({
  portBase: z.number().int().min(1024).max(MAX_PORT_BASE).default(DEFAULT_PORT_BASE),
  withApp4: z.boolean().default(false),
  redis: z.union([z.enum(['spawn', 'ha', 'none']), z.object({ url: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL') })]).default('spawn'),
  redisAppendonly: z.boolean().default(true),
  env: stringRecord.default({}),
  proxyEnv: stringRecord.default({}),
  latency: z.object({
    paths: z.array(z.enum(LATENCY_PATHS as [LatencyPath, ...LatencyPath[]])).min(1, 'name at least one path (redis, replicas)'),
    upMs: z.number().min(0).max(10_000).default(0),
    downMs: z.number().min(0).max(10_000).default(0),
    jitterMs: z.number().min(0).max(10_000).default(0),
  }).strict().optional(),
  balancers: z.array(z.enum(EXTERNAL_BALANCERS as [ExternalBalancerName, ...ExternalBalancerName[]])).default([])
    .refine((list) => new Set(list).size === list.length, 'a balancer is listed twice'),
  logs: z.enum(['inherit', 'silent']).default('inherit'),
  runDir: z.string().min(1).optional(),
  redisServerBin: z.string().min(1).optional(),
  redisSentinelBin: z.string().min(1).optional(),
  startTimeoutMs: z.number().int().positive().default(20_000),
  stopGraceMs: z.number().int().positive().default(5_000),
}).superRefine((options, ctx) => {
  // With Sentinels (or no Redis) the replicas never use the injector's Redis link: refuse rather than measure nothing.
  if (options.latency?.paths.includes('redis') && (options.redis === 'ha' || options.redis === 'none')) {
    ctx.addIssue({ code: 'custom', path: ['latency', 'paths'], message: `the redis path needs one Redis the launcher runs or a Redis URL, not redis: '${options.redis}'${options.redis === 'ha' ? ' (the Sentinels hand the replicas the primary\'s own address, past the injector)' : ''}` });
  }
});

export type LaunchConfig = Readonly<Omit<z.infer<typeof launchOptionsSchema>, 'logs'> & { logs: 'inherit' | 'silent' | NodeJS.WritableStream }>;

export function parseLaunchOptions(options: LaunchOptions): LaunchConfig {
  // The log stream is a live object: keep it out of deepFreeze.
  const { logs, ...rest } = options;
  const config = parseConfig('cluster', launchOptionsSchema, { ...rest, logs: typeof logs === 'object' ? 'silent' : logs });
  return typeof logs === 'object' ? Object.freeze({ ...config, logs }) : config;
}
