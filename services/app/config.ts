import os from 'node:os';
import { z } from 'zod';
import {
  DEVELOPMENT_SECRETS, appEnv, bool, csv, logLevel, parseConfig, port, positiveInt, secretWeakness, type Env,
} from '../../common/config';
import { checkServerLimits, serverLimitsEnv, serverLimitsOf } from '../../common/server-limits';
import { JWT_ALGORITHMS, parseKeyRing } from './auth/signing-keys';
import { availableCpus } from './cpu-quota';

/** How often a session's lifetime is renewed in its store (see README, "The app replica", "Touch policy"). */
export const TOUCH_POLICIES = ['rolling', 'always', 'never'] as const;
export type TouchPolicy = (typeof TOUCH_POLICIES)[number];

/** Login admission defaults from the CPU count (quota included); see docs/login-admission.md. */
export function admissionDefaults(cpus: number): { concurrency: number; queueLimit: number } {
  // Half the CPUs hash (at lowered priority); each waiting login holds only its request.
  const concurrency = Math.max(1, Math.floor(cpus / 2));
  return { concurrency, queueLimit: 32 * concurrency };
}

/**
 * Synchronous replication of session writes (docs/redis-ha.md) and the Redis command timeout
 * its WAIT must stay below: the app's defaults, which the compose HA override passes on too.
 */
export const SESSION_WAIT_DEFAULTS = Object.freeze({ replicas: 0, timeoutMs: 250, redisCommandTimeoutMs: 500 });

// Below the proxy's UPSTREAM_TIMEOUT_MS (10 s): a login the proxy gave up on is never hashed.
const DEFAULT_LOGIN_QUEUE_TIMEOUT_MS = 3000;

