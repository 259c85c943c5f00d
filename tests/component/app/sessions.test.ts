import Redis from 'ioredis';
import request from 'supertest';
import { RedisServer } from '../../support/redis-server';
import { DEMO, cookieFrom, startTestApp, useTestApp, type TestApp } from './harness';

// Its own redis-server: the touch-policy tests count commands server-wide (INFO commandstats).
let redisServer: RedisServer;
const t = useTestApp({}, async () => {
  redisServer = await RedisServer.start({ appendonly: false });
  return redisServer.url;
});
afterAll(async () => {
  await redisServer?.stop();
});

const csrfTokens = new Map<string, string>();

async function login(mode: string, body: object = DEMO, cookie?: string): Promise<string> {
  const req = request(t.app).post(`/${mode}/login`);
  const res = await (cookie ? req.set('Cookie', cookie) : req).send(body);
  expect(res.status).toBe(200);
  const issued = cookieFrom(res.headers['set-cookie'], `sid_${mode}`)!;
  csrfTokens.set(issued, res.body.csrfToken);
  return issued;
}

/** The CSRF token the login of this cookie returned (README, "Security"). */
const csrf = (cookie: string) => csrfTokens.get(cookie) ?? '';

const me = (mode: string, cookie: string) => request(t.app).get(`/${mode}/me`).set('Cookie', cookie);

describe.each(['memory', 'redis'])('%s sessions under attack', (mode) => {
  const name = `sid_${mode}`;

  test('when the cookie signature is altered, then 401', async () => {
    const cookie = await login(mode);
    const tampered = cookie.slice(0, -3) + (cookie.endsWith('AAA') ? 'BBB' : 'AAA');
    const res = await me(mode, tampered);
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('unauthenticated');
  });

  test('when the session id is sent unsigned, then 401', async () => {
    const cookie = await login(mode);
    const sid = decodeURIComponent(cookie.split('=')[1]).slice(2).split('.')[0]; // "s:<id>.<sig>"
    expect((await me(mode, cookie)).status).toBe(200);
    expect((await me(mode, `${name}=${sid}`)).status).toBe(401);
  });

  test('when an attacker plants a cookie before login, then login issues another one and the planted one stays unauthenticated', async () => {
    const planted = `${name}=attacker-chosen-id`;
    const issued = await login(mode, DEMO, planted);
    expect(issued).not.toBe(planted);
    expect(issued).not.toContain('attacker-chosen-id');
    expect((await me(mode, planted)).status).toBe(401);
    expect((await me(mode, issued)).status).toBe(200);
  });

  test('when a user logs in again over an existing session, then the session id changes and the old one is dead', async () => {
    const first = await login(mode);
    const second = await login(mode, { username: 'bob', password: 'demo-password' }, first);
    expect(second).not.toBe(first);
    expect((await me(mode, first)).status).toBe(401);
    expect((await me(mode, second)).body.user).toBe('bob');
  });

  test('when a logged-out cookie is replayed, then logout and /me answer 401', async () => {
    const cookie = await login(mode);
    expect((await request(t.app).post(`/${mode}/logout`).set('Cookie', cookie).set('X-CSRF-Token', csrf(cookie))).status).toBe(204);
    expect((await request(t.app).post(`/${mode}/logout`).set('Cookie', cookie).set('X-CSRF-Token', csrf(cookie))).status).toBe(401);
    expect((await me(mode, cookie)).status).toBe(401);
  });

  test('when the other mode\'s cookie is sent, then it is not accepted', async () => {
    const other = mode === 'memory' ? 'redis' : 'memory';
    const cookie = await login(other);
    const value = cookie.split('=')[1];
    expect((await me(mode, `${name}=${value}`)).status).toBe(401);
  });
});

describe('redis session touch policy (rolling, the default)', () => {
  let admin: Redis;
  beforeAll(() => {
    admin = new Redis(t.config.redis.url);
  });
  afterAll(async () => {
    await admin.quit();
  });

  async function commandCalls(): Promise<Record<string, number>> {
    const info = await admin.info('commandstats');
    const calls: Record<string, number> = {};
    for (const match of info.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)) calls[match[1]] = Number(match[2]);
    return calls;
  }

  test('when a logged-in user repeats /me, then each request costs one Redis GET, and a write only past half the lifetime', async () => {
    const cookie = await login('redis');
    await admin.config('RESETSTAT');
    for (let i = 0; i < 10; i++) expect((await me('redis', cookie)).status).toBe(200);
    let calls = await commandCalls();
    expect(calls.get).toBe(10);
    expect(calls.set ?? 0).toBe(0);
    expect(calls.expire ?? 0).toBe(0);

    // Past half of min(SESSION_TTL_SECONDS, SESSION_IDLE_TIMEOUT_SECONDS) = 900 s: one request
    // rewrites lastSeenAt (SET with a fresh TTL, capped by the 1800 s idle timeout).
    const before = (await me('redis', cookie)).body.stored.lastSeenAt;
    t.clock.advance(901_000);
    await admin.config('RESETSTAT');
    const renewing = await me('redis', cookie);
    expect(renewing.status).toBe(200);
    expect(renewing.body.stored.lastSeenAt).toBe(before + 901_000);
    const plain = await me('redis', cookie);
    expect(plain.headers['set-cookie']).toBeUndefined();
    calls = await commandCalls();
    expect(calls.get).toBe(2);
    expect(calls.set).toBe(1);
    const ttl = await admin.ttl(`sess:${decodeURIComponent(cookie.split('=')[1]).slice(2).split('.')[0]}`);
    expect(ttl).toBeGreaterThan(1790);
  });
});

