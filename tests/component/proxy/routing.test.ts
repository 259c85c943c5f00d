import { CLIENT_ADDRESS_HEADER, CLIENT_KEY_HEADER, clientAddressKey } from '../../../common/client-address';
import type { RunningProxy } from '../../../proxy/server';
import { DEVELOPMENT_SECRETS } from '../../../common/config';
import { waitFor } from '../../../common/poll';
import { TestUpstream, request, startProxy, upstreamsEnv } from './support';

const ADMIN = { Authorization: `Bearer ${DEVELOPMENT_SECRETS.admin}` };

describe('proxy routing over real upstreams', () => {
  let ups: TestUpstream[];
  let proxy: RunningProxy;
  let rr: string;
  let sticky: string;
  let hash: string;

  beforeAll(async () => {
    ups = await Promise.all(['app1', 'app2', 'app3'].map((id) => TestUpstream.start(id)));
    proxy = await startProxy({ UPSTREAMS: upstreamsEnv(ups) });
    [rr, sticky, hash] = proxy.urls;
  });

  afterAll(async () => {
    // The proxy survived everything above: it still answers its status.
    expect((await request(`${rr}/_proxy/status`)).status).toBe(200);
    await proxy.close();
    await Promise.all(ups.map((u) => u.stop()));
  });

  it('when 30 requests go to the round-robin frontend, then each replica serves 10', async () => {
    const counts: Record<string, number> = {};
    for (let i = 0; i < 30; i++) {
      const answer = await request(`${rr}/rr`);
      expect(answer.status).toBe(200);
      const id = String(answer.headers['x-instance']);
      counts[id] = (counts[id] ?? 0) + 1;
    }
    expect(counts).toEqual({ app1: 10, app2: 10, app3: 10 });
  });

  it('when a client keeps its lb cookie, then 30 requests all reach the same replica and the cookie is not re-set', async () => {
    const first = await request(`${sticky}/s`);
    const setCookie = first.headers['set-cookie']?.find((c) => c.startsWith('lb='));
    expect(setCookie).toMatch(/^lb=[A-Za-z0-9_-]+; Path=\/; HttpOnly; SameSite=Lax$/);
    const cookie = setCookie!.split(';')[0];
    for (let i = 0; i < 30; i++) {
      const answer = await request(`${sticky}/s`, { headers: { Cookie: `other=1; ${cookie}` } });
      expect(answer.headers['x-instance']).toBe(first.headers['x-instance']);
      expect(answer.headers['set-cookie']?.some((c) => c.startsWith('lb='))).toBeFalsy();
    }
  });

  it.each(['lb=tampered-value', 'lb=app1', 'lb='])('when the cookie is "%s", then a healthy replica answers 200 and a fresh cookie is set', async (cookie) => {
    const answer = await request(`${sticky}/s`, { headers: { Cookie: cookie } });
    expect(answer.status).toBe(200);
    expect(answer.headers['set-cookie']?.find((c) => c.startsWith('lb='))).toMatch(/^lb=[A-Za-z0-9_-]{22};/);
  });

  it('when simulated clients (the keyed client-address claim) use hash-ip, then each keeps its replica and all replicas get some', async () => {
    const firstSeen = new Map<string, string>();
    for (let round = 0; round < 3; round++) {
      for (let i = 1; i <= 30; i++) {
        const client = `198.51.100.${i}`;
        const answer = await request(`${hash}/h`, { headers: { [CLIENT_ADDRESS_HEADER]: client, [CLIENT_KEY_HEADER]: clientAddressKey(DEVELOPMENT_SECRETS.admin) } });
        const id = String(answer.headers['x-instance']);
        if (round === 0) firstSeen.set(client, id);
        else expect(id).toBe(firstSeen.get(client));
      }
    }
    expect(new Set(firstSeen.values()).size).toBe(3);
  });

  it('when /_proxy/status is read on any frontend, then it has the documented shape (docs/proxy.md)', async () => {
    for (const url of proxy.urls) {
      const status = (await request(`${url}/_proxy/status`)).json();
      expect(status.control).toBeNull();
      expect(status.panic).toBe(false);
      expect(status.frontends).toEqual(proxy.frontends.map(({ port, strategy }) => ({ port, strategy })));
      const upstreams = status.upstreams as Record<string, unknown>[];
      expect(upstreams.map((u) => u.id)).toEqual(['app1', 'app2', 'app3']);
      expect(upstreams[0]).toEqual({
        id: 'app1', url: ups[0].url, healthy: true, reachable: true, draining: false, inFlight: 0,
        requests: expect.any(Number), failures: 0, lastCheck: { at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), ok: true },
      });
    }
  });

  it('when /_proxy/metrics is scraped, then it reports responses per frontend and per-upstream counters', async () => {
    const answer = await request(`${rr}/_proxy/metrics`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatch(/authscale_proxy_responses_total\{port="\d+",strategy="round-robin",class="2xx"\} \d+/);
    expect(answer.body).toMatch(/authscale_proxy_upstream_requests_total\{upstream="app1"\} \d+/);
    expect(answer.body).toMatch(/authscale_proxy_upstream_healthy\{upstream="app3"\} 1/);
  });

  it('when admin routes are called without the token or with a wrong one, then 401 JSON and nothing changes', async () => {
    for (const headers of [{}, { Authorization: 'Bearer wrong' }, { Authorization: 'Basic abc' }] as Record<string, string>[]) {
      const add = await request(`${rr}/_proxy/upstreams`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify({ id: 'x', url: 'http://127.0.0.1:1' }) });
      expect(add.status).toBe(401);
      expect(add.json().error).toBe('admin_token_required');
      expect((await request(`${rr}/_proxy/upstreams/app1`, { method: 'DELETE', headers })).status).toBe(401);
      expect((await request(`${rr}/_proxy/upstreams/app1/drain`, { method: 'POST', headers })).status).toBe(401);
    }
    expect(proxy.pool.all().map((u) => u.id)).toEqual(['app1', 'app2', 'app3']);
  });

  it('when admin input is bad, then a clear JSON error comes back', async () => {
    const post = (body: string) => request(`${rr}/_proxy/upstreams`, { method: 'POST', headers: { ...ADMIN, 'Content-Type': 'application/json' }, body });
    expect((await post('{nope')).json().error).toBe('invalid_json');
    expect((await post(JSON.stringify({ id: 'a b', url: 'ftp://x' }))).json().error).toBe('invalid_body');
    expect((await post(JSON.stringify({ id: 'app1', url: ups[0].url }))).status).toBe(409);
    expect((await request(`${rr}/_proxy/upstreams/nope`, { method: 'DELETE', headers: ADMIN })).status).toBe(404);
  });

  it('when an upstream is added, drained, then removed with the token, then traffic follows', async () => {
    const app4 = await TestUpstream.start('app4');
    try {
      const added = await request(`${rr}/_proxy/upstreams`, { method: 'POST', headers: { ...ADMIN, 'Content-Type': 'application/json' }, body: JSON.stringify({ id: 'app4', url: app4.url }) });
      expect(added.status).toBe(201);
      for (let i = 0; i < 8; i++) await request(`${rr}/after-add`);
      expect(app4.count()).toBe(2);

      const drained = await request(`${rr}/_proxy/upstreams/app4/drain`, { method: 'POST', headers: ADMIN });
      expect(drained.json()).toMatchObject({ upstream: { id: 'app4', draining: true } });
      for (let i = 0; i < 6; i++) await request(`${rr}/after-drain`);
      expect(app4.count()).toBe(2);

      expect((await request(`${rr}/_proxy/upstreams/app4`, { method: 'DELETE', headers: ADMIN })).status).toBe(200);
      const status = (await request(`${rr}/_proxy/status`)).json();
      expect((status.upstreams as { id: string }[]).map((u) => u.id)).toEqual(['app1', 'app2', 'app3']);
    } finally {
      await app4.stop();
    }
  });

  it('when the proxy is asked for an unknown internal route, then 404 JSON', async () => {
    const answer = await request(`${rr}/_proxy/nope`);
    expect(answer.status).toBe(404);
    expect(answer.json()).toEqual({ error: 'not_found', message: expect.any(String) });
  });

  it('when the health checks run, then lastCheck moves forward', async () => {
    const before = proxy.pool.get('app2')!.lastCheck!.at;
    await waitFor(() => proxy.pool.get('app2')!.lastCheck!.at !== before, 2000);
  });
});
