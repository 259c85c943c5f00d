import Redis from 'ioredis';
import type { Logger } from '../../common/logger';

export type RedisClient = Redis;

/** Clients being closed on purpose (their 'end' is expected). */
const closing = new WeakSet<Redis>();

export interface RedisClientOptions {
  url: string;
  commandTimeoutMs: number;
  /** HA: ask these Sentinels for the primary of `sentinelMaster` (the URL then gives only the password). */
  sentinels?: readonly { host: string; port: number }[];
  sentinelMaster?: string;
  /** ioredis auto-pipelining (docs/distance.md: measured, off by default). */
  autoPipelining?: boolean;
}

/**
 * The one Redis client of a replica (sessions, throttling, denylist and refresh families all use
 * it, so all follow the primary together). It fails fast instead of hanging: no offline queue
 * (a command while disconnected fails at once), a command timeout (a stalled Redis), and
 * reconnection forever with a capped backoff, so the replica resumes by itself when Redis returns.
 * With Sentinels, each reconnect asks them where the primary is, so the replica follows a
 * failover; a node that answers READONLY (a primary demoted while still up) forces a reconnect.
 */
export function createRedisClient(options: RedisClientOptions, logger: Logger): RedisClient {
  const log = logger.child({ component: 'redis' });
  const common = {
    enableOfflineQueue: false,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 10), 1000),
    lazyConnect: false,
    enableAutoPipelining: options.autoPipelining ?? false,
  };
  let client: Redis;
  if (options.sentinels && options.sentinels.length > 0) {
    const url = new URL(options.url);
    const password = url.password ? decodeURIComponent(url.password) : undefined;
    client = new Redis({
      ...common,
      sentinels: options.sentinels.map((s) => ({ host: s.host, port: s.port })),
      name: options.sentinelMaster ?? 'authscale',
      ...(password ? { password, sentinelPassword: password } : {}),
      sentinelRetryStrategy: (attempt: number) => Math.min(100 * attempt, 1000),
      // Not ioredis' failoverDetector: its +switch-master handler can land while a reconnect is
      // asking a Sentinel, which ends the client for good (seen under load: one replica of three
      // never followed the failover). A killed primary closes the connection anyway, and a demoted one says READONLY.
      failoverDetector: false,
      reconnectOnError: (err: Error) => (err.message.startsWith('READONLY') ? 1 : false),
    });
  } else {
    client = new Redis(options.url, common);
  }
  // Never give up on Redis: should ioredis end the client on its own (not through closeRedisClient),
  // start over, so a replica does not stay cut off from Redis until it is restarted.
  client.on('end', () => {
    if (closing.has(client)) return;
    log.warn('redis client ended unexpectedly: reconnecting');
    setTimeout(() => {
      if (!closing.has(client) && client.status === 'end') client.connect().catch(() => undefined);
    }, 500).unref();
  });
  // Log transitions only; ioredis repeats 'error' on every failed reconnect.
  let up = false;
  client.on('ready', () => {
    if (!up) log.info({ primary: redisEndpoint(client) }, 'redis connected');
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

/** `host:port` of the node the client is connected to now (with Sentinels: the primary it found), if connected. */
export function redisEndpoint(client: RedisClient): string | null {
  const stream = (client as unknown as { stream?: { remoteAddress?: string; remotePort?: number } }).stream;
  return client.status === 'ready' && stream?.remoteAddress ? `${stream.remoteAddress}:${stream.remotePort}` : null;
}

/** Close politely (QUIT) if connected, else just drop the reconnect loop. */
export async function closeRedisClient(client: RedisClient): Promise<void> {
  closing.add(client);
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
