import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCluster } from '../../cluster/launcher';
import { LatencyControl } from '../../loadtest/latency-control';
import { User, frontendOf } from '../compose/kill-experiment';
import { freePortBase } from '../../common/ports';

/** The launcher's latency option: the injector really sits in the replicas' Redis path and the proxy's path to them. */
jest.setTimeout(45_000);

const fast = { PASSWORD_HASH_COST: '10', LOG_LEVEL: 'warn' };
const fastProxy = { HEALTH_INTERVAL_MS: '250', HEALTH_TIMEOUT_MS: '200', LOG_LEVEL: 'warn' };

async function medianMs(times: number, call: () => Promise<unknown>): Promise<number> {
  const durations: number[] = [];
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    await call();
    durations.push(performance.now() - started);
  }
  return durations.sort((a, b) => a - b)[Math.floor(times / 2)];
}

describe('local cluster with the latency injector', () => {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authscale-latency-'));
  afterAll(() => fs.rmSync(runDir, { recursive: true, force: true }));

  it('when a delay is set on the Redis link and then on the replica links, then /redis/me and /jwt/me slow down by about that much, and back at 0 ms they do not', async () => {
    const cluster = await startCluster({
      portBase: await freePortBase(), logs: 'silent', runDir, env: fast, proxyEnv: fastProxy,
      latency: { paths: ['redis', 'replicas'] },
    });
    try {
      expect(cluster.latency).toBeDefined();
      const control = new LatencyControl(cluster.latency!.controlUrl, cluster.adminToken);
      expect((await control.links()).map((l) => l.name)).toEqual(['redis', 'app1', 'app2', 'app3', 'app4']);
      const redisUser = new User(frontendOf(cluster, 'sticky-cookie'), 'redis');
      const jwtUser = new User(frontendOf(cluster, 'sticky-cookie'), 'jwt');
      expect((await redisUser.login()).status).toBe(200);
      expect((await jwtUser.login()).status).toBe(200);
      await medianMs(3, () => redisUser.me()); // warm: the first answers after a login are slower
      const redisAtZero = await medianMs(7, () => redisUser.me());

      await control.setDelay('redis', { upMs: 40, downMs: 0 });
      const redisFar = await medianMs(7, () => redisUser.me());
      const jwtWhileRedisFar = await medianMs(7, () => jwtUser.me());
      // About the 40 ms added (a clean-clone CI once measured 33.8 ms over its cold baseline).
      expect(redisFar - redisAtZero).toBeGreaterThanOrEqual(30);
      expect(jwtWhileRedisFar).toBeLessThan(redisFar - 20); // /jwt/me touches no Redis

      await control.setDelay('redis', { upMs: 0, downMs: 0 });
      for (const replica of ['app1', 'app2', 'app3']) await control.setDelay(replica, { upMs: 40, downMs: 0 });
      expect(await medianMs(5, () => jwtUser.me())).toBeGreaterThanOrEqual(35);

      for (const replica of ['app1', 'app2', 'app3']) await control.setDelay(replica, { upMs: 0, downMs: 0 });
      expect(await medianMs(7, () => redisUser.me())).toBeLessThan(redisFar - 20);
      expect((await redisUser.me()).status).toBe(200);
    } finally {
      await cluster.close();
    }
  });
});
