import { RedisCliSession } from '../../../loadtest/redis-cli-session';
import { redisCommandCount } from '../../../loadtest/redis-commands';
import { RedisServer } from '../../support/redis-server';

/**
 * The compose target's INFO reader, on a real redis-cli against a real redis-server of its own:
 * the run's shared Redis takes other test files' commands between two readings.
 */
describe('one redis-cli kept open for INFO', () => {
  let redis: RedisServer;
  let port: string;
  beforeAll(async () => {
    redis = await RedisServer.start({ appendonly: false });
    port = String(redis.port);
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('when INFO is read twice, then both answers are whole and the bench\'s own commands are not counted as the app\'s', async () => {
    const session = new RedisCliSession(['redis-cli', '-p', port]);
    try {
      const first = await session.info('commandstats');
      const second = await session.info('commandstats');
      expect(first).toMatch(/^# Commandstats/);
      expect(second).toMatch(/cmdstat_echo:calls=\d+/);
      expect(redisCommandCount(second!)).toBe(redisCommandCount(first!));
    } finally {
      session.close();
    }
  });

  it('when its redis-cli has ended (Redis restarted, container gone), then the next reading opens a new one', async () => {
    const session = new RedisCliSession(['redis-cli', '-p', port]);
    try {
      expect(await session.info('memory')).toMatch(/used_memory:\d+/);
      session.close();
      expect(await session.info('memory')).toMatch(/used_memory:\d+/);
    } finally {
      session.close();
    }
  });

  it('when the command cannot run at all, then a reading is undefined ("not measured"), not an exception', async () => {
    const session = new RedisCliSession(['/nonexistent/redis-cli']);
    try {
      await expect(session.info('memory')).resolves.toBeUndefined();
    } finally {
      session.close();
    }
  });
});
