import crypto from 'node:crypto';
import { DEVELOPMENT_SECRETS } from '../../../common/config';
import { loadAppConfig } from '../../../services/app/config';
import { problemsOf } from './config-problems';
import { KeyRing, developmentEs256Pem, kidForSecret } from '../../../services/app/auth/signing-keys';

const STRONG_SESSION = 'k3J9x!Qp2vLz8Rt5Wm1Yb7Hc4Nd6Fg0Sa';
const STRONG_A = 'Zq8Lm2Xv5Rt9Wp1Kc7Hb4Nd6Fg3Sa0Jy!E';
const STRONG_B = 'Yp7Kn3Wu6Qs0Vo2Jb8Gc5Md1Fh4Ra9Tx#D';
const PRODUCTION = { APP_ENV: 'production', SESSION_SECRET: STRONG_SESSION, DEMO_PASSWORD: 'Another-Strong-Pass-123' };


const freshEs256Pem = () => crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

test('when only JWT_SECRET is set (or nothing), then it is a one-key HS256 ring whose kid is a digest of the secret, as before', () => {
  const ring = loadAppConfig({}).jwt.keyRing;
  expect(ring).toEqual({
    algorithm: 'HS256', signingKid: kidForSecret(DEVELOPMENT_SECRETS.jwt),
    keys: [{ kid: kidForSecret(DEVELOPMENT_SECRETS.jwt), algorithm: 'HS256', material: DEVELOPMENT_SECRETS.jwt, development: true }],
  });
  expect(loadAppConfig({ JWT_SECRET: STRONG_A }).jwt.keyRing.signingKid).toBe(kidForSecret(STRONG_A));
  expect(loadAppConfig({}).jwt.refreshTtlSeconds).toBe(7 * 86_400);
  expect(loadAppConfig({}).jwt.refreshReuseGraceSeconds).toBe(2);
});

test('when JWT_KEYS lists several keys, then all verify, the first signs unless JWT_SIGNING_KID names another', () => {
  const env = { JWT_KEYS: `old:${STRONG_A}, new:${STRONG_B}` };
  expect(loadAppConfig(env).jwt.keyRing.signingKid).toBe('old');
  const ring = new KeyRing(loadAppConfig({ ...env, JWT_SIGNING_KID: 'new' }).jwt.keyRing);
  expect(ring.signer.kid).toBe('new');
  expect(ring.kids).toEqual(['old', 'new']);
});

test('when an ES256 PEM sits beside an HS256 secret, then each key is pinned to its own algorithm (a migration ring)', () => {
  const pem = freshEs256Pem().replace(/\n/g, '\\n'); // as an environment variable carries it
  const ring = new KeyRing(loadAppConfig({ JWT_ALGORITHM: 'ES256', JWT_KEYS: `ec1:${pem},hs1:${STRONG_A}` }).jwt.keyRing);
  expect(ring.find('ec1')?.algorithm).toBe('ES256');
  expect(ring.find('hs1')?.algorithm).toBe('HS256');
  expect(ring.publicJwks().keys.map((k) => k.kid)).toEqual(['ec1']);
});

test.each([
  ['both JWT_SECRET and JWT_KEYS', { JWT_SECRET: STRONG_A, JWT_KEYS: `a:${STRONG_B}` }, /^JWT_SECRET: set either/],
  ['a kid with a slash', { JWT_KEYS: `../a:${STRONG_A}` }, /^JWT_KEYS\.0: must be kid:key/],
  ['a key without kid', { JWT_KEYS: STRONG_A }, /^JWT_KEYS\.0: must be kid:key/],
  ['the same kid twice', { JWT_KEYS: `a:${STRONG_A},a:${STRONG_B}` }, /^JWT_KEYS\.1: kid "a" is listed twice/],
  ['a signing kid that is not in the ring', { JWT_KEYS: `a:${STRONG_A}`, JWT_SIGNING_KID: 'b' }, /^JWT_SIGNING_KID: names no key/],
  ['ES256 with an HS256 signing key', { JWT_ALGORITHM: 'ES256', JWT_KEYS: `a:${STRONG_A}` }, /^JWT_ALGORITHM: is ES256 but the signing key "a" is an HS256 key/],
  ['a PEM that does not parse', { JWT_ALGORITHM: 'ES256', JWT_KEYS: 'a:-----BEGIN PRIVATE KEY-----garbage' }, /^JWT_KEYS\.0: is not a usable ES256 key/],
  ['an unknown algorithm', { JWT_ALGORITHM: 'none' }, /^JWT_ALGORITHM: /],
])('when the config has %s, then it is refused with the reason', (_what, env, problem) => {
  expect(problemsOf(env)).toEqual(expect.arrayContaining([expect.stringMatching(problem)]));
});

test('when production is given weak or development JWT keys, then each is refused', () => {
  expect(problemsOf({ ...PRODUCTION, JWT_KEYS: `a:${DEVELOPMENT_SECRETS.jwt},b:short,c:${STRONG_A}` })).toEqual([
    'JWT_KEYS.0: is a built-in development value',
    expect.stringMatching(/^JWT_KEYS\.1: is too short/),
  ]);
  expect(problemsOf({ ...PRODUCTION, JWT_ALGORITHM: 'ES256' })).toEqual([expect.stringMatching(/^JWT_KEYS: is required in production for ES256/)]);
  expect(problemsOf({ ...PRODUCTION, JWT_ALGORITHM: 'ES256', JWT_KEYS: `dev:${developmentEs256Pem()}` }))
    .toEqual(['JWT_KEYS.0: is the built-in development ES256 key']);
});

test('when production is given strong keys, then it starts', () => {
  expect(loadAppConfig({ ...PRODUCTION, JWT_KEYS: `a:${STRONG_A},b:${STRONG_B}` }).jwt.keyRing.keys).toHaveLength(2);
  expect(loadAppConfig({ ...PRODUCTION, JWT_ALGORITHM: 'ES256', JWT_KEYS: `p1:${freshEs256Pem()}` }).jwt.keyRing.algorithm).toBe('ES256');
});

test('when the development ES256 key is derived twice, then it is the same key (replicas share it without configuration)', () => {
  expect(developmentEs256Pem()).toBe(developmentEs256Pem());
});

test.each([['../x'], ['a'.repeat(65)], [''], [42], [null], [undefined], [{}]])('when a token names kid %p, then the ring finds nothing', (kid) => {
  const ring = new KeyRing(loadAppConfig({}).jwt.keyRing);
  expect(ring.find(kid)).toBeUndefined();
});
