import { z } from 'zod';

/**
 * Config is read from the environment once, at start-up, validated by a zod schema, and
 * frozen. Every problem is listed in one error, so an operator fixes them all in one go.
 */
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(service: string, problems: string[]) {
    super(`${service}: invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = Object.freeze([...problems]);
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

export function formatZodIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : '(config)';
    return `${where}: ${issue.message}`;
  });
}

/** Parse `input` with `schema`; throw a ConfigError listing every issue; return it frozen (deeply). */
export function parseConfig<S extends z.ZodType>(service: string, schema: S, input: unknown): Readonly<z.infer<S>> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ConfigError(service, formatZodIssues(result.error));
  return deepFreeze(result.data);
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value as object)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

// ---- reusable field schemas (environment values are strings) ----

export const port = z.coerce.number().int().min(0).max(65535);
export const positiveInt = z.coerce.number().int().positive();
export const nonNegativeInt = z.coerce.number().int().min(0);
export const appEnv = z.enum(['development', 'test', 'production']).default('development');
export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');
export const bool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');
/** A comma-separated list in the environment; an array passed in directly is kept. */
export const csv = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter((s) => s.length > 0));

/** Known development secrets: allowed only when APP_ENV is not production. */
export const DEVELOPMENT_SECRETS = Object.freeze({
  session: 'dev-only-session-secret-change-me-0123456789abcdef',
  jwt: 'dev-only-jwt-secret-change-me-0123456789abcdefghijkl',
  admin: 'dev-only-admin-token-change-me',
  redisPassword: 'dev-only-redis-password',
});

const WEAK_WORDS = ['secret', 'password', 'changeme', 'change-me', 'dev-only', 'example', 'default', '123456'];

/**
 * Why a secret is unfit for production, or undefined when it is fine. Production secrets must
 * be long (≥ 32 characters), not a known development value, and not a dictionary placeholder.
 */
export function secretWeakness(secret: string | undefined, minLength = 32): string | undefined {
  if (!secret) return 'is required in production';
  if ((Object.values(DEVELOPMENT_SECRETS) as string[]).includes(secret)) return 'is a built-in development value';
  if (secret.length < minLength) return `is too short (${secret.length} characters; at least ${minLength})`;
  const lower = secret.toLowerCase();
  const word = WEAK_WORDS.find((w) => lower.includes(w));
  if (word) return `looks like a placeholder (contains "${word}")`;
  if (new Set(secret).size < 8) return 'has too few distinct characters';
  return undefined;
}