const schema = (cpus: number) => z
  .object({
    APP_ENV: appEnv,
    PORT: port.default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    INSTANCE_ID: z.string().min(1).max(64).regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only').default(os.hostname()),
    LOG_LEVEL: logLevel,
    REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').default('redis://127.0.0.1:6379'),
    REDIS_COMMAND_TIMEOUT_MS: positiveInt.max(10_000).default(SESSION_WAIT_DEFAULTS.redisCommandTimeoutMs),
    // ioredis auto-pipelining: commands issued in the same tick share one write (docs/distance.md).
    REDIS_AUTO_PIPELINING: bool.default(false),
    // HA (docs/redis-ha.md): the Sentinels to ask for the primary; REDIS_URL then gives only the password.
    REDIS_SENTINELS: csv.pipe(z.array(z.string().regex(/^[^\s:,]+:\d{1,5}$/, 'each must be host:port'))).optional(),
    REDIS_SENTINEL_MASTER: z.string().min(1).max(64).regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only').default('authscale'),
    // Synchronous replication of session writes: WAIT for this many replicas (0: off, Redis's asynchronous default).
    SESSION_WAIT_REPLICAS: z.coerce.number().int().min(0).max(5).default(SESSION_WAIT_DEFAULTS.replicas),
    SESSION_WAIT_TIMEOUT_MS: positiveInt.max(10_000).default(SESSION_WAIT_DEFAULTS.timeoutMs),
    SESSION_SECRET: csv.optional(),
    JWT_SECRET: z.string().optional(),
    JWT_ISSUER: z.string().min(1).default('authscale'),
    JWT_AUDIENCE: z.string().min(1).default('authscale-api'),
    JWT_ACCESS_TTL_SECONDS: positiveInt.max(86_400).default(900),
    // JWT lifecycle (README, "JWT lifecycle"): key ring, refresh rotation (RFC 9700 §4.14).
    JWT_ALGORITHM: z.enum(JWT_ALGORITHMS).default('HS256'),
    JWT_KEYS: z.string().optional(),
    JWT_SIGNING_KID: z.string().optional(),
    JWT_REFRESH_TTL_SECONDS: positiveInt.max(90 * 86_400).default(7 * 86_400),
    JWT_REFRESH_REUSE_GRACE_SECONDS: z.coerce.number().int().min(0).max(60).default(2),
    SESSION_TTL_SECONDS: positiveInt.max(30 * 86_400).default(3600),
    MEMORY_SESSION_MAX: positiveInt.default(100_000),
    SESSION_TOUCH: z.enum(TOUCH_POLICIES).default('rolling'),
    // "always": Secure on every session cookie (production's default and only choice); "auto":
    // Secure when the request came over HTTPS through a trusted proxy (development over plain HTTP).
    SESSION_COOKIE_SECURE: z.enum(['auto', 'always']).optional(),
    // OWASP (2024): scrypt N=2^17, r=8, p=1. Below 10 is no hash at all; above 20 needs > 1 GiB per login.
    PASSWORD_HASH_COST: z.coerce.number().int().min(4).max(20).default(17),
    DEMO_PASSWORD: z.string().min(1).default('demo-password'),
    TRUST_PROXY: z.string().min(1).default('loopback, linklocal, uniquelocal'),
    LOGIN_MAX_FAILURES: positiveInt.default(5),
    LOGIN_FAILURE_WINDOW_SECONDS: positiveInt.default(300),
    // Session hardening (README, "Security"): OWASP Session Management — idle 15–30 min for
    // low-risk apps, an absolute bound of a working day; throttling per account and per address.
    SESSION_IDLE_TIMEOUT_SECONDS: positiveInt.max(30 * 86_400).default(1800),
    SESSION_ABSOLUTE_TIMEOUT_SECONDS: positiveInt.max(90 * 86_400).default(28_800),
    LOGIN_ACCOUNT_MAX_FAILURES: positiveInt.default(20),
    LOGIN_ADDRESS_MAX_FAILURES: positiveInt.default(100),
    // Login admission (docs/login-admission.md): bounded hashing, bounded wait.
    LOGIN_HASH_CONCURRENCY: positiveInt.max(64).default(admissionDefaults(cpus).concurrency),
    LOGIN_QUEUE_LIMIT: z.coerce.number().int().min(0).max(10_000).default(admissionDefaults(cpus).queueLimit),
    LOGIN_QUEUE_TIMEOUT_MS: positiveInt.max(60_000).default(DEFAULT_LOGIN_QUEUE_TIMEOUT_MS),
    LOGIN_HASH_NICE: z.coerce.number().int().min(0).max(19).default(10),
    // Overloaded (a login refused lately), hash only while the event loop waited for a CPU at most this share of the last 300 ms (1: always).
    LOGIN_OVERLOAD_CPU_WAIT: z.coerce.number().min(0).max(1).default(0.15),
    SHUTDOWN_TIMEOUT_MS: positiveInt.default(10_000),
    ...serverLimitsEnv,
  })
  .superRefine(checkServerLimits)
  .superRefine((env, ctx) => {
    if (env.SESSION_WAIT_REPLICAS > 0 && env.SESSION_WAIT_TIMEOUT_MS >= env.REDIS_COMMAND_TIMEOUT_MS) {
      ctx.addIssue({ code: 'custom', path: ['SESSION_WAIT_TIMEOUT_MS'], message: `must be below REDIS_COMMAND_TIMEOUT_MS (${env.REDIS_COMMAND_TIMEOUT_MS}), or the client gives up on WAIT first` });
    }
  })
  .superRefine((env, ctx) => {
    if (env.APP_ENV !== 'production') return;
    const sessionSecrets = env.SESSION_SECRET ?? [];
    if (sessionSecrets.length === 0) ctx.addIssue({ code: 'custom', path: ['SESSION_SECRET'], message: 'is required in production' });
    sessionSecrets.forEach((secret, i) => {
      const weakness = secretWeakness(secret);
      if (weakness) ctx.addIssue({ code: 'custom', path: ['SESSION_SECRET', i], message: weakness });
    });
    // A demo password guards real logins in production: at least 12 characters, no placeholder.
    const demo = secretWeakness(env.DEMO_PASSWORD, 12);
    if (demo) ctx.addIssue({ code: 'custom', path: ['DEMO_PASSWORD'], message: demo });
    if (env.SESSION_COOKIE_SECURE !== undefined && env.SESSION_COOKIE_SECURE !== 'always') {
      ctx.addIssue({ code: 'custom', path: ['SESSION_COOKIE_SECURE'], message: 'must be "always" in production: a session cookie without Secure travels over plain HTTP' });
    }
    if (env.PASSWORD_HASH_COST < MIN_PRODUCTION_HASH_COST) {
      ctx.addIssue({ code: 'custom', path: ['PASSWORD_HASH_COST'], message: `is ${env.PASSWORD_HASH_COST}; production needs at least ${MIN_PRODUCTION_HASH_COST} (scrypt N=2^17, OWASP)` });
    }
    const redisPassword = redisPasswordOf(env.REDIS_URL);
    if (redisPassword !== undefined) {
      const weakness = redisPassword === DEVELOPMENT_SECRETS.redisPassword ? 'is the built-in development value' : secretWeakness(redisPassword, 16);
      if (weakness) ctx.addIssue({ code: 'custom', path: ['REDIS_URL'], message: `its password ${weakness}` });
    }
  })
  // The JWT key ring is checked in every environment (a key must parse); production's refusals inside.
  .superRefine((env, ctx) => {
    for (const problem of keyRingOf(env).problems) ctx.addIssue({ code: 'custom', path: problem.path.split('.'), message: problem.message });
  })
  .transform((env) => ({
    appEnv: env.APP_ENV,
    port: env.PORT,
    host: env.HOST,
    instanceId: env.INSTANCE_ID,
    logLevel: env.LOG_LEVEL,
    redis: {
      url: env.REDIS_URL,
      commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
      autoPipelining: env.REDIS_AUTO_PIPELINING,
      ...(env.REDIS_SENTINELS && env.REDIS_SENTINELS.length > 0 ? {
        sentinels: env.REDIS_SENTINELS.map((entry) => ({ host: entry.slice(0, entry.lastIndexOf(':')), port: Number(entry.slice(entry.lastIndexOf(':') + 1)) })),
        sentinelMaster: env.REDIS_SENTINEL_MASTER,
      } : {}),
    },
    sessionWait: { replicas: env.SESSION_WAIT_REPLICAS, timeoutMs: env.SESSION_WAIT_TIMEOUT_MS },
    session: {
      secrets: env.SESSION_SECRET && env.SESSION_SECRET.length > 0 ? env.SESSION_SECRET : [DEVELOPMENT_SECRETS.session],
      ttlSeconds: env.SESSION_TTL_SECONDS,
      memoryMax: env.MEMORY_SESSION_MAX,
      touch: env.SESSION_TOUCH,
      cookieSecure: env.SESSION_COOKIE_SECURE ?? (env.APP_ENV === 'production' ? 'always' : 'auto'),
      idleTimeoutSeconds: env.SESSION_IDLE_TIMEOUT_SECONDS,
      absoluteTimeoutSeconds: env.SESSION_ABSOLUTE_TIMEOUT_SECONDS,
    },
    jwt: {
      secret: env.JWT_SECRET ?? DEVELOPMENT_SECRETS.jwt,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      accessTtlSeconds: env.JWT_ACCESS_TTL_SECONDS,
      // Plain data (kid, algorithm, key text); the app builds KeyObjects from it once.
      keyRing: keyRingOf(env).spec!,
      refreshTtlSeconds: env.JWT_REFRESH_TTL_SECONDS,
      refreshReuseGraceSeconds: env.JWT_REFRESH_REUSE_GRACE_SECONDS,
    },
    passwords: { hashCost: env.PASSWORD_HASH_COST, demoPassword: env.DEMO_PASSWORD },
    trustProxy: env.TRUST_PROXY,
    loginThrottle: {
      maxFailures: env.LOGIN_MAX_FAILURES,
      windowSeconds: env.LOGIN_FAILURE_WINDOW_SECONDS,
      accountMaxFailures: env.LOGIN_ACCOUNT_MAX_FAILURES,
      addressMaxFailures: env.LOGIN_ADDRESS_MAX_FAILURES,
    },
    loginAdmission: {
      concurrency: env.LOGIN_HASH_CONCURRENCY,
      queueLimit: env.LOGIN_QUEUE_LIMIT,
      queueTimeoutMs: env.LOGIN_QUEUE_TIMEOUT_MS,
      hashNice: env.LOGIN_HASH_NICE,
      overloadCpuWait: env.LOGIN_OVERLOAD_CPU_WAIT,
      cpus,
    },
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    limits: serverLimitsOf(env),
  }));

