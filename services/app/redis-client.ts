import Redis from 'ioredis';
import type { Logger } from '../../common/logger';

export type RedisClient = Redis;

/**
 * A Redis client that fails fast instead of hanging: no offline queue (a command while
 * disconnected fails at once), a command timeout (a stalled Redis), and reconnection forever
 * with a capped backoff, so the replica resumes by itself when Redis returns.
 */
export function createRedisClient(options: { url: string; commandTimeoutMs: number; autoPipelining?: boolean }, logger: Logger): RedisClient {
  const log = logger.child({ component: 'redis' });
  const client = new Redis(options.url, {
    enableOfflineQueue: false,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 10), 1000),
    lazyConnect: false,
    enableAutoPipelining: options.autoPipelining ?? false,
  });
  // Log transitions only; ioredis repeats 'error' on every failed reconnect.
  let up = false;
  client.on('ready', () => {
    if (!up) log.info('redis connected');
    up = true;
  });
  client.on('error', (err: Error) => {
    if (up) log.warn({ err: err.message }, 'redis connection lost');
    up = false;
  });
  client.on('close', () => {
    if (up) log.warn('redis connection closed');
    up = false;
  });
  return client;
}

/** Close politely (QUIT) if connected, else just drop the reconnect loop. */
export async function closeRedisClient(client: RedisClient): Promise<void> {
  if (client.status === 'end') return;
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch {
      // fall through to disconnect
    }
  }
  client.disconnect(false);
}
