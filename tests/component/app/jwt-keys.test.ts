import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { developmentEs256Pem } from '../../../services/app/auth/signing-keys';
import { DEMO, useTestApp, type TestApp } from './harness';

/**
 * Key rotation, forged `kid`s, algorithm confusion and the JWKS, against the real app (in-process,
 * real Redis). Three apps stand for three moments of a rotation: before (k1 signs), during (k2
 * signs, k1 still verifies), after (k1 retired).
 */
const K1 = 'Rk1-first-key-9f8e7d6c5b4a39281706f5e4d3c2b1a0';
const K2 = 'Rk2-second-key-0a1b2c3d4e5f60718293a4b5c6d7e8f9';

const before = useTestApp({ JWT_KEYS: `k1:${K1}` });
const during = useTestApp({ JWT_KEYS: `k1:${K1},k2:${K2}`, JWT_SIGNING_KID: 'k2' });
const after = useTestApp({ JWT_KEYS: `k2:${K2}` });
const es256 = useTestApp({ JWT_ALGORITHM: 'ES256' });

const loginOn = async (t: TestApp): Promise<string> => (await request(t.app).post('/jwt/login').send(DEMO)).body.accessToken;
const meOn = (t: TestApp, token: string) => request(t.app).get('/jwt/me').set('Authorization', `Bearer ${token}`);
const headerOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString());
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('key rotation', () => {
  test('when k2 takes over signing while k1 still verifies, then old and new tokens both work; once k1 is retired, only k2 tokens do', async () => {
    const old = await loginOn(before);
    const fresh = await loginOn(during);
    expect(headerOf(old).kid).toBe('k1');
    expect(headerOf(fresh).kid).toBe('k2');
    expect((await meOn(during, old)).status).toBe(200);
    expect((await meOn(during, fresh)).status).toBe(200);
    expect((await meOn(before, fresh)).status).toBe(401); // a replica not yet given k2
    const retired = await meOn(after, old);
    expect(retired.status).toBe(401);
    expect(retired.body.error).toBe('unauthenticated');
    expect((await meOn(after, fresh)).status).toBe(200);
  });
});

describe('forged kid values', () => {
  const key = crypto.createSecretKey(Buffer.from(K1));
  const now = () => Math.floor(Date.now() / 1000);
  const claims = () => ({ sub: 'alice', iat: now(), exp: now() + 60, iss: 'authscale', aud: 'authscale-api/jwt', jti: crypto.randomUUID() });
  // Signed with the right key, so the kid is the only thing wrong with each token.
  const withKid = (kid: unknown) => jwt.sign(claims(), key, { algorithm: 'HS256', header: { alg: 'HS256', typ: 'at+jwt', kid } as jwt.JwtHeader });

  test('when the kid names the key exactly, then the token is accepted (control case)', async () => {
    expect((await meOn(before, withKid('k1'))).status).toBe(200);
  });

  test.each([
    ['a path', '../../etc/passwd'],
    ['a URL', 'https://evil.example/jwks.json'],
    ['SQL', "k1' OR '1'='1"],
    ['very long', 'k'.repeat(10_000)],
    ['a number', 1],
    ['an object', { $ne: null }],
    ['an array', ['k1']],
    ['null', null],
    ['a prototype name', '__proto__'],
    ['the key id with a NUL', 'k1\u0000'],
  ])('when the kid is %s, then 401 unauthenticated and the replica stays up', async (_what, kid) => {
    const res = await meOn(before, withKid(kid));
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'unauthenticated', message: expect.any(String) });
    expect((await request(before.app).get('/health')).status).toBe(200);
  });

  test('when the header is not JSON at all, then 401', async () => {
    const [, payload, sig] = withKid('k1').split('.');
    expect((await meOn(before, `${Buffer.from('{"kid":').toString('base64url')}.${payload}.${sig}`)).status).toBe(401);
  });
});

describe('ES256 and algorithm confusion', () => {
  const publicPem = crypto.createPublicKey(developmentEs256Pem()).export({ type: 'spki', format: 'pem' }).toString();
  const now = () => Math.floor(Date.now() / 1000);
  const claims = () => ({ sub: 'alice', iat: now(), exp: now() + 60, iss: 'authscale', aud: 'authscale-api/jwt', jti: crypto.randomUUID() });

  test('when an ES256 replica issues a token, then it is ES256 with the development kid and verifies', async () => {
    const token = await loginOn(es256);
    expect(headerOf(token)).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: 'dev-es256' });
    expect((await meOn(es256, token)).status).toBe(200);
  });

  test('when a token is HS256-signed with the public key as the HMAC secret (algorithm confusion), then 401', async () => {
    const forged = jwt.sign(claims(), crypto.createSecretKey(Buffer.from(publicPem)), {
      algorithm: 'HS256', header: { alg: 'HS256', typ: 'at+jwt', kid: 'dev-es256' },
    });
    expect((await meOn(es256, forged)).status).toBe(401);
  });

  test('when a token says alg "none" with a valid kid, then 401', async () => {
    const forged = `${b64url({ alg: 'none', typ: 'at+jwt', kid: 'dev-es256' })}.${b64url(claims())}.`;
    expect((await meOn(es256, forged)).status).toBe(401);
  });

  test('when an HS256 replica\'s token reaches the ES256 replica, then 401 (its kid is unknown there)', async () => {
    expect((await meOn(es256, await loginOn(before))).status).toBe(401);
  });

  test('when another service reads /.well-known/jwks.json, then it gets only public keys, with kid, alg and use, and can verify a token with them', async () => {
    const res = await request(es256.app).get('/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.keys).toHaveLength(1);
    const [jwk] = res.body.keys;
    expect(Object.keys(jwk).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', kid: 'dev-es256', alg: 'ES256', use: 'sig' });
    expect(res.text).not.toMatch(/"d"|PRIVATE/);
    const verifier = crypto.createPublicKey({ key: jwk, format: 'jwk' });
    const token = await loginOn(es256);
    expect(jwt.verify(token, verifier, { algorithms: ['ES256'] })).toMatchObject({ sub: 'alice' });
  });

  test('when only HS256 keys exist, then the JWKS is empty: a shared secret is never published', async () => {
    const res = await request(during.app).get('/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ keys: [] });
    expect(res.text).not.toContain(K1);
  });
});
