import type { Express } from 'express';
import { waitFor } from '../../../common/poll';
import { sharedRedisUrl } from '../../support/shared-redis';
import { silentLogger } from '../../../common/logger';
import { createApp, type AppInstance } from '../../../services/app/app';
import type { Clock } from '../../../services/app/clock';
import { loadAppConfig, type AppConfig } from '../../../services/app/config';
import { UserDirectory } from '../../../services/app/passwords';
import { closeRedisClient, createRedisClient, type RedisClient } from '../../../services/app/redis-client';

/** A clock the test moves by hand. */
export class FakeClock implements Clock {
  constructor(public current = Date.now()) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

export const DEMO = { username: 'alice', password: 'demo-password' } as const;

export interface TestApp {
  app: Express;
  instance: AppInstance;
  config: AppConfig;
  redis: RedisClient;
  clock: FakeClock;
  close(): Promise<void>;
}

/**
 * The real app in-process against a real Redis URL (started by the test), with a cheap
 * password hash (cost 10) so logins take milliseconds.
 */
export async function startTestApp(redisUrl: string, env: Record<string, string> = {}): Promise<TestApp> {
  const config = loadAppConfig({
    INSTANCE_ID: 'app-test',
    REDIS_URL: redisUrl,
    PASSWORD_HASH_COST: '10',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const clock = new FakeClock();
  const logger = silentLogger();
  const redis = createRedisClient(config.redis, logger);
  const users = await UserDirectory.demo(config.passwords.demoPassword, config.passwords.hashCost);
  const instance = createApp(config, { logger, clock, redis, users });
  await waitFor(() => redis.status === 'ready', 5_000);
  return {
    app: instance.app,
    instance,
    config,
    redis,
    clock,
    async close() {
      await instance.close();
      await closeRedisClient(redis);
    },
  };
}

/**
 * The fixture "a replica with Redis": one in-process app on this file's own database of the
 * run's shared Redis (or on `redisUrl()` when the test brings its own server, to kill it),
 * started before the file's tests and closed after them. The returned object is filled in by
 * beforeAll, so tests read `t.app` as usual.
 */
export function useTestApp(env: Record<string, string> = {}, redisUrl: () => Promise<string> = sharedRedisUrl): TestApp {
  const t = {} as TestApp;
  beforeAll(async () => {
    Object.assign(t, await startTestApp(await redisUrl(), env));
  });
  afterAll(async () => {
    await t.close?.();
  });
  return t;
}

/** `name=value` of a Set-Cookie header for `name`, or undefined. */
export function cookieFrom(setCookie: string[] | string | undefined, name: string): string | undefined {
  const list = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const line = list.find((c) => c.startsWith(`${name}=`));
  return line?.split(';')[0];
}

export function setCookieLine(setCookie: string[] | string | undefined, name: string): string | undefined {
  const list = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  return list.find((c) => c.startsWith(`${name}=`));
}
