import { Redis } from 'ioredis';
import type { BenchTarget } from './target';

/**
 * Counts the commands Redis has run (INFO commandstats), so a cell can report Redis commands
 * per request: the round trips a mode costs, measured rather than inferred from throughput.
 * Only where the bench can reach Redis (its own cluster, or a target that can read INFO for it,
 * e.g. `docker compose exec redis redis-cli`); otherwise every count is undefined.
 */
export class RedisCommandCounter {
  private constructor(
    private readonly read: (() => Promise<string | undefined>) | undefined,
    private readonly release: () => void = () => undefined,
  ) {}

  static async open(url: string | undefined): Promise<RedisCommandCounter> {
    if (!url) return new RedisCommandCounter(undefined);
    const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined); // an unreachable Redis only means "not measured"
    const connected = await redis.connect().then(() => true, () => false);
    if (!connected) {
      redis.disconnect();
      return new RedisCommandCounter(undefined);
    }
    return new RedisCommandCounter(() => redis.info('commandstats').catch(() => undefined), () => redis.disconnect());
  }

  /** The target's Redis: by URL when the bench can reach it, else through the target's own INFO reader. */
  static async forTarget(target: Pick<BenchTarget, 'redisUrl' | 'redisInfo'>): Promise<RedisCommandCounter> {
    if (target.redisUrl || !target.redisInfo) return RedisCommandCounter.open(target.redisUrl);
    const read = target.redisInfo.bind(target);
    return new RedisCommandCounter(() => read('commandstats').catch(() => undefined));
  }

  async count(): Promise<number | undefined> {
    const info = this.read ? await this.read() : undefined;
    return info === undefined ? undefined : redisCommandCount(info);
  }

  close(): void {
    this.release();
  }
}

/** The bench's own reading commands (INFO, and the ECHO that ends a redis-cli session's answer): not the app's. */
const BENCH_COMMANDS = new Set(['info', 'echo']);

/** Commands Redis has run by INFO commandstats, less the bench's own (pure). */
export function redisCommandCount(commandstats: string): number {
  let total = 0;
  for (const match of commandstats.matchAll(/^cmdstat_([\w|]+):calls=(\d+)/gm)) if (!BENCH_COMMANDS.has(match[1])) total += Number(match[2]);
  return total;
}
