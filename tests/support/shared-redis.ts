import Redis from 'ioredis';
import { DATABASES, sharedRedisBaseUrl } from './global-redis';

const COUNTER = 'authscale-test:next-database';

let mine: Promise<string> | undefined;

/**
 * A Redis URL for this test file alone: a fresh database (1..63) on the run's shared
 * redis-server, the same one for every fixture of the file (jest gives each file its own module
 * registry). Database 0 only holds the counter that hands databases out, atomically across
 * jest's parallel workers.
 */
export function sharedRedisUrl(): Promise<string> {
  mine ??= allocate();
  return mine;
}

async function allocate(): Promise<string> {
  const base = sharedRedisBaseUrl();
  const admin = new Redis(base, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await admin.connect();
    const database = await admin.incr(COUNTER);
    if (database >= DATABASES) throw new Error(`the shared test Redis has only ${DATABASES - 1} databases for test files; raise DATABASES in global-redis.ts`);
    return `${base}/${database}`;
  } finally {
    admin.disconnect();
  }
}
