import Redis from 'ioredis';
import { sharedRedisUrl } from '../../support/shared-redis';
import { login, me, useReplicas } from './session-replicas';

// Idle 600 s and absolute 3600 s: the rolling write of lastSeenAt comes past half of
// min(SESSION_TTL_SECONDS 3600, idle 600) = 300 s. Time moves by hand: no test sleeps.
const ENV = { SESSION_IDLE_TIMEOUT_SECONDS: '600', SESSION_ABSOLUTE_TIMEOUT_SECONDS: '3600' };
const SECOND = 1000;

const cluster = useReplicas(2, ENV);
let admin: Redis;
let app1: string;
let app2: string;

beforeAll(async () => {
  admin = new Redis(await sharedRedisUrl());
  [app1, app2] = cluster.urls;
});
afterAll(async () => {
  await admin?.quit();
});

const sessionKey = (cookie: string) => `sess:${decodeURIComponent(cookie.split('=')[1]).slice(2).split('.')[0]}`;

describe.each(['memory', 'redis'])('%s session timeouts', (mode) => {
  test('when a user comes back within half the idle timeout, again and again, then they stay logged in well past the idle timeout', async () => {
    const { cookie } = await login(app1, mode);
    for (let i = 0; i < 8; i++) {
      cluster.clock.advance(290 * SECOND);
      expect((await me(app1, mode, cookie)).status).toBe(200);
    }
  });

  test('when a user stays away for the idle timeout, then the next request gets 401 and a replay stays 401', async () => {
    const { cookie } = await login(app1, mode);
    cluster.clock.advance(599 * SECOND);
    expect((await me(app1, mode, cookie)).status).toBe(200); // 599 s ≥ 300 s: this request is written as lastSeenAt
    cluster.clock.advance(600 * SECOND);
    const expired = await me(app1, mode, cookie);
    expect(expired.status).toBe(401);
    expect(expired.json().error).toBe('unauthenticated');
    expect((await me(app1, mode, cookie)).status).toBe(401);
  });

  test('when the last requests were not written (the rolling granularity), then the idle timeout counts from the last written one', async () => {
    // Documented precision: lastSeenAt lags by up to half of min(TTL, idle); here the request at
    // 299 s is not written, so the session ends 600 s after login, 301 s after that request.
    const { cookie } = await login(app1, mode);
    cluster.clock.advance(299 * SECOND);
    expect((await me(app1, mode, cookie)).status).toBe(200);
    cluster.clock.advance(301 * SECOND);
    expect((await me(app1, mode, cookie)).status).toBe(401);
  });

  test('when a user is active all along, then the absolute timeout still ends the session 3600 s after login', async () => {
    const { cookie } = await login(app1, mode);
    for (let elapsed = 0; elapsed < 3500; elapsed += 250) {
      cluster.clock.advance(250 * SECOND);
      expect((await me(app1, mode, cookie)).status).toBe(200);
    }
    cluster.clock.advance(100 * SECOND); // 3600 s since login
    expect((await me(app1, mode, cookie)).status).toBe(401);
  });

  test('when a session has ended by timeout, then a new login works at once', async () => {
    const { cookie } = await login(app1, mode);
    cluster.clock.advance(3600 * SECOND);
    expect((await me(app1, mode, cookie)).status).toBe(401);
    const again = await login(app1, mode);
    expect(again.answer.status).toBe(200);
    expect((await me(app1, mode, again.cookie)).status).toBe(200);
  });
});

describe('redis timeouts across replicas, and the store TTL backstop', () => {
  test('when a redis session times out on one replica, then its record is deleted and the other replica refuses it too', async () => {
    const { cookie } = await login(app1, 'redis');
    expect((await me(app2, 'redis', cookie)).status).toBe(200);
    expect(await admin.exists(sessionKey(cookie))).toBe(1);
    cluster.clock.advance(600 * SECOND);
    expect((await me(app2, 'redis', cookie)).status).toBe(401);
    expect(await admin.exists(sessionKey(cookie))).toBe(0);
    expect((await me(app1, 'redis', cookie)).status).toBe(401);
  });

  test('when a redis session is written, then its TTL is at most the idle timeout, and near the absolute deadline at most the time left', async () => {
    const { cookie } = await login(app1, 'redis');
    const fresh = await admin.ttl(sessionKey(cookie));
    expect(fresh).toBeGreaterThan(590);
    expect(fresh).toBeLessThanOrEqual(600);
    for (let elapsed = 0; elapsed < 3300; elapsed += 300) {
      cluster.clock.advance(300 * SECOND); // every request is 300 s after the last write: each one writes
      expect((await me(app2, 'redis', cookie)).status).toBe(200);
    }
    // The write at 3300 s: 300 s are left before the absolute timeout, so Redis forgets it by then.
    const late = await admin.ttl(sessionKey(cookie));
    expect(late).toBeGreaterThan(290);
    expect(late).toBeLessThanOrEqual(300);
  });
});
