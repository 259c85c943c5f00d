import { RedisServer } from './redis-server';

/**
 * Jest globalSetup/globalTeardown: one real redis-server for the whole run instead of one per
 * test file. Each file takes its own database on it (shared-redis.ts), so files running in
 * parallel never see each other's sessions or throttle counters. Tests that kill or pause Redis
 * start their own RedisServer.
 */
export const DATABASES = 64;
const URL_VARIABLE = 'AUTHSCALE_TEST_REDIS_URL';

// Setup and teardown may be loaded as separate module instances: the server is kept on globalThis.
const holder = globalThis as { authscaleTestRedis?: RedisServer };

export async function setup(): Promise<void> {
  const server = await RedisServer.start({ appendonly: false, databases: DATABASES });
  holder.authscaleTestRedis = server;
  // Workers inherit the parent's environment: that is how the URL reaches every test file.
  process.env[URL_VARIABLE] = server.url;
}

export async function teardown(): Promise<void> {
  await holder.authscaleTestRedis?.stop();
  holder.authscaleTestRedis = undefined;
}

export function sharedRedisBaseUrl(): string {
  const url = process.env[URL_VARIABLE];
  if (!url) throw new Error(`${URL_VARIABLE} is not set: run the tests through jest (its globalSetup starts the shared Redis)`);
  return url;
}