export type AppConfig = Readonly<z.infer<ReturnType<typeof schema>>>;

/** OWASP's minimum for scrypt (N=2^17, r=8, p=1); development may go lower for fast tests. */
export const MIN_PRODUCTION_HASH_COST = 17;

/** The password in a redis:// URL (user info after ":"), or undefined when there is none. */
function redisPasswordOf(url: string): string | undefined {
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password === '' ? undefined : password;
  } catch {
    return undefined;
  }
}

function keyRingOf(env: { APP_ENV: string; JWT_ALGORITHM: (typeof JWT_ALGORITHMS)[number]; JWT_KEYS?: string; JWT_SIGNING_KID?: string; JWT_SECRET?: string }) {
  return parseKeyRing({ appEnv: env.APP_ENV, algorithm: env.JWT_ALGORITHM, keys: env.JWT_KEYS, signingKid: env.JWT_SIGNING_KID, secret: env.JWT_SECRET });
}

/**
 * Validate the environment once; throws a ConfigError listing every problem. The result is frozen.
 * `cpus` (default: this process's, cgroup quota included) sizes the login admission defaults.
 */
export function loadAppConfig(env: Env, cpus: number = availableCpus()): AppConfig {
  // An empty variable (`JWT_SECRET=` in a compose file) means "not set", not "the empty secret".
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  return parseConfig('app', schema(cpus), present);
}
