import { z } from 'zod';
import { DEVELOPMENT_SECRETS, appEnv, logLevel, nonNegativeInt, parseConfig, port, positiveInt, secretWeakness, type Env } from '../common/config';
import type { LinkDelay, LinkSpec } from './link';

/** The most delay a link may add per direction: enough for any zone or region, bounded so a typo cannot hang a cluster. */
export const MAX_DELAY_MS = 10_000;

/**
 * `LATENCY_LINKS`: comma-separated `name=listenPort>host:port`, e.g.
 * `redis=6379>redis:6379,app1=3001>app1:3000`. Names are letters, digits and dashes.
 */
const LINK_PATTERN = /^([A-Za-z0-9-]+)=(\d+)>([^:\s]+):(\d+)$/;

export function parseLinks(value: string, listenHost: string): { links: LinkSpec[]; problems: string[] } {
  const links: LinkSpec[] = [];
  const problems: string[] = [];
  for (const entry of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const match = LINK_PATTERN.exec(entry);
    if (!match) {
      problems.push(`"${entry}" is not name=listenPort>host:port`);
      continue;
    }
    const [, name, listen, targetHost, target] = match;
    const listenPort = Number(listen);
    const targetPort = Number(target);
    if (listenPort > 65535 || targetPort < 1 || targetPort > 65535) problems.push(`"${entry}": ports must be 0-65535 (target 1-65535)`);
    if (links.some((l) => l.name === name)) problems.push(`link "${name}" is listed twice`);
    links.push({ name, listenHost, listenPort, targetHost, targetPort });
  }
  if (links.length === 0 && problems.length === 0) problems.push('at least one link is required');
  return { links, problems };
}

const delayMs = z.coerce.number().min(0).max(MAX_DELAY_MS);

const schema = z
  .object({
    APP_ENV: appEnv,
    LOG_LEVEL: logLevel,
    LATENCY_HOST: z.string().min(1).default('127.0.0.1'),
    LATENCY_LINKS: z.string().min(1, 'is required'),
    LATENCY_CONTROL_PORT: port.default(8095),
    LATENCY_UP_MS: delayMs.default(0),
    LATENCY_DOWN_MS: delayMs.default(0),
    LATENCY_JITTER_MS: delayMs.default(0),
    LATENCY_MAX_CONNECTIONS: positiveInt.max(100_000).default(4096),
    LATENCY_MAX_QUEUED_BYTES: positiveInt.max(64 * 1024 * 1024).default(1024 * 1024),
    LATENCY_CONNECT_TIMEOUT_MS: positiveInt.max(60_000).default(2000),
    LATENCY_PROBE_SAMPLES_MAX: nonNegativeInt.max(1000).default(200),
    ADMIN_TOKEN: z.string().optional(),
  })
  .superRefine((env, ctx) => {
    const { problems } = parseLinks(env.LATENCY_LINKS, env.LATENCY_HOST);
    for (const message of problems) ctx.addIssue({ code: 'custom', path: ['LATENCY_LINKS'], message });
    if (env.APP_ENV === 'production') {
      const weakness = secretWeakness(env.ADMIN_TOKEN, 24);
      if (weakness) ctx.addIssue({ code: 'custom', path: ['ADMIN_TOKEN'], message: weakness });
    }
  })
  .transform((env) => ({
    appEnv: env.APP_ENV,
    logLevel: env.LOG_LEVEL,
    host: env.LATENCY_HOST,
    controlPort: env.LATENCY_CONTROL_PORT,
    links: parseLinks(env.LATENCY_LINKS, env.LATENCY_HOST).links,
    delay: { upMs: env.LATENCY_UP_MS, downMs: env.LATENCY_DOWN_MS, jitterMs: env.LATENCY_JITTER_MS } satisfies LinkDelay,
    limits: {
      maxConnections: env.LATENCY_MAX_CONNECTIONS,
      maxQueuedBytes: env.LATENCY_MAX_QUEUED_BYTES,
      connectTimeoutMs: env.LATENCY_CONNECT_TIMEOUT_MS,
    },
    probeSamplesMax: env.LATENCY_PROBE_SAMPLES_MAX,
    adminToken: env.ADMIN_TOKEN ?? DEVELOPMENT_SECRETS.admin,
  }));

export type LatencyConfig = Readonly<z.infer<typeof schema>>;

/** Validate the environment once; throws a ConfigError listing every problem. */
export function loadLatencyConfig(env: Env): LatencyConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  return parseConfig('latency', schema, present);
}

/** A delay change from the control API: each field optional, the rest kept. */
export const delayPatchSchema = z
  .object({ upMs: delayMs, downMs: delayMs, jitterMs: delayMs })
  .partial()
  .strict();
