import { repoRoot } from '../common/repo-root';
import { DEFAULT_PORT_BASE, portOf } from '../common/ports';
import { STRATEGIES, type StrategyName } from '../common/vocabulary';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DEVELOPMENT_SECRETS, appEnv, csv, logLevel, nonNegativeInt, parseConfig, positiveInt, port, secretWeakness, type Env } from '../common/config';
import { BALANCING, DEV_AFFINITY_SECRET } from '../common/balancing';
import { accessibleFile } from '../common/files';
import { checkServerLimits, serverLimitsEnv, serverLimitsOf } from '../common/server-limits';
import { parseCidr, type Cidr } from './net/cidr';

export { STRATEGIES, type StrategyName } from '../common/vocabulary';

export interface FrontendConfig {
  readonly port: number;
  readonly strategy: StrategyName;
}
export interface UpstreamConfig {
  readonly id: string;
  readonly url: string;
}

/** Upstream ids become pool ids, cookie keys and metric labels: keep them plain. */
export const UPSTREAM_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;


const frontend = z
  .string()
  .regex(/^\d{1,5}:[a-z-]+$/, 'expected port:strategy, e.g. 8080:round-robin')
  .transform((s) => {
    const [p, strategy] = s.split(':');
    return { port: p as unknown, strategy: strategy as unknown };
  })
  .pipe(z.object({ port, strategy: z.enum(STRATEGIES) }));

export const upstreamUrl = z
  .string()
  .url()
  .refine((u) => {
    const parsed = new URL(u);
    return parsed.protocol === 'http:' && (parsed.pathname === '/' || parsed.pathname === '') && !parsed.search;
  }, 'expected http://host:port with no path or query')
  .transform((u) => new URL(u).origin);

const upstream = z
  .string()
  .regex(/^[^=]+=.+$/, 'expected id=url, e.g. app1=http://127.0.0.1:3001')
  .transform((s) => {
    const at = s.indexOf('=');
    return { id: s.slice(0, at), url: s.slice(at + 1) };
  })
  .pipe(z.object({ id: z.string().regex(UPSTREAM_ID, 'id must be letters, digits, _ . -'), url: upstreamUrl }));

const DEFAULT_UPSTREAMS: UpstreamConfig[] = [
  { id: 'app1', url: 'http://127.0.0.1:3001' },
  { id: 'app2', url: 'http://127.0.0.1:3002' },
  { id: 'app3', url: 'http://127.0.0.1:3003' },
];

const cidr = z.string().transform((s, ctx) => {
  const parsed = parseCidr(s);
  if (!parsed) {
    ctx.addIssue({ code: 'custom', message: `"${s}" is not an IP address or CIDR block` });
    return z.NEVER;
  }
  return parsed;
});

