import Redis from 'ioredis';
import request from 'supertest';
import { waitFor } from '../../../common/poll';
import { RedisServer } from '../../support/redis-server';
import { DEMO, cookieFrom, useTestApp } from './harness';

// Its own redis-server: these tests kill it.
let redisServer: RedisServer;
const t = useTestApp({}, async () => {
  redisServer = await RedisServer.start({ appendonly: true });
  return redisServer.url;
});
let redisCookie: string;
let memoryCookie: string;
let token: string;

beforeAll(async () => {
  redisCookie = cookieFrom((await request(t.app).post('/redis/login').send(DEMO)).headers['set-cookie'], 'sid_redis')!;
  memoryCookie = cookieFrom((await request(t.app).post('/memory/login').send(DEMO)).headers['set-cookie'], 'sid_memory')!;
  token = (await request(t.app).post('/jwt/login').send(DEMO)).body.accessToken;
});
afterAll(async () => {
  await redisServer?.stop();
});

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started };
}

test('when Redis stalls, then /redis/me fails fast with 503 and recovers when Redis answers again', async () => {
  const admin = new Redis(redisServer.url);
  try {
    // Longer than the app's command timeout (500 ms): every command of the app hangs meanwhile.
    await admin.call('CLIENT', 'PAUSE', '800', 'ALL');
    const { value: res, ms } = await timed(() => request(t.app).get('/redis/me').set('Cookie', redisCookie));
    expect(res.status).toBe(503);
    expect(res.body.error).toBe('session_store_unavailable');
    expect(ms).toBeLessThan(1000);
    await waitFor(async () => (await request(t.app).get('/redis/me').set('Cookie', redisCookie)).status === 200, 3_000);
  } finally {
    admin.disconnect();
  }
});

test('when Redis is down, then the redis mode answers 503 within a second and keeps the cookie, while memory, jwt and /health still work', async () => {
  await redisServer.kill();

  const { value: me, ms } = await timed(() => request(t.app).get('/redis/me').set('Cookie', redisCookie));
  expect(me.status).toBe(503);
  expect(me.body).toEqual({ error: 'session_store_unavailable', message: expect.any(String) });
  expect(me.headers['x-instance']).toBe('app-test');
  expect(me.headers['set-cookie']).toBeUndefined(); // the cookie is not cleared: the user is not logged out
  expect(ms).toBeLessThan(1000);

  const login = await request(t.app).post('/redis/login').send(DEMO);
  expect(login.status).toBe(503);
  expect(login.body.error).toBe('session_store_unavailable');
  expect((await request(t.app).post('/redis/logout').set('Cookie', redisCookie)).status).toBe(503);

  expect((await request(t.app).get('/memory/me').set('Cookie', memoryCookie)).status).toBe(200);
  expect((await request(t.app).get('/jwt/me').set('Authorization', `Bearer ${token}`)).status).toBe(200);
  expect((await request(t.app).post('/jwt/login').send(DEMO)).status).toBe(200);
  expect((await request(t.app).get('/health')).status).toBe(200);

  const ready = await request(t.app).get('/ready');
  expect(ready.status).toBe(503);
  expect(ready.body).toMatchObject({ status: 'degraded', checks: { redis: 'down' } });

  const metrics = await request(t.app).get('/metrics');
  expect(metrics.text).toMatch(/authscale_session_store_errors_total\{[^}]*mode="redis"[^}]*\} [1-9]/);
});

test('when Redis comes back (append-only persistence), then the same cookie works again without a new login', async () => {
  await redisServer.start();
  await waitFor(async () => (await request(t.app).get('/redis/me').set('Cookie', redisCookie)).status === 200, 5_000);
  const me = await request(t.app).get('/redis/me').set('Cookie', redisCookie);
  expect(me.body.user).toBe('alice');
  expect((await request(t.app).get('/ready')).status).toBe(200);
});
