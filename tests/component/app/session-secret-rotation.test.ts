import { login, logout, me, useReplicas } from './session-replicas';

// Three replicas sharing Redis, as during a rolling rotation of SESSION_SECRET:
// before (old only), during (new signs, old still verifies), after (old dropped).
const OLD = 'old-secret-4f9c1e7a2b8d3f6e0a5c9b1d7e3f2a8c';
const NEW = 'new-secret-9b2e6d1f4a7c3e8b0d5f2a9c6e1b4d7f';

const cluster = useReplicas(3, {}, [{ SESSION_SECRET: OLD }, { SESSION_SECRET: `${NEW},${OLD}` }, { SESSION_SECRET: NEW }]);
let before: string;
let during: string;
let after: string;

beforeAll(() => {
  [before, during, after] = cluster.urls;
});

test('when a session was signed with the old secret, then it still works while the old secret is listed, and logs out with its token', async () => {
  const old = await login(before, 'redis');
  expect((await me(during, 'redis', old.cookie)).status).toBe(200);
  expect((await logout(during, 'redis', old.cookie, { 'X-CSRF-Token': old.csrfToken })).status).toBe(204);
  expect((await me(before, 'redis', old.cookie)).status).toBe(401);
});

test('when the first secret is new, then new sessions are signed with it: the replicas that know it accept them, one that does not refuses them', async () => {
  const fresh = await login(during, 'redis');
  expect((await me(during, 'redis', fresh.cookie)).status).toBe(200);
  expect((await me(after, 'redis', fresh.cookie)).status).toBe(200);
  expect((await me(before, 'redis', fresh.cookie)).status).toBe(401);
});

test('when the old secret is dropped, then only the sessions it signed are logged out', async () => {
  const signedOld = await login(before, 'redis');
  const signedNew = await login(during, 'redis');
  expect((await me(after, 'redis', signedOld.cookie)).status).toBe(401);
  expect((await me(after, 'redis', signedNew.cookie)).status).toBe(200);
  // The old session itself is intact in Redis: a replica that still lists the old secret serves it.
  expect((await me(during, 'redis', signedOld.cookie)).status).toBe(200);
});
