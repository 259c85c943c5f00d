import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import { DEVELOPMENT_SECRETS } from '../../../common/config';
import { kidForSecret } from '../../../services/app/auth/signing-keys';
import { RedisServer } from '../../support/redis-server';
import { call, login, startReplicas, type Replicas } from './jwt-replicas';

/**
 * Issue 13, items 2, 3 and 9: a token belongs to the mode that issued it, a refresh family to the
 * user who logged in, and a token's own timestamps are not believed beyond the configured lifetime.
 * Real replicas over HTTP sharing a real Redis.
 */
let redisServer: RedisServer;
let replicas: Replicas;
let app1: string;
let app2: string;

beforeAll(async () => {
  redisServer = await RedisServer.start({ appendonly: false });
  replicas = await startReplicas(redisServer.url, 2, { JWT_ACCESS_TTL_SECONDS: '300' });
  [app1, app2] = replicas.urls;
});
afterAll(async () => {
  await replicas?.close();
  await redisServer?.stop();
});

const me = (url: string, token: string, prefix = '/jwt') => call(url, 'GET', `${prefix}/me`, { token });
const refresh = (url: string, refreshToken: string, prefix = '/jwt') => call(url, 'POST', `${prefix}/refresh`, { body: { refreshToken } });
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;

describe('a refresh family is ended only by its owner holding one of its tokens (item 2)', () => {
  test.each(['/jwt', '/jwt-revocable'])('when another user logs out on %s naming the victim\'s family id with a made-up secret, then nothing of the victim is revoked', async (prefix) => {
    const victim = await login(app1, prefix, 'alice');
    const attacker = await login(app2, prefix, 'bob');
    const fid = claimsOf(victim.accessToken).fid as string;
    const forged = `${fid}.${'A'.repeat(43)}`;
    const out = await call(app2, 'POST', `${prefix}/logout`, { token: attacker.accessToken, body: { refreshToken: forged } });
    expect(out.status).toBeLessThan(300);
    if (prefix === '/jwt') expect(out.body.refreshRevoked).toBe(true); // the attacker's own family only
    expect((await me(app1, victim.accessToken, '/jwt-revocable' === prefix ? prefix : '/jwt')).status).toBe(200);
    expect((await refresh(app1, victim.refreshToken, prefix)).status).toBe(200);
  });

  test('when another user logs out presenting the victim\'s real refresh token, then the victim\'s family is not theirs to end', async () => {
    const victim = await login(app1, '/jwt', 'alice');
    const attacker = await login(app2, '/jwt', 'bob');
    await call(app2, 'POST', '/jwt/logout', { token: attacker.accessToken, body: { refreshToken: victim.refreshToken } });
    expect((await refresh(app1, victim.refreshToken)).status).toBe(200);
  });

  test('when the owner logs out presenting a refresh token of another of their own logins, then that family is revoked too', async () => {
    const phone = await login(app1, '/jwt', 'carol');
    const laptop = await login(app2, '/jwt', 'carol');
    const out = await call(app2, 'POST', '/jwt/logout', { token: laptop.accessToken, body: { refreshToken: phone.refreshToken } });
    expect(out.body.refreshRevoked).toBe(true);
    expect((await refresh(app1, phone.refreshToken)).status).toBe(401);
    expect((await refresh(app1, laptop.refreshToken)).status).toBe(401);
  });
});

describe('a token works only in the mode that issued it (item 3)', () => {
  test('when a /jwt-revocable token is shown to /jwt/me, then 401: revocation cannot be side-stepped', async () => {
    const { accessToken } = await login(app1, '/jwt-revocable');
    expect((await me(app2, accessToken, '/jwt-revocable')).status).toBe(200);
    expect((await me(app2, accessToken, '/jwt')).status).toBe(401);
  });

  test('when a /jwt token is shown to /jwt-revocable/me, then 401', async () => {
    const { accessToken } = await login(app1, '/jwt');
    expect((await me(app2, accessToken, '/jwt')).status).toBe(200);
    expect((await me(app2, accessToken, '/jwt-revocable')).status).toBe(401);
  });

  test('when a /jwt-revocable refresh token is presented to /jwt/refresh, then 401 and it still works in its own mode', async () => {
    const { refreshToken } = await login(app1, '/jwt-revocable');
    expect((await refresh(app2, refreshToken, '/jwt')).status).toBe(401);
    expect((await refresh(app2, refreshToken, '/jwt-revocable')).status).toBe(200);
  });

  test('when Redis is down, then a revoked /jwt-revocable token still does not work on /jwt/me', async () => {
    const { accessToken } = await login(app1, '/jwt-revocable');
    expect((await call(app1, 'POST', '/jwt-revocable/logout', { token: accessToken })).status).toBe(204);
    await redisServer.kill();
    try {
      expect((await me(app2, accessToken, '/jwt')).status).toBe(401);
      expect((await me(app2, accessToken, '/jwt-revocable')).status).toBe(503);
    } finally {
      await redisServer.start();
    }
  });
});

describe('a token\'s own timestamps are bounded by the configuration (item 9)', () => {
  // A token signed with the app's own (development) key: only the timestamps are wrong.
  const key = crypto.createSecretKey(Buffer.from(DEVELOPMENT_SECRETS.jwt));
  const now = () => Math.floor(replicas.clock.now() / 1000);
  const sign = (iat: number | undefined, exp: number) => jwt.sign(
    { sub: 'alice', ...(iat === undefined ? {} : { iat }), exp, iss: 'authscale', aud: claimsOf(controlToken).aud, jti: crypto.randomUUID() },
    key, { algorithm: 'HS256', noTimestamp: iat === undefined, header: { alg: 'HS256', typ: 'at+jwt', kid: kidForSecret(DEVELOPMENT_SECRETS.jwt) } },
  );
  let controlToken: string;
  beforeAll(async () => {
    controlToken = (await login(app1, '/jwt')).accessToken;
  });

  test('when a token is signed with the right key and a normal lifetime, then it is accepted (control case)', async () => {
    expect((await me(app1, sign(now(), now() + 300))).status).toBe(200);
    expect((await me(app1, sign(now() + 3, now() + 303))).status).toBe(200); // a replica's clock a little ahead
  });

  test.each([
    ['issued an hour in the future', () => sign(now() + 3600, now() + 3900)],
    ['valid for a year (the configured lifetime is 300 s)', () => sign(now(), now() + 365 * 86_400)],
    ['without iat (its lifetime cannot be known)', () => sign(undefined, now() + 300)],
  ])('when a token is %s, then 401', async (_what, make) => {
    const res = await me(app1, make());
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('unauthenticated');
  });
});
