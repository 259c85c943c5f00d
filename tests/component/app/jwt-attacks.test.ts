import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { DEVELOPMENT_SECRETS } from '../../../common/config';
import { kidForSecret } from '../../../services/app/auth/signing-keys';
import { DEMO, useTestApp } from './harness';

const t = useTestApp({ JWT_ACCESS_TTL_SECONDS: '60' });

const key = crypto.createSecretKey(Buffer.from(DEVELOPMENT_SECRETS.jwt));
// Everything an honest token's header carries, so each case below fails for its one flaw only.
const header = { typ: 'at+jwt', kid: kidForSecret(DEVELOPMENT_SECRETS.jwt) };
const sign = (payload: object, k: crypto.KeyObject = key, algorithm: jwt.Algorithm = 'HS256') =>
  jwt.sign(payload, k, { algorithm, header: { alg: algorithm, ...header } });
const now = () => Math.floor(t.clock.now() / 1000);
const meWith = (token: string) => request(t.app).get('/jwt/me').set('Authorization', `Bearer ${token}`);
const base = () => ({ sub: 'alice', iat: now(), exp: now() + 60, iss: 'authscale', aud: 'authscale-api/jwt', jti: crypto.randomUUID() });

function b64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

test('when a token is signed by the app\'s key with the right claims, then it is accepted (control case)', async () => {
  expect((await meWith(sign(base()))).status).toBe(200);
});

test.each([
  ['signed with another key', () => sign(base(), crypto.createSecretKey(crypto.randomBytes(32)))],
  ['for another audience', () => sign({ ...base(), aud: 'someone-else' })],
  ['from another issuer', () => sign({ ...base(), iss: 'evil' })],
  ['without exp', () => sign({ sub: 'alice', iat: now(), iss: 'authscale', aud: 'authscale-api/jwt', jti: 'x' })],
  ['already expired', () => sign({ ...base(), iat: now() - 120, exp: now() - 60 })],
  ['signed with HS512', () => sign(base(), key, 'HS512')],
  ['with alg "none"', () => `${b64url({ alg: 'none', ...header })}.${b64url(base())}.`],
  ['typed as a plain JWT, not an access token (typ "JWT")', () => jwt.sign(base(), key, { algorithm: 'HS256', header: { alg: 'HS256', typ: 'JWT', kid: header.kid } })],
  ['without a kid', () => jwt.sign(base(), key, { algorithm: 'HS256', header: { alg: 'HS256', typ: 'at+jwt' } })],
  ['with a modified payload', () => {
    const [h, , s] = sign(base()).split('.');
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

test('when the token header names a key id, then it is the app\'s key id, the algorithm is HS256 and the type at+jwt', async () => {
  const login = await request(t.app).post('/jwt/login').send(DEMO);
  const header = JSON.parse(Buffer.from(login.body.accessToken.split('.')[0], 'base64url').toString());
  expect(header).toMatchObject({ alg: 'HS256', typ: 'at+jwt', kid: expect.stringMatching(/^[0-9a-f]{8}$/) });
});
