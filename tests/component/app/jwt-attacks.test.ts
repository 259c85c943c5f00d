import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { DEVELOPMENT_SECRETS } from '../../../services/common/config';
import { RedisServer } from '../../support/redis-server';
import { DEMO, startTestApp, type TestApp } from './harness';

let redisServer: RedisServer;
let t: TestApp;

beforeAll(async () => {
  redisServer = await RedisServer.start({ appendonly: false });
  t = await startTestApp(redisServer.url, { JWT_ACCESS_TTL_SECONDS: '60' });
});
afterAll(async () => {
  await t?.close();
  await redisServer?.stop();
});

const key = crypto.createSecretKey(Buffer.from(DEVELOPMENT_SECRETS.jwt));
const now = () => Math.floor(t.clock.now() / 1000);
const meWith = (token: string) => request(t.app).get('/jwt/me').set('Authorization', `Bearer ${token}`);
const base = () => ({ sub: 'alice', iat: now(), exp: now() + 60, iss: 'authscale', aud: 'authscale-api' });

function b64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

test('when a token is signed by the app\'s key with the right claims, then it is accepted (control case)', async () => {
  expect((await meWith(jwt.sign(base(), key, { algorithm: 'HS256' }))).status).toBe(200);
});

test.each([
  ['signed with another key', () => jwt.sign(base(), crypto.createSecretKey(crypto.randomBytes(32)), { algorithm: 'HS256' })],
  ['for another audience', () => jwt.sign({ ...base(), aud: 'someone-else' }, key, { algorithm: 'HS256' })],
  ['from another issuer', () => jwt.sign({ ...base(), iss: 'evil' }, key, { algorithm: 'HS256' })],
  ['without exp', () => jwt.sign({ sub: 'alice', iat: now(), iss: 'authscale', aud: 'authscale-api' }, key, { algorithm: 'HS256' })],
  ['already expired', () => jwt.sign({ ...base(), iat: now() - 120, exp: now() - 60 }, key, { algorithm: 'HS256' })],
  ['signed with HS512', () => jwt.sign(base(), key, { algorithm: 'HS512' })],
  ['with alg "none"', () => `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(base())}.`],
  ['with a modified payload', () => {
    const [h, , s] = jwt.sign(base(), key, { algorithm: 'HS256' }).split('.');
    return `${h}.${b64url({ ...base(), sub: 'bob' })}.${s}`;
  }],
])('when a token is %s, then 401 unauthenticated', async (_what, make) => {
  const res = await meWith(make());
  expect(res.status).toBe(401);
  expect(res.body).toEqual({ error: 'unauthenticated', message: expect.any(String) });
});

test('when the access-token lifetime passes, then the token issued at login is refused', async () => {
  const login = await request(t.app).post('/jwt/login').send(DEMO);
  expect(login.body.expiresIn).toBe(60);
  expect((await meWith(login.body.accessToken)).status).toBe(200);
  t.clock.advance(61_000);
  expect((await meWith(login.body.accessToken)).status).toBe(401);
  expect((await request(t.app).post('/jwt/logout').set('Authorization', `Bearer ${login.body.accessToken}`)).status).toBe(401);
});

test('when the token header names a key id, then it is the app\'s key id and the algorithm is HS256', async () => {
  const login = await request(t.app).post('/jwt/login').send(DEMO);
  const header = JSON.parse(Buffer.from(login.body.accessToken.split('.')[0], 'base64url').toString());
  expect(header).toMatchObject({ alg: 'HS256', typ: 'JWT', kid: expect.stringMatching(/^[0-9a-f]{8}$/) });
});
