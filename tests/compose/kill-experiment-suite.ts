import {
  MODES, User, eventually, frontendOf, instancesSeen, meStatuses, sleep, usersAround, type ClusterUnderTest,
} from './kill-experiment';

/**
 * The behavioural checks of the kill experiment as jest tests, registered by both the local
 * cluster test and the compose test so the two ways of running the topology are held to the
 * same expectations (and HAProxy's and nginx's frontends, tests/cluster/cluster-balancers.test.ts).
 * Tests run in order and share the users they log in.
 */
export function killExperimentSuite(cluster: () => ClusterUnderTest, options: { redis?: boolean } = {}): void {
  it('when users log in under each mode through each frontend, then each login succeeds and names its replica', async () => {
    for (const frontend of cluster().frontends) {
      for (const mode of MODES) {
        const user = new User(frontend, mode);
        const login = await user.login();
        expect({ frontend: frontend.strategy, mode, status: login.status }).toEqual({ frontend: frontend.strategy, mode, status: 200 });
        expect(login.instance).toMatch(/^app[1-4]$/);
        if (!(mode === 'memory' && frontend.strategy === 'round-robin')) {
          expect((await user.me()).status).toBe(200);
        }
      }
    }
  });

  it('when the dashboard is opened on any frontend, then the proxy serves its page', async () => {
    for (const frontend of cluster().frontends) {
      const response = await fetch(`${frontend.url}/_dashboard/`);
      expect({ frontend: frontend.strategy, status: response.status }).toEqual({ frontend: frontend.strategy, status: 200 });
      expect(await response.text()).toContain('<html');
    }
  });

  it('when in-memory sessions sit behind round-robin, then most requests miss the session even before any kill', async () => {
    const user = new User(frontendOf(cluster(), 'round-robin'), 'memory', 'bob', '198.51.100.200');
    expect((await user.login()).status).toBe(200);
    const statuses = await meStatuses(Array.from({ length: 12 }, () => user));
    const misses = statuses.filter((s) => s === 401).length;
    // Three replicas: about 2 of 3 requests land where the session is not.
    expect(misses).toBeGreaterThanOrEqual(6);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
  });

  it('when app2 is killed, then its memory users on sticky and hash-ip are logged out while redis and jwt users are not', async () => {
    const stickyMemory = await usersAround(cluster(), 'sticky-cookie', 'memory', 'app2');
    const hashMemory = await usersAround(cluster(), 'hash-ip', 'memory', 'app2');
    const stickyRedis = await usersAround(cluster(), 'sticky-cookie', 'redis', 'app2');
    const stickyJwt = await usersAround(cluster(), 'sticky-cookie', 'jwt', 'app2');
    const roundRobinJwt = new User(frontendOf(cluster(), 'round-robin'), 'jwt', 'carol');
    expect((await roundRobinJwt.login()).status).toBe(200);
    for (const group of [stickyMemory, hashMemory, stickyRedis, stickyJwt]) {
      // Both found on hash-ip too: the proxy takes the client address from the keyed claim.
      expect([group.onTarget.length > 0, group.elsewhere.length > 0]).toEqual([true, true]);
      expect(await meStatuses([...group.onTarget, ...group.elsewhere])).toEqual([...group.onTarget, ...group.elsewhere].map(() => 200));
    }

    await cluster().kill('app2');

    expect(await meStatuses(stickyMemory.onTarget)).toEqual(stickyMemory.onTarget.map(() => 401));
    expect(await meStatuses(hashMemory.onTarget)).toEqual(hashMemory.onTarget.map(() => 401));
    expect(await meStatuses(stickyMemory.elsewhere)).toEqual(stickyMemory.elsewhere.map(() => 200));
    const survivors = [...stickyRedis.onTarget, ...stickyRedis.elsewhere, ...stickyJwt.onTarget, ...stickyJwt.elsewhere, roundRobinJwt];
    expect(await meStatuses(survivors)).toEqual(survivors.map(() => 200));
    // Nobody is served by the dead replica any more.
    expect((await stickyRedis.onTarget[0].me()).instance).not.toBe('app2');
  });

  it('when app2 is started again, then the proxy re-admits it and new users land on it', async () => {
    await cluster().start('app2');
    expect(await eventually(async () => (await instancesSeen(cluster(), 6)).has('app2'), 15_000)).toBe(true);
    const fresh = await usersAround(cluster(), 'sticky-cookie', 'memory', 'app2');
    expect(await meStatuses(fresh.onTarget)).toEqual(fresh.onTarget.map(() => 200));
  });

  // The Redis outage does not depend on the balancer: a balancer's suite may leave it to the proxy's.
  if (options.redis === false) return;
  it('when redis is killed and started again, then redis users are refused meanwhile and their sessions survive', async () => {
    const redisUsers = [new User(frontendOf(cluster(), 'sticky-cookie'), 'redis', 'alice', '198.51.100.77'),
      new User(frontendOf(cluster(), 'round-robin'), 'redis', 'bob', '198.51.100.78')];
    for (const user of redisUsers) expect((await user.login()).status).toBe(200);
    const jwtUser = new User(frontendOf(cluster(), 'round-robin'), 'jwt', 'carol');
    expect((await jwtUser.login()).status).toBe(200);
    // appendfsync everysec: a write is on disk within about a second.
    await sleep(1500);

    await cluster().kill('redis');
    expect(await meStatuses(redisUsers)).toEqual([503, 503]);
    expect((await jwtUser.me()).status).toBe(200);

    await cluster().start('redis');
    expect(await eventually(async () => (await meStatuses(redisUsers)).every((s) => s === 200), 15_000)).toBe(true);
  });
}
