import { TEST_APP_ENV, TEST_PROXY_ENV, useTempDirs } from '../support/cluster-fixtures';
import { startCluster } from '../../cluster/launcher';
import { User, eventually, frontendOf, sleep } from '../compose/kill-experiment';
import { freePortBase } from '../../common/ports';
import { RedisServer } from '../support/redis-server';

/** The two other Redis set-ups of the launcher: persistence off (what the bench compares), and an external Redis. */
jest.setTimeout(45_000);

const fast = TEST_APP_ENV;
const fastProxy = TEST_PROXY_ENV;
const runDir = useTempDirs('redis');

describe('local cluster with Redis persistence off', () => {
  it('when redis is killed and started again, then redis users are logged out (their sessions are gone)', async () => {
    const cluster = await startCluster({ portBase: await freePortBase(), logs: 'silent', runDir: runDir(), redisAppendonly: false, env: fast, proxyEnv: fastProxy });
    try {
      const user = new User(frontendOf(cluster, 'sticky-cookie'), 'redis');
      expect((await user.login()).status).toBe(200);
      await sleep(1500); // as long as the persistent case waits, so only the setting differs
      await cluster.act('redis', 'kill');
      await cluster.act('redis', 'start');
      // Once Redis answers again, the session it held is simply not there.
      expect(await eventually(async () => (await user.me()).status !== 503, 10_000)).toBe(true);
      expect((await user.me()).status).toBe(401);
    } finally {
      await cluster.close();
    }
  });
});

describe('local cluster with an external Redis (REDIS_URL)', () => {
  it('when given a redis:// URL, then it starts no redis-server, reports redis as external, and redis sessions work', async () => {
    const redis = await RedisServer.start({ appendonly: false });
    const cluster = await startCluster({ portBase: await freePortBase(), logs: 'silent', runDir: runDir(), redis: { url: redis.url }, env: fast, proxyEnv: fastProxy })
      .catch(async (error: unknown) => {
        await redis.stop();
        throw error;
      });
    try {
      expect(cluster.redisUrl).toBe(redis.url);
      expect((await cluster.services()).find((s) => s.name === 'redis')).toMatchObject({ state: 'external', pid: null, url: redis.url });
      const user = new User(frontendOf(cluster, 'round-robin'), 'redis');
      expect((await user.login()).status).toBe(200);
      expect((await user.me()).status).toBe(200);
      await expect(cluster.act('redis', 'kill')).rejects.toThrow('redis is not managed by this launcher');
    } finally {
      await cluster.close();
      await redis.stop();
    }
  });
});
