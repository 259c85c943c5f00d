import Redis from 'ioredis';
import { pollUntil } from '../../../common/poll';
import { RedisServer } from '../../support/redis-server';
import { call, login } from './jwt-replicas';
import { useReplicas } from './session-replicas';

/**
 * Refresh rotation and revocation over real HTTP against two real replicas sharing a real
 * Redis. The replicas share one hand-moved clock (the app's timestamps); Redis TTLs stay real.
 */
// Its own redis-server: the last tests kill it.
let redisServer: RedisServer;
const replicas = useReplicas(2, { JWT_ACCESS_TTL_SECONDS: '300' }, [], async () => {
  redisServer = await RedisServer.start({ appendonly: false });
  return redisServer.url;
});
let admin: Redis;
let app1: string;
let app2: string;

beforeAll(() => {
  admin = new Redis(redisServer.url);
  [app1, app2] = replicas.urls;
});
afterAll(async () => {
  admin?.disconnect();
  await redisServer?.stop();
});

const refresh = (url: string, refreshToken: unknown, prefix = '/jwt') => call(url, 'POST', `${prefix}/refresh`, { body: { refreshToken } });
const me = (url: string, token: string, prefix = '/jwt') => call(url, 'GET', `${prefix}/me`, { token });

describe('refresh rotation', () => {
  test('when a user logs in on one replica and refreshes on the other, then a new pair comes back and the new access token works everywhere', async () => {
    const first = await login(app1);
    expect(first.refreshToken).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    const rotated = await refresh(app2, first.refreshToken);
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({ user: 'alice', instance: 'app2', tokenType: 'Bearer', expiresIn: 300, refreshExpiresIn: 7 * 86_400 });
    expect(rotated.body.refreshToken).not.toBe(first.refreshToken);
    expect(rotated.body.accessToken).not.toBe(first.accessToken);
    expect((await me(app1, rotated.body.accessToken)).status).toBe(200);
    expect((await refresh(app1, rotated.body.refreshToken)).status).toBe(200);
  });

  test('when a used refresh token is presented again within the grace period, then 409 refresh_token_reused and nothing is revoked', async () => {
    const first = await login(app1);
    const rotated = await refresh(app1, first.refreshToken);
    replicas.clock.advance(1_500);
    const again = await refresh(app2, first.refreshToken);
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ error: 'refresh_token_reused', message: expect.any(String) });
    expect((await refresh(app2, rotated.body.refreshToken)).status).toBe(200);
  });

  test('when a used refresh token is presented after the grace period, then the whole family is revoked: 401, and the newest refresh token dies too', async () => {
    const first = await login(app1);
    const rotated = await refresh(app1, first.refreshToken);
    expect(rotated.status).toBe(200);
    replicas.clock.advance(2_001);
    const theft = await refresh(app2, first.refreshToken);
    expect(theft.status).toBe(401);
    expect(theft.body).toEqual({ error: 'unauthenticated', message: expect.stringMatching(/already used.*revoked/) });
    const legit = await refresh(app1, rotated.body.refreshToken);
    expect(legit.status).toBe(401);
    // The family's access tokens: refused at once by /jwt-revocable; /jwt honestly keeps them until exp.
    expect((await me(app2, rotated.body.accessToken, '/jwt-revocable')).status).toBe(401);
    expect((await me(app2, rotated.body.accessToken)).status).toBe(200);
    // The family is gone for good; another login starts a new one.
    expect((await refresh(app1, (await login(app2)).refreshToken)).status).toBe(200);
  });

  test('when two replicas refresh the same token at the same instant, then exactly one answers 200, the other 409, and nobody is revoked', async () => {
    for (let round = 0; round < 8; round++) {
      const { refreshToken } = await login(app1);
      const answers = await Promise.all([refresh(app1, refreshToken), refresh(app2, refreshToken)]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
      const winner = answers.find((a) => a.status === 200)!;
      expect((await refresh(app2, winner.body.refreshToken)).status).toBe(200);
    }
  });

  test.each([
    ['not a token', 'hello'],
    ['an access token', 'ACCESS'],
    ['a well-formed but unknown token', `${'A'.repeat(22)}.${'B'.repeat(43)}`],
  ])('when the refresh token is %s, then 401 and no family is touched', async (_what, value) => {
    const { accessToken } = await login(app1);
    const res = await refresh(app2, value === 'ACCESS' ? accessToken : value);
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('unauthenticated');
  });

  test.each([
    ['no body', undefined],
    ['a number', 42],
    ['a 10 kB string', 'x'.repeat(10_000)],
  ])('when the refresh body carries %s, then 400 invalid_body JSON', async (_what, value) => {
    const res = await call(app1, 'POST', '/jwt/refresh', value === undefined ? {} : { body: { refreshToken: value } });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_body');
  });

  test('when /jwt/refresh is called with GET, then 405 with Allow: POST', async () => {
    const res = await fetch(`${app1}/jwt/refresh`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  test('when a family is stored, then Redis keeps only hashes of its tokens, with the refresh lifetime as TTL', async () => {
    const { refreshToken } = await login(app1);
    const [familyId, secret] = refreshToken.split('.');
    const key = `authscale:refresh:${familyId}`;
    const record = await admin.hgetall(key);
    expect(record.user).toBe('alice');
    expect(JSON.stringify(record)).not.toContain(secret);
    const ttl = await admin.ttl(key);
    expect(ttl).toBeGreaterThan(7 * 86_400 - 10);
    expect(ttl).toBeLessThanOrEqual(7 * 86_400);
  });
});

describe('logout', () => {
  test('when a /jwt user logs out, then the answer is honest: the access token stays valid until exp, but its refresh token is revoked', async () => {
    const { accessToken, refreshToken } = await login(app1);
    const out = await call(app2, 'POST', '/jwt/logout', { token: accessToken });
    expect(out.status).toBe(200);
    expect(out.body).toMatchObject({ revoked: false, refreshRevoked: true, validUntil: expect.any(String) });
    expect((await me(app1, accessToken)).status).toBe(200);
    expect((await refresh(app1, refreshToken)).status).toBe(401);
  });

  test('when a /jwt-revocable user logs out on one replica, then 204 and every replica refuses the token from then on; other users are untouched', async () => {
    const alice = await login(app1, '/jwt-revocable');
    const bob = await login(app2, '/jwt-revocable', 'bob');
    expect((await me(app1, alice.accessToken, '/jwt-revocable')).status).toBe(200);
    expect((await me(app2, alice.accessToken, '/jwt-revocable')).status).toBe(200);
    const out = await call(app2, 'POST', '/jwt-revocable/logout', { token: alice.accessToken });
    expect(out.status).toBe(204);
    for (const url of [app1, app2]) {
      const res = await me(url, alice.accessToken, '/jwt-revocable');
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('unauthenticated');
    }
    expect((await call(app1, 'POST', '/jwt-revocable/logout', { token: alice.accessToken })).status).toBe(401);
    expect((await refresh(app1, alice.refreshToken, '/jwt-revocable')).status).toBe(401);
    expect((await me(app1, bob.accessToken, '/jwt-revocable')).status).toBe(200);
  });

  test('when a token is denied, then its denylist entry lives only for the token\'s remaining lifetime', async () => {
    const { accessToken } = await login(app1, '/jwt-revocable');
    const claims = (await me(app1, accessToken, '/jwt-revocable')).body.claims;
    replicas.clock.advance(100_000);
    await call(app1, 'POST', '/jwt-revocable/logout', { token: accessToken });
    const pttl = await admin.pttl(`authscale:denied-jti:${claims.jti}`);
    const remaining = claims.exp * 1000 - replicas.clock.now();
    expect(pttl).toBeGreaterThan(remaining - 1_000);
    expect(pttl).toBeLessThanOrEqual(remaining + 1_000);
  });
});

describe('the price of revocation, in Redis commands', () => {
  async function commandCalls(): Promise<Record<string, number>> {
    const calls: Record<string, number> = {};
    for (const match of (await admin.info('commandstats')).matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)) calls[match[1]] = Number(match[2]);
    return calls;
  }

  test('when /jwt-revocable/me is asked 20 times, then Redis sees exactly 20 commands (one EXISTS each), and /jwt/me none', async () => {
    const { accessToken } = await login(app1, '/jwt-revocable');
    await admin.config('RESETSTAT');
    for (let i = 0; i < 10; i++) {
      expect((await me(app1, accessToken, '/jwt-revocable')).status).toBe(200);
      expect((await me(app2, accessToken, '/jwt-revocable')).status).toBe(200);
    }
    const calls = await commandCalls();
    delete calls.config; // the RESETSTAT above
    delete calls.info;
    expect(calls).toEqual({ exists: 20 });
    const stateless = await login(app1);
    await admin.config('RESETSTAT');
    for (let i = 0; i < 20; i++) expect((await me(app1, stateless.accessToken)).status).toBe(200);
    const jwtCalls = await commandCalls();
    delete jwtCalls.config;
    delete jwtCalls.info;
    expect(jwtCalls).toEqual({});
  });

  test('when requests were served, then /metrics counts /jwt-revocable and refresh outcomes like the other modes', async () => {
    const { accessToken, refreshToken } = await login(app1, '/jwt-revocable');
    await me(app1, accessToken, '/jwt-revocable');
    await refresh(app1, refreshToken, '/jwt-revocable');
    const text = await (await fetch(`${app1}/metrics`)).text();
    expect(text).toMatch(/authscale_http_requests_total\{[^}]*mode="jwt-revocable",route="\/jwt-revocable\/me",status="200"[^}]*\} [1-9]/);
    expect(text).toMatch(/authscale_logins_total\{[^}]*mode="jwt-revocable",outcome="ok"[^}]*\} [1-9]/);
    expect(text).toMatch(/authscale_token_refreshes_total\{[^}]*mode="jwt-revocable",outcome="rotated"[^}]*\} [1-9]/);
  });
});