const schema = z
  .object({
    APP_ENV: appEnv,
    LOG_LEVEL: logLevel,
    PROXY_HOST: z.string().min(1).default('0.0.0.0'),
    FRONTENDS: csv.default(STRATEGIES.map((strategy, i) => `${portOf(DEFAULT_PORT_BASE, 'frontends', i)}:${strategy}`)).pipe(z.array(frontend).min(1)),
    UPSTREAMS: csv.pipe(z.array(upstream)).optional(),
    UPSTREAM_DNS: z.preprocess((v) => (v === '' ? undefined : v), z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*:\d{1,5}$/, 'expected name:port, e.g. tasks.app:3000')
      .transform((s) => ({ name: s.slice(0, s.lastIndexOf(':')), port: s.slice(s.lastIndexOf(':') + 1) as unknown }))
      .pipe(z.object({ name: z.string(), port }))
      .optional()),
    UPSTREAM_DNS_INTERVAL_MS: positiveInt.default(2000),
    UPSTREAM_DRAIN_MS: positiveInt.default(30_000),
    // How long a replica's resolved host name is reused for new connections (proxy/net/upstream-lookup.ts).
    UPSTREAM_LOOKUP_TTL_MS: nonNegativeInt.default(1000),
    // None by default: no client chooses its address (docs/security.md, "Client address").
    TRUSTED_PROXIES: csv.default([]).pipe(z.array(cidr)),
    ADMIN_TOKEN: z.string().optional(),
    AFFINITY_SECRET: z.string().optional(),
    CLUSTER_CONTROL_URL: z.string().url().optional().or(z.literal('').transform(() => undefined)),
    DASHBOARD_DIR: z.string().min(1).optional(),
    HEALTH_INTERVAL_MS: positiveInt.default(BALANCING.healthIntervalMs),
    HEALTH_TIMEOUT_MS: positiveInt.default(BALANCING.healthTimeoutMs),
    HEALTH_RISE: positiveInt.default(BALANCING.healthRise),
    HEALTH_FALL: positiveInt.default(BALANCING.healthFall),
    UPSTREAM_TIMEOUT_MS: positiveInt.default(BALANCING.upstreamTimeoutMs),
    MAX_BUFFERED_BODY_BYTES: positiveInt.default(BALANCING.maxBufferedBodyBytes),
    SHUTDOWN_GRACE_MS: positiveInt.default(10_000),
    // HTTPS on every frontend (PEM files; docs/security.md, "TLS"). Production needs it, or a trusted proxy in front that does it.
    TLS_CERT_FILE: z.string().min(1).optional(),
    TLS_KEY_FILE: z.string().min(1).optional(),
    ...serverLimitsEnv,
  })
  .superRefine(checkServerLimits)
  .superRefine((env, ctx) => {
    const ports = env.FRONTENDS.map((f) => f.port).filter((p) => p !== 0);
    if (new Set(ports).size !== ports.length) ctx.addIssue({ code: 'custom', path: ['FRONTENDS'], message: 'a port is listed twice' });
    if (env.UPSTREAM_DNS && env.UPSTREAMS && env.UPSTREAMS.length > 0)
      ctx.addIssue({ code: 'custom', path: ['UPSTREAM_DNS'], message: 'set either UPSTREAMS (a static list) or UPSTREAM_DNS (discovery), not both' });
    const ids = (env.UPSTREAMS ?? []).map((u) => u.id);
    if (new Set(ids).size !== ids.length) ctx.addIssue({ code: 'custom', path: ['UPSTREAMS'], message: 'an upstream id is listed twice' });
    if (env.HEALTH_TIMEOUT_MS > env.HEALTH_INTERVAL_MS)
      ctx.addIssue({ code: 'custom', path: ['HEALTH_TIMEOUT_MS'], message: 'must not exceed HEALTH_INTERVAL_MS' });
    for (const name of ['TLS_CERT_FILE', 'TLS_KEY_FILE'] as const) {
      const file = env[name];
      if (file !== undefined && !accessibleFile(file, fs.constants.R_OK)) ctx.addIssue({ code: 'custom', path: [name], message: `${file} cannot be read` });
    }
    if ((env.TLS_CERT_FILE === undefined) !== (env.TLS_KEY_FILE === undefined)) {
      const missing = env.TLS_CERT_FILE === undefined ? 'TLS_CERT_FILE' : 'TLS_KEY_FILE';
      ctx.addIssue({ code: 'custom', path: [missing], message: 'TLS_CERT_FILE and TLS_KEY_FILE are given together' });
    }
    if (env.APP_ENV === 'production') {
      // Replicas set Secure session cookies in production: the browser must reach us over HTTPS.
      if (env.TLS_CERT_FILE === undefined && env.TRUSTED_PROXIES.length === 0) {
        ctx.addIssue({ code: 'custom', path: ['TLS_CERT_FILE'], message: 'production serves HTTPS: set TLS_CERT_FILE and TLS_KEY_FILE, or TRUSTED_PROXIES for the TLS-terminating proxy in front' });
      }
      const admin = secretWeakness(env.ADMIN_TOKEN);
      if (admin) ctx.addIssue({ code: 'custom', path: ['ADMIN_TOKEN'], message: admin });
      const affinity = secretWeakness(env.AFFINITY_SECRET);
      if (affinity) ctx.addIssue({ code: 'custom', path: ['AFFINITY_SECRET'], message: affinity });
    }
  })
  .transform((env) => ({
    appEnv: env.APP_ENV,
    logLevel: env.LOG_LEVEL,
    host: env.PROXY_HOST,
    frontends: env.FRONTENDS as FrontendConfig[],
    upstreams: (env.UPSTREAM_DNS ? [] : (env.UPSTREAMS ?? DEFAULT_UPSTREAMS)) as UpstreamConfig[],
    discovery: env.UPSTREAM_DNS
      ? { name: env.UPSTREAM_DNS.name, port: env.UPSTREAM_DNS.port, intervalMs: env.UPSTREAM_DNS_INTERVAL_MS, drainMs: env.UPSTREAM_DRAIN_MS }
      : undefined,
    trustedProxies: env.TRUSTED_PROXIES as Cidr[],
    adminToken: env.ADMIN_TOKEN ?? DEVELOPMENT_SECRETS.admin,
    affinitySecret: env.AFFINITY_SECRET ?? DEV_AFFINITY_SECRET,
    clusterControlUrl: env.CLUSTER_CONTROL_URL ? new URL(env.CLUSTER_CONTROL_URL).origin : undefined,
    dashboardDir: path.resolve(env.DASHBOARD_DIR ?? path.join(repoRoot(), 'dashboard')),
    health: {
      intervalMs: env.HEALTH_INTERVAL_MS,
      timeoutMs: env.HEALTH_TIMEOUT_MS,
      rise: env.HEALTH_RISE,
      fall: env.HEALTH_FALL,
    },
    upstreamTimeoutMs: env.UPSTREAM_TIMEOUT_MS,
    upstreamLookupTtlMs: env.UPSTREAM_LOOKUP_TTL_MS,
    maxBufferedBodyBytes: env.MAX_BUFFERED_BODY_BYTES,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    limits: serverLimitsOf(env),
    tls: env.TLS_CERT_FILE !== undefined && env.TLS_KEY_FILE !== undefined ? { certFile: env.TLS_CERT_FILE, keyFile: env.TLS_KEY_FILE } : undefined,
  }));

export type ProxyConfig = Readonly<z.infer<typeof schema>>;

/** Validate the proxy's environment once; every problem is listed in one ConfigError. */
export function loadProxyConfig(env: Env): ProxyConfig {
  return parseConfig('proxy', schema, env);
}
