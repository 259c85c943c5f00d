import { DEVELOPMENT_SECRETS } from '../../../common/config';
import { loadAppConfig } from '../../../services/app/config';
import { problemsOf } from './config-problems';

const STRONG_SESSION = 'k3J9x!Qp2vLz8Rt5Wm1Yb7Hc4Nd6Fg0Sa';
const STRONG_JWT = 'Zq8Lm2Xv5Rt9Wp1Kc7Hb4Nd6Fg3Sa0Jy!E';


test('when nothing is configured, then the development defaults of docs/app.md apply, frozen', () => {
  const config = loadAppConfig({});
  expect(config).toMatchObject({
    appEnv: 'development',
    port: 3000,
    host: '0.0.0.0',
    redis: { url: 'redis://127.0.0.1:6379' },
    session: { secrets: [DEVELOPMENT_SECRETS.session], ttlSeconds: 3600, memoryMax: 100_000, touch: 'rolling' },
    jwt: { secret: DEVELOPMENT_SECRETS.jwt, issuer: 'authscale', audience: 'authscale-api', accessTtlSeconds: 900 },
    passwords: { hashCost: 17, demoPassword: 'demo-password' },
    trustProxy: 'loopback, linklocal, uniquelocal',
    limits: { headersTimeoutSeconds: 10, requestTimeoutSeconds: 30, maxConnections: 2048 },
  });
  expect(Object.isFrozen(config)).toBe(true);
  expect(Object.isFrozen(config.session.secrets)).toBe(true);
});

test('when a variable is set to the empty string, then it counts as unset', () => {
  expect(loadAppConfig({ JWT_SECRET: '', PORT: '' })).toMatchObject({ port: 3000, jwt: { secret: DEVELOPMENT_SECRETS.jwt } });
});

test('when SESSION_SECRET lists several secrets, then all are kept in order (the first signs)', () => {
  expect(loadAppConfig({ SESSION_SECRET: 'new-one, old-one' }).session.secrets).toEqual(['new-one', 'old-one']);
});

test('when production starts without secrets, then every missing one is listed in one error', () => {
  const problems = problemsOf({ APP_ENV: 'production' });
  expect(problems).toEqual(expect.arrayContaining([
    expect.stringMatching(/^SESSION_SECRET: is required/),
    expect.stringMatching(/^JWT_SECRET: is required/),
    expect.stringMatching(/^DEMO_PASSWORD: /),
  ]));
});

test('when production is given the development or weak secrets, then each is refused with its reason', () => {
  const problems = problemsOf({
    APP_ENV: 'production',
    SESSION_SECRET: `${STRONG_SESSION},${DEVELOPMENT_SECRETS.session}`,
    JWT_SECRET: 'short',
    DEMO_PASSWORD: 'Another-Strong-Pass-123',
  });
  expect(problems).toEqual([
    'SESSION_SECRET.1: is a built-in development value',
    expect.stringMatching(/^JWT_SECRET: is too short/),
  ]);
});

test('when production is given strong secrets, then it starts', () => {
  const config = loadAppConfig({
    APP_ENV: 'production', SESSION_SECRET: STRONG_SESSION, JWT_SECRET: STRONG_JWT, DEMO_PASSWORD: 'Another-Strong-Pass-123',
  });
  expect(config.appEnv).toBe('production');
});

test('when several values are invalid, then all are listed at once', () => {
  const problems = problemsOf({
    PORT: 'eighty', SESSION_TOUCH: 'sometimes', PASSWORD_HASH_COST: '2', REDIS_URL: 'http://x', INSTANCE_ID: 'app 1',
  });
  expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(
    ['INSTANCE_ID', 'PASSWORD_HASH_COST', 'PORT', 'REDIS_URL', 'SESSION_TOUCH'],
  );
});