describe('with Redis down', () => {
  let token: { accessToken: string; refreshToken: string };
  let revocable: { accessToken: string; refreshToken: string };

  beforeAll(async () => {
    token = await login(app1);
    revocable = await login(app1, '/jwt-revocable');
    await redisServer.kill();
  });

  test('when a client refreshes, then 503 store_unavailable, while /jwt/me keeps answering 200 on every replica', async () => {
    const res = await refresh(app2, token.refreshToken);
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ error: 'store_unavailable', message: expect.any(String) });
    for (const url of [app1, app2]) expect((await me(url, token.accessToken)).status).toBe(200);
  });

  test('when /jwt-revocable is asked, then it fails closed: 503 store_unavailable for /me and /logout', async () => {
    const res = await me(app2, revocable.accessToken, '/jwt-revocable');
    expect(res.status).toBe(503);
    expect(res.body.error).toBe('store_unavailable');
    expect((await call(app1, 'POST', '/jwt-revocable/logout', { token: revocable.accessToken })).status).toBe(503);
  });

  test('when a /jwt user logs out, then the honest 200 still comes, saying the refresh token could not be revoked', async () => {
    const res = await call(app2, 'POST', '/jwt/logout', { token: token.accessToken });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ revoked: false, refreshRevoked: false });
  });

  test('when a user logs in to /jwt, then the access token is issued without a refresh token, and a forged token is still 401 (not 503)', async () => {
    const res = await call(app1, 'POST', '/jwt/login', { body: { username: 'carol', password: 'demo-password' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ user: 'carol', refreshToken: null, refreshExpiresIn: null });
    expect((await me(app2, res.body.accessToken)).status).toBe(200);
    expect((await me(app2, 'not-a-token', '/jwt-revocable')).status).toBe(401);
  });

  test('when Redis comes back, then refresh and /jwt-revocable answer again', async () => {
    await redisServer.start();
    expect(await pollUntil(async () => (await me(app2, revocable.accessToken, '/jwt-revocable')).status === 200, { timeoutMs: 5_000 })).toBe(true);
    // This Redis runs without persistence: families from before the outage are gone, new ones work.
    expect((await refresh(app1, revocable.refreshToken, '/jwt-revocable')).status).toBe(401);
    expect((await refresh(app1, (await login(app2, '/jwt-revocable')).refreshToken, '/jwt-revocable')).status).toBe(200);
  });
});
