import http from 'node:http';
import type { RunningProxy } from '../../../proxy/server';
import { waitFor } from '../../../common/poll';
import { TestUpstream, request, startProxy, upstreamsEnv } from './support';

/** A client that reports whether the connection closed and how long it waited. */
function getUntilClosed(url: string): Promise<{ outcome: 'closed' | 'complete'; ms: number; status: number }> {
  const began = Date.now();
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => resolve({ outcome: res.complete ? 'complete' : 'closed', ms: Date.now() - began, status: res.statusCode ?? 0 }));
      res.on('error', () => resolve({ outcome: 'closed', ms: Date.now() - began, status: res.statusCode ?? 0 }));
      res.on('aborted', () => resolve({ outcome: 'closed', ms: Date.now() - began, status: res.statusCode ?? 0 }));
    });
    req.on('error', () => resolve({ outcome: 'closed', ms: Date.now() - began, status: 0 }));
  });
}

describe('proxy failure handling with real upstreams', () => {
  let ups: TestUpstream[];
  let proxy: RunningProxy;
  let rr: string;
  let sticky: string;

  beforeEach(async () => {
    ups = await Promise.all(['app1', 'app2'].map((id) => TestUpstream.start(id)));
  });

  afterEach(async () => {
    // Whatever happened, the proxy process is alive and answering.
    expect((await request(`${rr}/_proxy/status`)).status).toBe(200);
    await proxy.close();
    await Promise.all(ups.map((u) => u.stop()));
  });

  async function withProxy(env: Record<string, string> = {}): Promise<void> {
    proxy = await startProxy({ UPSTREAMS: upstreamsEnv(ups), ...env });
    [rr, sticky] = proxy.urls;
  }

  // Slow active checks, so the proxy still believes a stopped replica is up: only passive handling can save the request.
  const SLOW_CHECKS = { HEALTH_INTERVAL_MS: '60000', HEALTH_TIMEOUT_MS: '500' };
  /** A 300 ms upstream timeout fires on undici's coarse timer (ticks of ~500 ms): well within this, far below a hang. */
  const UNDICI_TIMER_SLACK_MS = 1600;

  it('when a replica is not running as the proxy starts, then it is ejected before the first client and never sent a request', async () => {
    await ups[0].stop();
    // Slow checks: only the first round, awaited by start(), can have ejected it.
    await withProxy(SLOW_CHECKS);
    expect(proxy.pool.get('app1')!.healthy).toBe(false);
    const status = (await request(`${rr}/_proxy/status`)).json() as { upstreams: { id: string; healthy: boolean; requests: number }[] };
    expect(status.upstreams.find((u) => u.id === 'app1')).toMatchObject({ healthy: false, requests: 0 });
    const answers = await Promise.all(Array.from({ length: 10 }, () => request(`${rr}/get`)));
    expect(answers.map((a) => a.headers['x-instance'])).toEqual(Array(10).fill('app2'));
  });

  it('when a replica refuses connections before the checks notice, then GETs are retried elsewhere with zero client errors and it is ejected', async () => {
    await withProxy(SLOW_CHECKS);
    await ups[0].stop();
    const answers = await Promise.all(Array.from({ length: 20 }, () => request(`${rr}/get`)));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(new Set(answers.map((a) => a.headers['x-instance']))).toEqual(new Set(['app2']));
    expect(proxy.pool.get('app1')!.healthy).toBe(false);
  });

  it('when a replica refuses a POST, then it is retried on another with its body intact', async () => {
    await withProxy(SLOW_CHECKS);
    await ups[0].stop();
    for (let i = 0; i < 2; i++) {
      const answer = await request(`${rr}/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"username":"alice"}' });
      expect(answer.status).toBe(200);
      expect(answer.json()).toEqual({ instance: 'app2', method: 'POST', body: '{"username":"alice"}' });
    }
  });

  it('when a replica resets a POST after receiving it, then the client gets 502 JSON and the POST is not sent again', async () => {
    await withProxy(SLOW_CHECKS);
    ups[0].behaviour = 'reset';
    ups[1].behaviour = 'reset';
    const answer = await request(`${rr}/pay`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"amount":1}' });
    expect(answer.status).toBe(502);
    expect(answer.json()).toMatchObject({ error: 'bad_gateway' });
    expect(ups[0].count() + ups[1].count()).toBe(1);
  });

  it('when a replica resets a GET, then it is retried once on another replica and succeeds', async () => {
    await withProxy(SLOW_CHECKS);
    ups[0].behaviour = 'reset';
    for (let i = 0; i < 4; i++) expect((await request(`${rr}/idempotent`)).status).toBe(200);
    expect(ups[0].count()).toBe(1); // ejected after its first reset
  });

  it('when every replica hangs, then a POST gets 504 JSON within the timeout and is sent only once', async () => {
    await withProxy({ ...SLOW_CHECKS, UPSTREAM_TIMEOUT_MS: '300' });
    ups[0].behaviour = 'hang';
    ups[1].behaviour = 'hang';
    const began = Date.now();
    const post = await request(`${rr}/slow`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(504);
    expect(post.json()).toMatchObject({ error: 'gateway_timeout' });
    // undici's response-head timer ticks about every 500 ms: a 300 ms timeout fires within ~1 s.
    expect(Date.now() - began).toBeLessThan(UNDICI_TIMER_SLACK_MS);
    expect(ups[0].count() + ups[1].count()).toBe(1);
  });

  it('when one replica hangs, then GETs are retried on the other after the timeout', async () => {
    await withProxy({ ...SLOW_CHECKS, UPSTREAM_TIMEOUT_MS: '300' });
    ups[0].behaviour = 'hang';
    const began = Date.now();
    const gets = await Promise.all([request(`${rr}/g`), request(`${rr}/g`)]);
    expect(gets.map((g) => [g.status, g.headers['x-instance']])).toEqual([[200, 'app2'], [200, 'app2']]);
    expect(Date.now() - began).toBeLessThan(UNDICI_TIMER_SLACK_MS);
  });

  it('when a replica dies in the middle of a response body, then the client connection is closed promptly', async () => {
    await withProxy(SLOW_CHECKS);
    ups[0].behaviour = 'die-mid-body';
    ups[1].behaviour = 'die-mid-body';
    const result = await getUntilClosed(`${rr}/big`);
    expect(result.status).toBe(200);
    expect(result.outcome).toBe('closed');
    expect(result.ms).toBeLessThan(1000);
  });

  it('when a replica is killed, then it is ejected, and when it comes back on its port, then it is re-admitted', async () => {
    await withProxy();
    await ups[0].stop();
    await waitFor(() => !proxy.pool.get('app1')!.healthy, 2000, 20);
    for (let i = 0; i < 6; i++) expect((await request(`${rr}/x`)).headers['x-instance']).toBe('app2');
    await ups[0].start();
    await waitFor(() => proxy.pool.get('app1')!.healthy, 2000, 20);
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add(String((await request(`${rr}/x`)).headers['x-instance']));
    expect(seen).toEqual(new Set(['app1', 'app2']));
  });

  it('when the replica a sticky cookie names dies, then the next request gets 200 from another and a new cookie', async () => {
    await withProxy();
    const first = await request(`${sticky}/s`);
    const cookie = first.headers['set-cookie']!.find((c) => c.startsWith('lb='))!.split(';')[0];
    const pinned = ups.find((u) => u.id === first.headers['x-instance'])!;
    await pinned.stop();
    const next = await request(`${sticky}/s`, { headers: { Cookie: cookie } });
    expect(next.status).toBe(200);
    expect(next.headers['x-instance']).not.toBe(pinned.id);
    const renewed = next.headers['set-cookie']!.find((c) => c.startsWith('lb='))!.split(';')[0];
    expect(renewed).not.toBe(cookie);
  });

  it('when no replica is healthy, then 503 no_healthy_upstream JSON', async () => {
    await withProxy();
    await Promise.all(ups.map((u) => u.stop()));
    const answer = await request(`${rr}/any`);
    expect(answer.status).toBe(503);
    expect(answer.json()).toEqual({ error: 'no_healthy_upstream', message: expect.any(String) });
    await waitFor(() => proxy.pool.eligible().length === 0, 2000, 20);
    expect((await request(`${rr}/any`, { method: 'POST', body: '{}' })).status).toBe(503);
  });

  it('when a request body is larger than the buffer bound, then 413 JSON', async () => {
    await withProxy({ MAX_BUFFERED_BODY_BYTES: '1024' });
    const answer = await request(`${rr}/upload`, { method: 'POST', body: 'x'.repeat(5000) });
    expect(answer.status).toBe(413);
    expect(answer.json().error).toBe('payload_too_large');
  });

  it('when the proxy is closed during an in-flight request, then that request completes and new connections are refused', async () => {
    await withProxy();
    ups[0].behaviour = 'slow';
    ups[1].behaviour = 'slow';
    const keepAlive = new http.Agent({ keepAlive: true });
    const pending = new Promise<number>((resolve, reject) => {
      http.get(`${rr}/slow`, { agent: keepAlive }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      }).on('error', reject);
    });
    await waitFor(() => ups[0].count() + ups[1].count() === 1, 2000, 5);
    const began = Date.now();
    const closing = proxy.close();
    expect(await pending).toBe(200);
    await closing;
    // The client kept its connection alive, yet the stop did not wait for the 10 s grace period.
    expect(Date.now() - began).toBeLessThan(2000);
    keepAlive.destroy();
    await expect(request(`${rr}/after`)).rejects.toThrow(/ECONNREFUSED/);
    proxy = await startProxy({ UPSTREAMS: upstreamsEnv(ups) });
    [rr, sticky] = proxy.urls;
  });
});