describe.each([
  ['always', 5],
  ['never', 0],
] as const)('redis session touch policy %s', (policy, expectedSets) => {
  let other: TestApp;
  let admin: Redis;
  beforeAll(async () => {
    other = await startTestApp(t.config.redis.url, { SESSION_TOUCH: policy });
    admin = new Redis(t.config.redis.url);
  });
  afterAll(async () => {
    await other?.close();
    await admin?.quit();
  });

  test(`when a user repeats /me past half the lifetime, then the store is rewritten ${expectedSets} times in 5 requests`, async () => {
    const login = await request(other.app).post('/redis/login').send(DEMO);
    const cookie = cookieFrom(login.headers['set-cookie'], 'sid_redis')!;
    other.clock.advance(901_000);
    await admin.config('RESETSTAT');
    for (let i = 0; i < 5; i++) expect((await request(other.app).get('/redis/me').set('Cookie', cookie)).status).toBe(200);
    const info = await admin.info('commandstats');
    expect(Number(/^cmdstat_get:calls=(\d+)/m.exec(info)?.[1])).toBe(5);
    expect(Number(/^cmdstat_set:calls=(\d+)/m.exec(info)?.[1] ?? 0)).toBe(expectedSets);
  });
});

describe('login throttling', () => {
  test('when one client fails 5 times for a user, then the next attempts get 429 with Retry-After, even with the right password, until the window passes', async () => {
    const wrong = { username: 'bob', password: 'wrong' };
    for (let i = 0; i < 5; i++) expect((await request(t.app).post('/jwt/login').send(wrong)).status).toBe(401);
    const throttled = await request(t.app).post('/memory/login').send({ username: 'bob', password: 'demo-password' });
    expect(throttled.status).toBe(429);
    expect(throttled.body.error).toBe('too_many_attempts');
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(throttled.headers['retry-after'])).toBeLessThanOrEqual(300);
    // another user from the same client is not affected
    expect((await request(t.app).post('/jwt/login').send({ username: 'carol', password: 'demo-password' })).status).toBe(200);
    t.clock.advance(301_000);
    expect((await request(t.app).post('/jwt/login').send({ username: 'bob', password: 'demo-password' })).status).toBe(200);
  });

  test('when a user logs in successfully many times, then they are never throttled', async () => {
    for (let i = 0; i < 30; i++) expect((await request(t.app).post('/jwt/login').send(DEMO)).status).toBe(200);
  });
});

describe('bounded memory store', () => {
  let small: TestApp;
  beforeAll(async () => {
    small = await startTestApp(t.config.redis.url, { MEMORY_SESSION_MAX: '2', SESSION_TTL_SECONDS: '60' });
  });
  afterAll(async () => {
    await small?.close();
  });

  const loginSmall = async () =>
    cookieFrom((await request(small.app).post('/memory/login').send(DEMO)).headers['set-cookie'], 'sid_memory')!;
  const meSmall = (cookie: string) => request(small.app).get('/memory/me').set('Cookie', cookie);

  test('when more users log in than the bound, then the least recently used session is evicted', async () => {
    const first = await loginSmall();
    const second = await loginSmall();
    expect((await meSmall(first)).status).toBe(200); // first is now more recent than second
    const third = await loginSmall();
    expect((await meSmall(second)).status).toBe(401);
    expect((await meSmall(first)).status).toBe(200);
    expect((await meSmall(third)).status).toBe(200);
    expect(small.instance.memoryStore.size).toBe(2);
  });

  test('when a session outlives its lifetime, then it is refused and pruned', async () => {
    const cookie = await loginSmall();
    small.clock.advance(61_000);
    expect((await meSmall(cookie)).status).toBe(401);
    small.instance.memoryStore.prune();
    expect(small.instance.memoryStore.size).toBe(0);
  });
});

describe('two replicas sharing one Redis', () => {
  let other: TestApp;
  beforeAll(async () => {
    // A second replica whose first session secret is new; the old one still verifies (rotation).
    other = await startTestApp(t.config.redis.url, { INSTANCE_ID: 'app-other', SESSION_SECRET: `a-brand-new-secret,${t.config.session.secrets[0]}` });
  });
  afterAll(async () => {
    await other?.close();
  });

  test('when a user logs in on one replica, then a redis session works on the other and a memory session does not', async () => {
    const redisCookie = await login('redis');
    const seen = await request(other.app).get('/redis/me').set('Cookie', redisCookie);
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ user: 'alice', instance: 'app-other', stored: { loginInstance: 'app-test' } });

    const memoryCookie = await login('memory');
    expect((await request(other.app).get('/memory/me').set('Cookie', memoryCookie)).status).toBe(401);
  });

  test('when a user logs out on one replica, then the redis session is gone on every replica', async () => {
    const cookie = await login('redis');
    expect((await request(other.app).post('/redis/logout').set('Cookie', cookie).set('X-CSRF-Token', csrf(cookie))).status).toBe(204);
    expect((await me('redis', cookie)).status).toBe(401);
  });
});
