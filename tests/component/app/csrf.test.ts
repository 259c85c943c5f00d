import Redis from 'ioredis';
import { sharedRedisUrl } from '../../support/shared-redis';
import { JSON_HEADERS, DEMO_BODY, login, logout, me, request, useProxyOver, useReplicas } from './session-replicas';

const cluster = useReplicas(3);
const proxy = useProxyOver(cluster);
let app1: string;
let app2: string;
let roundRobin: string;
let sticky: string;

beforeAll(() => {
  [app1, app2] = cluster.urls;
  [roundRobin, sticky] = proxy.urls;
});

const EVIL = 'https://evil.example';
const app3 = () => cluster.replicas[2].url;

describe.each(['memory', 'redis'])('%s: a cross-site or token-less logout changes nothing', (mode) => {
  test.each([
    ['a cross-site Origin', { Origin: EVIL }],
    ['Origin: null (a sandboxed page)', { Origin: 'null' }],
    ['Sec-Fetch-Site: cross-site', { 'Sec-Fetch-Site': 'cross-site' }],
    ['Sec-Fetch-Site: same-site (a sibling frontend port)', { 'Sec-Fetch-Site': 'same-site' }],
  ])('when the logout carries %s, even with the right token, then 403 csrf_rejected and the session still works', async (_label, headers) => {
    const { cookie, csrfToken } = await login(app1, mode);
    const refused = await logout(app1, mode, cookie, { ...headers, 'X-CSRF-Token': csrfToken });
    expect(refused.status).toBe(403);
    expect(refused.json()).toMatchObject({ error: 'csrf_rejected' });
    expect((await me(app1, mode, cookie)).status).toBe(200);
  });

  test.each([
    ['no X-CSRF-Token (a non-browser client: no Origin, no Sec-Fetch-Site)', {}],
    ['a wrong X-CSRF-Token', { 'X-CSRF-Token': 'x'.repeat(43) }],
    ['another session\'s token', 'other'],
  ])('when the logout carries %s, then 403 csrf_rejected and the session still works', async (_label, headers) => {
    const { cookie } = await login(app1, mode);
    const other = await login(app1, mode);
    const sent = headers === 'other' ? { 'X-CSRF-Token': other.csrfToken } : headers;
    const refused = await logout(app1, mode, cookie, sent);
    expect(refused.status).toBe(403);
    expect(refused.json().error).toBe('csrf_rejected');
    expect((await me(app1, mode, cookie)).status).toBe(200);
  });

  test('when a logged-in user reads /me cross-site (a safe method), then it is not refused, and /me returns the same token as the login', async () => {
    const { cookie, csrfToken } = await login(app1, mode);
    const answer = await me(app1, mode, cookie, { Origin: EVIL, 'Sec-Fetch-Site': 'cross-site' });
    expect(answer.status).toBe(200);
    expect(answer.json().csrfToken).toBe(csrfToken);
  });

  test('when a cross-site page posts a login (login CSRF), then 403 and no cookie; a client without Origin logs in', async () => {
    const refused = await login(app1, mode, { headers: { Origin: EVIL } });
    expect(refused.answer.status).toBe(403);
    expect(refused.answer.json().error).toBe('csrf_rejected');
    expect(refused.answer.headers['set-cookie']).toBeUndefined();
    expect((await login(app1, mode, { headers: { 'Sec-Fetch-Site': 'cross-site' } })).answer.status).toBe(403);
    expect((await login(app1, mode)).answer.status).toBe(200);
  });

  test('when a logout comes without a session, then 401 as before (no token can be asked for)', async () => {
    expect((await logout(app1, mode, '')).status).toBe(401);
  });
});

test('when a redis session predates CSRF tokens (no csrfToken in its record), then /me gives it one and logout with it works', async () => {
  const { cookie } = await login(app1, 'redis');
  const admin = new Redis(await sharedRedisUrl());
  try {
    const key = `sess:${decodeURIComponent(cookie.split('=')[1]).slice(2).split('.')[0]}`;
    const record = JSON.parse((await admin.get(key))!) as Record<string, unknown>;
    delete record.csrfToken;
    await admin.set(key, JSON.stringify(record), 'KEEPTTL');
  } finally {
    await admin.quit();
  }
  const token = String((await me(app2, 'redis', cookie)).json().csrfToken);
  expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect((await me(app3(), 'redis', cookie)).json().csrfToken).toBe(token);
  expect((await logout(app1, 'redis', cookie, { 'X-CSRF-Token': token })).status).toBe(204);
});

describe('through the proxy', () => {
  test('when the page\'s own origin logs out a redis session with its token on another replica, then 204 and every replica refuses the cookie', async () => {
    const origin = roundRobin; // http://127.0.0.1:<port>, as a browser on the dashboard sends it
    const first = await login(roundRobin, 'redis', { headers: { Origin: origin, 'Sec-Fetch-Site': 'same-origin' } });
    expect(first.answer.status).toBe(200);
    const loginReplica = first.answer.headers['x-instance'];
    const out = await logout(roundRobin, 'redis', first.cookie, { Origin: origin, 'X-CSRF-Token': first.csrfToken });
    expect(out.status).toBe(204);
    expect(out.headers['x-instance']).not.toBe(loginReplica); // round-robin: the next replica
    for (const replica of cluster.replicas) expect((await me(replica.url, 'redis', first.cookie)).status).toBe(401);
  });

  test('when the page\'s origin is a sibling frontend (another port of the same host), then the logout is refused', async () => {
    const { cookie, csrfToken } = await login(roundRobin, 'redis');
    const refused = await logout(roundRobin, 'redis', cookie, { Origin: sticky, 'X-CSRF-Token': csrfToken });
    expect(refused.status).toBe(403);
    expect((await me(roundRobin, 'redis', cookie)).status).toBe(200);
  });

  test('when a memory session logs out with its token on the sticky frontend, then 204; on another replica its token cannot help: 401', async () => {
    const first = await request(`${sticky}/memory/login`, { method: 'POST', headers: { ...JSON_HEADERS, Origin: sticky }, body: DEMO_BODY });
    const lb = first.headers['set-cookie']!.find((c) => c.startsWith('lb='))!.split(';')[0];
    const sid = first.headers['set-cookie']!.find((c) => c.startsWith('sid_memory='))!.split(';')[0];
    const token = String(first.json().csrfToken);
    const home = cluster.replicas.find((r) => r.id === first.headers['x-instance'])!;
    const elsewhere = cluster.replicas.find((r) => r.id !== home.id)!;
    // The session lives only where it was created: elsewhere there is nothing to log out.
    expect((await logout(elsewhere.url, 'memory', sid, { 'X-CSRF-Token': token })).status).toBe(401);
    const out = await logout(sticky, 'memory', `${lb}; ${sid}`, { Origin: sticky, 'X-CSRF-Token': token });
    expect(out.status).toBe(204);
    expect(out.headers['x-instance']).toBe(home.id);
    expect((await me(home.url, 'memory', sid)).status).toBe(401);
  });

  test('when a jwt client logs out with a cross-site Origin, then CSRF does not apply (a bearer token, no cookie)', async () => {
    const token = String((await login(app2, 'jwt')).answer.json().accessToken);
    const out = await request(`${app2}/jwt/logout`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, Origin: EVIL } });
    expect(out.status).toBe(200);
  });
});
