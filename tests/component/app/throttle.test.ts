import { CLIENT_ADDRESS_HEADER, CLIENT_KEY_HEADER, clientAddressKey } from '../../../common/client-address';
import { DEVELOPMENT_SECRETS } from '../../../common/config';
import { waitFor } from '../../../common/poll';
import { RedisServer } from '../../support/redis-server';
import { sharedRedisUrl } from '../../support/shared-redis';
import { JSON_HEADERS, request, startReplicas, useProxyOver, useReplicas, type Answer } from './session-replicas';

const WINDOW_MS = 300_000; // LOGIN_FAILURE_WINDOW_SECONDS (default 300)

function attempt(base: string, mode: string, username: string, password: string, headers: Record<string, string> = {}): Promise<Answer> {
  return request(`${base}/${mode}/login`, { method: 'POST', headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify({ username, password }) });
}

describe('login throttling shared by three replicas behind round-robin', () => {
  const cluster = useReplicas(3, { LOGIN_ACCOUNT_MAX_FAILURES: '8', LOGIN_ADDRESS_MAX_FAILURES: '12' });
  const proxy = useProxyOver(cluster);
  let rr: string;

  beforeAll(() => {
    rr = proxy.urls[0];
  });
  // Every test starts with every window over.
  beforeEach(() => cluster.clock.advance(WINDOW_MS + 1000));

  // The proxy believes the keyed client-address claim (docs/security.md), and the replicas trust
  // the proxy (TRUST_PROXY), so each value is one simulated client address.
  const from = (address: string) => ({ [CLIENT_ADDRESS_HEADER]: address, [CLIENT_KEY_HEADER]: clientAddressKey(DEVELOPMENT_SECRETS.admin) });

  test('when 5 failed attempts for one account from one address are spread over the replicas, then the 6th gets 429 on every replica, as with one replica, even with the right password', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const failed = await attempt(rr, 'jwt', 'bob', 'wrong', from('203.0.113.7'));
      expect(failed.status).toBe(401);
      seen.add(String(failed.headers['x-instance']));
    }
    expect(seen.size).toBe(3);
    for (let i = 0; i < 3; i++) {
      const refused = await attempt(rr, i === 0 ? 'memory' : 'redis', 'bob', 'demo-password', from('203.0.113.7'));
      expect(refused.status).toBe(429);
      expect(refused.json().error).toBe('too_many_attempts');
      const retryAfter = Number(refused.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(300);
    }
    // Another address is not this attacker; and once the window is over bob gets in again.
    expect((await attempt(rr, 'jwt', 'bob', 'demo-password', from('203.0.113.8'))).status).toBe(200);
    cluster.clock.advance(WINDOW_MS);
    expect((await attempt(rr, 'jwt', 'bob', 'demo-password', from('203.0.113.7'))).status).toBe(200);
  });

  test('when 100 s of the window have passed, then Retry-After says the 200 s left (the shared clock)', async () => {
    for (let i = 0; i < 5; i++) await attempt(rr, 'jwt', 'carol', 'wrong', from('203.0.113.9'));
    cluster.clock.advance(100_000);
    const refused = await attempt(rr, 'jwt', 'carol', 'wrong', from('203.0.113.9'));
    expect(refused.headers['retry-after']).toBe('200');
  });

  test('when one account fails from many addresses, then the account limit (8) holds across replicas and addresses', async () => {
    for (let i = 0; i < 8; i++) expect((await attempt(rr, 'jwt', 'mallory-target', 'wrong', from(`198.51.100.${i}`))).status).toBe(401);
    expect((await attempt(rr, 'jwt', 'mallory-target', 'wrong', from('198.51.100.200'))).status).toBe(429);
  });

  test('when one address sprays many accounts, then the address limit (12) holds across replicas and accounts', async () => {
    for (let i = 0; i < 12; i++) expect((await attempt(rr, 'jwt', `sprayed-${i}`, 'wrong', from('192.0.2.50'))).status).toBe(401);
    expect((await attempt(rr, 'jwt', 'alice', 'demo-password', from('192.0.2.50'))).status).toBe(429);
    expect((await attempt(rr, 'jwt', 'alice', 'demo-password', from('192.0.2.51'))).status).toBe(200);
  });

  test('when a user logs in successfully many times from one address, with a few failures in between, then they are never throttled', async () => {
    for (let i = 0; i < 60; i++) {
      if (i % 20 === 0) expect((await attempt(rr, 'jwt', 'alice', 'typo', from('192.0.2.77'))).status).toBe(401);
      const mode = ['memory', 'redis', 'jwt'][i % 3];
      expect((await attempt(rr, mode, 'alice', 'demo-password', from('192.0.2.77'))).status).toBe(200);
    }
  });

  test('when a client sends X-Forwarded-For straight to a replica that does not trust it, then the socket address is counted', async () => {
    const strict = await startReplicas(await sharedRedisUrl(), 1, { TRUST_PROXY: 'false' });
    try {
      const base = strict.replicas[0].url;
      for (let i = 0; i < 5; i++) expect((await attempt(base, 'jwt', 'spoofed', 'wrong', from(`10.9.0.${i}`))).status).toBe(401);
      expect((await attempt(base, 'jwt', 'spoofed', 'wrong', from('10.9.0.99'))).status).toBe(429);
    } finally {
      await strict.close();
    }
  });
});

describe('login throttling while Redis is down', () => {
  // Its own redis-server: this test kills it.
  let redisServer: RedisServer;
  const cluster = useReplicas(2, {}, [], async () => {
    redisServer = await RedisServer.start({ appendonly: false });
    return redisServer.url;
  });
  let app1: string;
  let app2: string;

  beforeAll(() => {
    [app1, app2] = cluster.urls;
  });
  afterAll(async () => {
    await redisServer?.stop();
  });

  const fallbackLines = (i: number) => cluster.replicas[i].logs.messages().filter((m) => m.includes('falls back to per-replica counters'));

  test('when Redis dies, then memory and jwt logins still work, failures are limited per replica, and the switch is logged once; when it returns, the counters are shared again', async () => {
    await redisServer.kill();
    for (let i = 0; i < 3; i++) expect((await attempt(app1, 'memory', 'alice', 'demo-password')).status).toBe(200);
    expect((await attempt(app1, 'jwt', 'alice', 'demo-password')).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await attempt(app1, 'memory', 'dave', 'wrong')).status).toBe(401);
    expect((await attempt(app1, 'memory', 'dave', 'wrong')).status).toBe(429);
    // Per replica now: app2 has its own count (the price of staying up without Redis).
    expect((await attempt(app2, 'memory', 'dave', 'wrong')).status).toBe(401);
    expect(fallbackLines(0)).toHaveLength(1);
    expect(fallbackLines(1)).toHaveLength(1);
    const line = cluster.replicas[0].logs.lines.find((l) => String(l.msg).includes('falls back'))!;
    expect(line).toMatchObject({ level: 40, component: 'login-throttle' });

    await redisServer.start();
    await waitFor(async () => (await request(`${app1}/ready`)).status === 200, 10_000);
    expect((await attempt(app1, 'memory', 'erin', 'wrong')).status).toBe(401);
    expect(cluster.replicas[0].logs.messages().some((m) => m.includes('shared across replicas'))).toBe(true);
    // Shared again: failures on app1 and app2 add up to one limit.
    for (let i = 0; i < 4; i++) await attempt(i % 2 ? app2 : app1, 'memory', 'erin', 'wrong');
    expect((await attempt(app2, 'memory', 'erin', 'demo-password')).status).toBe(429);
  });
});