describe('production refuses weak settings, every one listed in one error (issue 13 item 5)', () => {
  const strong = { APP_ENV: 'production', SESSION_SECRET: STRONG_SESSION, JWT_SECRET: STRONG_JWT, DEMO_PASSWORD: 'Another-Strong-Pass-123' };

  test('when production is given cookies without Secure, a weak demo password, a cheap hash and the development Redis password, then each is listed', () => {
    const problems = problemsOf({
      ...strong,
      SESSION_COOKIE_SECURE: 'auto',
      DEMO_PASSWORD: 'alice2024',
      PASSWORD_HASH_COST: '12',
      REDIS_URL: `redis://:${DEVELOPMENT_SECRETS.redisPassword}@redis:6379`,
    });
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^SESSION_COOKIE_SECURE: .*Secure/),
      expect.stringMatching(/^DEMO_PASSWORD: is too short/),
      expect.stringMatching(/^PASSWORD_HASH_COST: .*17/),
      expect.stringMatching(/^REDIS_URL: .*development/),
    ]));
    expect(problems).toHaveLength(4);
  });

  test.each([
    ['a placeholder word', 'Password-Password-1'],
    ['too few distinct characters', 'aaaaaaaaaaaaaaaa'],
  ])('when the demo password is %s, then production refuses it', (_what, password) => {
    expect(problemsOf({ ...strong, DEMO_PASSWORD: password })).toEqual([expect.stringMatching(/^DEMO_PASSWORD: /)]);
  });

  test('when production sets nothing about cookies, then session cookies are always Secure; development keeps "auto"', () => {
    expect(loadAppConfig(strong).session.cookieSecure).toBe('always');
    expect(loadAppConfig({}).session.cookieSecure).toBe('auto');
  });
});

test('when REDIS_SENTINELS lists Sentinels, then the Redis client asks them for the named primary', () => {
  expect(loadAppConfig({ REDIS_SENTINELS: 'sentinel1:26379, 127.0.0.1:8102', REDIS_SENTINEL_MASTER: 'authscale' }).redis).toMatchObject({
    sentinels: [{ host: 'sentinel1', port: 26379 }, { host: '127.0.0.1', port: 8102 }], sentinelMaster: 'authscale',
  });
  expect(loadAppConfig({}).redis).not.toHaveProperty('sentinels');
  expect(loadAppConfig({}).sessionWait).toEqual({ replicas: 0, timeoutMs: 250 });
});

test('when REDIS_SENTINELS or the WAIT settings are wrong, then each problem is listed', () => {
  expect(problemsOf({ REDIS_SENTINELS: 'sentinel1', SESSION_WAIT_REPLICAS: '1', SESSION_WAIT_TIMEOUT_MS: '800' })).toEqual(expect.arrayContaining([
    expect.stringMatching(/^REDIS_SENTINELS\.0: each must be host:port/),
  ]));
  expect(problemsOf({ SESSION_WAIT_REPLICAS: '1', SESSION_WAIT_TIMEOUT_MS: '800' })).toEqual([
    expect.stringMatching(/^SESSION_WAIT_TIMEOUT_MS: must be below REDIS_COMMAND_TIMEOUT_MS \(500\)/),
  ]);
});

test('when login admission is not configured, then its defaults follow the CPU count given (quota included) and the queue wait stays below the proxy\'s 10 s', () => {
  const config = loadAppConfig({}, 4);
  expect(config.loginAdmission).toEqual({ concurrency: 2, queueLimit: 64, queueTimeoutMs: 3000, hashNice: 10, overloadCpuWait: 0.15, cpus: 4 });
  expect(loadAppConfig({ LOGIN_HASH_CONCURRENCY: '3', LOGIN_QUEUE_LIMIT: '0', LOGIN_QUEUE_TIMEOUT_MS: '8000', LOGIN_HASH_NICE: '19', LOGIN_OVERLOAD_CPU_WAIT: '1' }, 1).loginAdmission)
    .toEqual({ concurrency: 3, queueLimit: 0, queueTimeoutMs: 8000, hashNice: 19, overloadCpuWait: 1, cpus: 1 });
  expect(() => loadAppConfig({ LOGIN_OVERLOAD_CPU_WAIT: '1.5' }, 1)).toThrow(/LOGIN_OVERLOAD_CPU_WAIT/);
});

test('when login admission settings are out of range, then every one is listed', () => {
  const problems = problemsOf({ LOGIN_HASH_CONCURRENCY: '0', LOGIN_QUEUE_LIMIT: '-1', LOGIN_QUEUE_TIMEOUT_MS: 'soon', LOGIN_HASH_NICE: '20' });
  for (const name of ['LOGIN_HASH_CONCURRENCY', 'LOGIN_QUEUE_LIMIT', 'LOGIN_QUEUE_TIMEOUT_MS', 'LOGIN_HASH_NICE']) {
    expect(problems.some((p) => p.startsWith(`${name}:`))).toBe(true);
  }
});
