import { waitFor } from '../../../common/poll';
import { sharedRedisUrl } from '../../support/shared-redis';
import { JSON_HEADERS, request, useProxyOver, useReplicas, type Answer } from './session-replicas';

// Cost 16 (~0.1–0.3 s a hash here): the first login still hashes while the others arrive.
const HASH_COST = 16;

function login(base: string, username: string, password: string, address: string): Promise<Answer> {
  return request(`${base}/jwt/login`, {
    method: 'POST', headers: { ...JSON_HEADERS, 'X-Forwarded-For': address }, body: JSON.stringify({ username, password }),
  });
}

/** The value of one sample line of the replica's /metrics (0 when absent). */
async function metric(base: string, sample: string): Promise<number> {
  const text = (await request(`${base}/metrics`)).body;
  const line = text.split('\n').find((l) => l.startsWith(sample));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

describe('login admission on one replica: one hash at a time, three waiting', () => {
  // A long queue timeout: on a loaded machine the expected-wait refusal would blur the queue limit.
  // No CPU gate: each test's refusals leave the replica overloaded for 5 s, and on a busy machine
  // (CI runs test files side by side) the gate would keep even the first login waiting, so the
  // free slot would not count and fewer logins would be checked (its own tests: cpu-wait, unit).
  const cluster = useReplicas(1, {
    LOGIN_HASH_CONCURRENCY: '1', LOGIN_QUEUE_LIMIT: '3', LOGIN_QUEUE_TIMEOUT_MS: '60000', LOGIN_OVERLOAD_CPU_WAIT: '1',
  }, [],
    sharedRedisUrl, { hashCost: HASH_COST });
  const proxy = useProxyOver(cluster);
  let app: string;

  beforeAll(() => {
    app = cluster.urls[0];
  });
  beforeEach(() => cluster.clock.advance(301_000));

  test('when ten logins arrive at once, then four are checked and the rest get 503 login_overloaded with Retry-After, counted in /metrics', async () => {
    const refusedBefore = await metric(app, 'authscale_logins_refused_total');
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => login(app, 'alice', 'demo-password', `198.51.100.${i}`)));
    const ok = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 503);
    expect(ok.length + refused.length).toBe(10);
    expect(ok.length).toBeLessThanOrEqual(4);
    expect(refused.length).toBeGreaterThanOrEqual(6);
    for (const a of refused) {
      expect(a.json().error).toBe('login_overloaded');
      expect(Number(a.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    expect(await metric(app, 'authscale_logins_refused_total') - refusedBefore).toBe(refused.length);
    expect(await metric(app, 'authscale_login_queue_depth')).toBe(0);
  });

  test('when a wrong-password login is refused before its hash, then its throttle slot is given back', async () => {
    // Eight wrong guesses from one address at once: five reserve a slot (limit 5), three get 429;
    // of the five, one hashes, three wait and one is refused (503) and gives its slot back.
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => login(app, 'bob', `wrong-${i}`, '203.0.113.60')));
    const count = (status: number) => answers.filter((a) => a.status === status).length;
    expect(count(401)).toBe(4);
    expect(count(503)).toBeGreaterThanOrEqual(1);
    expect(count(401) + count(503) + count(429)).toBe(8);
    // Only the checked failures count (a refused one's slot went back, maybe to a later guess):
    // 5 − 4 = 1 more guess is allowed, then the pair is at its limit.
    for (let i = count(401); i < 5; i++) expect((await login(app, 'bob', 'again', '203.0.113.60')).status).toBe(401);
    expect((await login(app, 'bob', 'again', '203.0.113.60')).status).toBe(429);
  });

  test('when clients give up while their logins wait behind the proxy, then the replica drops them before hashing', async () => {
    const sample = (outcome: string) => metric(app, `authscale_logins_total{mode="jwt",outcome="${outcome}"`);
    const [goneBefore, okBefore] = [await metric(app, 'authscale_logins_abandoned_total{reason="client_gone"'), await sample('ok')];
    const rr = proxy.urls[0];
    const first = login(rr, 'carol', 'demo-password', '192.0.2.90');
    await waitFor(async () => (await metric(app, 'authscale_logins_hashing')) === 1, 5_000, 5);
    const clients = Array.from({ length: 3 }, () => new AbortController());
    const impatient = clients.map((client, i) => fetch(`${rr}/jwt/login`, {
      method: 'POST', headers: { ...JSON_HEADERS, 'X-Forwarded-For': `192.0.2.${91 + i}` },
      body: JSON.stringify({ username: 'carol', password: 'demo-password' }), signal: client.signal,
    }).catch((e: Error) => e.name));
    await waitFor(async () => (await metric(app, 'authscale_login_queue_depth')) === 3, 5_000, 5);
    for (const client of clients) client.abort();
    expect(await Promise.all(impatient)).toEqual(['AbortError', 'AbortError', 'AbortError']);
    expect((await first).status).toBe(200);
    await waitFor(async () => (await metric(app, 'authscale_logins_abandoned_total{reason="client_gone"')) - goneBefore === 3, 5_000);
    // Only the patient login was hashed.
    expect(await sample('ok') - okBefore).toBe(1);
    expect(await metric(app, 'authscale_login_queue_depth')).toBe(0);
  });
});
