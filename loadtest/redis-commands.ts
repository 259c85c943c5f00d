import { Redis } from 'ioredis';
import { redisCommandCount } from './scenarios/revocation';

/**
 * Counts the commands Redis has run (INFO commandstats), so a cell can report Redis commands
 * per request: the round trips a mode costs, measured rather than inferred from throughput.
 * Only where the bench can reach Redis (its own cluster); otherwise every count is undefined.
 */
export class RedisCommandCounter {
  private constructor(private readonly redis: Redis | undefined) {}

  static async open(url: string | undefined): Promise<RedisCommandCounter> {
    if (!url) return new RedisCommandCounter(undefined);
    const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined); // an unreachable Redis only means "not measured"
    const connected = await redis.connect().then(() => true, () => false);
    if (!connected) redis.disconnect();
    return new RedisCommandCounter(connected ? redis : undefined);
  }

  async count(): Promise<number | undefined> {
    const info = this.redis ? await this.redis.info('commandstats').catch(() => undefined) : undefined;
    return info === undefined ? undefined : redisCommandCount(info);
  }

  close(): void {
    this.redis?.disconnect();
  }
}
