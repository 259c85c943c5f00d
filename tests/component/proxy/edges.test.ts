import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { RunningProxy } from '../../../proxy/server';
import { DEVELOPMENT_SECRETS } from '../../../common/config';
import { waitFor } from '../../../common/poll';
import { freePort } from '../../../common/ports';
import { TestUpstream, request, startProxy, statusOf, upstreamsEnv } from './support';

const ADMIN = `Bearer ${DEVELOPMENT_SECRETS.admin}`;

describe('headers the proxy sets and strips', () => {
  let up: TestUpstream;
  let untrusting: RunningProxy;
  let trusting: RunningProxy;

  beforeAll(async () => {
    up = await TestUpstream.start('app1');
    untrusting = await startProxy({ UPSTREAMS: upstreamsEnv([up]), TRUSTED_PROXIES: '10.0.0.0/8' });
    trusting = await startProxy({ UPSTREAMS: upstreamsEnv([up]), TRUSTED_PROXIES: '127.0.0.0/8' });
    // On a busy machine a first health check can miss its 80 ms: start from the replica up.
    await waitFor(() => [untrusting, trusting].every((p) => statusOf(p, 'app1')?.healthy));
  });

  afterAll(async () => {
    await Promise.all([untrusting.close(), trusting.close()]);
    await up.stop();
  });

  it('when an untrusted client sends X-Forwarded-*, then the replica sees the values the proxy set', async () => {
    await request(`${untrusting.urls[0]}/xff`, { headers: { 'X-Forwarded-For': '6.6.6.6', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'evil.test' } });
    const seen = up.seen.at(-1)!.headers;
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-forwarded-host']).toBe(new URL(untrusting.urls[0]).host);
  });

  it('when a trusted proxy sends X-Forwarded-For, then the peer is appended to its chain', async () => {
    await request(`${trusting.urls[0]}/xff`, { headers: { 'X-Forwarded-For': '198.51.100.7' } });
    expect(up.seen.at(-1)!.headers['x-forwarded-for']).toBe('198.51.100.7, 127.0.0.1');
  });

  it('when hop-by-hop headers travel either way, then neither side sees them', async () => {
    const answer = await request(`${untrusting.urls[0]}/hop`, {
      headers: { Connection: 'keep-alive, X-Client-Hop', 'X-Client-Hop': 'secret', 'Keep-Alive': 'timeout=99', TE: 'trailers', 'Proxy-Authorization': 'Basic eA==', 'X-End-To-End': 'kept' },
    });
    const seen = up.seen.at(-1)!.headers;
    expect(seen['x-client-hop']).toBeUndefined();
    expect(seen['keep-alive']).toBeUndefined();
    expect(seen.te).toBeUndefined();
    expect(seen['proxy-authorization']).toBeUndefined();
    expect(seen['x-end-to-end']).toBe('kept');
    expect(answer.headers['x-upstream-hop']).toBeUndefined();
    expect(answer.headers['x-instance']).toBe('app1');
    // Node's client-facing keep-alive header is the proxy's own, not the replica's "timeout=5".
    expect(answer.headers['keep-alive']).not.toBe('timeout=5');
  });
});

describe('request targets', () => {
  let up: TestUpstream;
  let proxy: RunningProxy;

  beforeAll(async () => {
    up = await TestUpstream.start('app1');
    proxy = await startProxy({ UPSTREAMS: upstreamsEnv([up]) });
  });

  afterAll(async () => {
    await proxy.close();
    await up.stop();
  });

  it('when a path has a query string, then the replica gets it unchanged', async () => {
    await request(proxy.urls[0], { path: '/memory/me?a=1&b=%20x' });
    expect(up.seen.at(-1)!.url).toBe('/memory/me?a=1&b=%20x');
  });

  it('when the target is in absolute form, then the replica gets the path only', async () => {
    expect((await request(proxy.urls[0], { path: 'http://example.test/abs?x=1' })).status).toBe(200);
    expect(up.seen.at(-1)!.url).toBe('/abs?x=1');
  });

  it('when the target is not a path, then 400 JSON and nothing is forwarded', async () => {
    const before = up.count();
    const answer = await request(proxy.urls[0], { method: 'OPTIONS', path: '*' });
    expect(answer.status).toBe(400);
    expect(answer.json().error).toBe('bad_request');
    expect(up.count()).toBe(before);
  });
});

describe('dashboard files and the cluster control relay', () => {
  let up: TestUpstream;
  let dir: string;
  let proxy: RunningProxy;
  let relayed: RunningProxy;
  let control: http.Server;
  const controlSeen: { method: string; url: string; auth: string | undefined; body: string }[] = [];

  beforeAll(async () => {
    up = await TestUpstream.start('app1');
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'authscale-dash-'));
    dir = path.join(root, 'dashboard');
    fs.mkdirSync(path.join(dir, 'vendor'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>authscale</title>');
    fs.writeFileSync(path.join(dir, 'app.js'), 'export const x = 1;');
    fs.writeFileSync(path.join(dir, 'vendor', 'chart.css'), 'body{}');
    fs.writeFileSync(path.join(root, 'secret.js'), 'leaked');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a served type');
    control = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        controlSeen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body });
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ services: [], url: req.url }));
      });
    });
    const controlPort = await freePort();
    await new Promise<void>((r) => control.listen(controlPort, '127.0.0.1', r));
    proxy = await startProxy({ UPSTREAMS: upstreamsEnv([up]), DASHBOARD_DIR: dir });
    relayed = await startProxy({ UPSTREAMS: upstreamsEnv([up]), DASHBOARD_DIR: dir, CLUSTER_CONTROL_URL: `http://127.0.0.1:${controlPort}` });
  });

  afterAll(async () => {
    await Promise.all([proxy.close(), relayed.close(), up.stop(), new Promise((r) => control.close(r))]);
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  it('when /_dashboard is asked for on any frontend, then it redirects to /_dashboard/ which serves index.html, not forwarded', async () => {
    const before = up.count();
    for (const url of proxy.urls) {
      const redirect = await request(`${url}/_dashboard`);
      expect(redirect.status).toBe(301);
      expect(redirect.headers.location).toBe('/_dashboard/');
      const index = await request(`${url}/_dashboard/`);
      expect(index.status).toBe(200);
      expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(index.body).toContain('<title>authscale</title>');
    }
    expect(up.count()).toBe(before);
  });

  it('when a script, or a file in a subfolder, is asked for, then it comes with the right content type', async () => {
    const js = await request(`${proxy.urls[0]}/_dashboard/app.js?v=2`);
    expect([js.status, js.headers['content-type'], js.body]).toEqual([200, 'text/javascript; charset=utf-8', 'export const x = 1;']);
    const css = await request(`${proxy.urls[0]}/_dashboard/vendor/chart.css`);
    expect([css.status, css.headers['content-type']]).toEqual([200, 'text/css; charset=utf-8']);
  });

  it.each([
    '/_dashboard/../secret.js', '/_dashboard/%2e%2e/secret.js', '/_dashboard/..%2fsecret.js', '/_dashboard/vendor/../../secret.js',
    '/_dashboard/vendor', '/_dashboard/vendor/', '/_dashboard/notes.txt', '/_dashboard/missing.js', '/_dashboard/%E0%A4%A.js', '/_dashboard/..%5csecret.js',
  ])('when %s is asked for, then 404 JSON and nothing outside the folder is served', async (pathname) => {
    const answer = await request(proxy.urls[0], { path: pathname });
    expect(answer.status).toBe(404);
    expect(answer.body).not.toContain('leaked');
    expect(answer.json().error).toBe('not_found');
  });

  it('when CLUSTER_CONTROL_URL is unset, then the relay answers 404 pointing at docker compose and status says control null', async () => {
    const answer = await request(`${proxy.urls[0]}/_proxy/cluster/services`);
    expect(answer.status).toBe(404);
    expect(answer.json()).toMatchObject({ error: 'not_found', message: expect.stringContaining('docker compose') });
    expect((await request(`${proxy.urls[0]}/_proxy/status`)).json().control).toBeNull();
  });

  it('when CLUSTER_CONTROL_URL is set, then the service list is readable without a token and relayed with the proxy token', async () => {
    expect((await request(`${relayed.urls[1]}/_proxy/status`)).json().control).toBe('local');
    const answer = await request(`${relayed.urls[1]}/_proxy/cluster/services`);
    expect(answer.status).toBe(200);
    expect(controlSeen.at(-1)).toMatchObject({ method: 'GET', url: '/services', auth: ADMIN });
  });

  it('when a control action comes without the admin token, then 401 and nothing is relayed; with it, it is relayed', async () => {
    const count = controlSeen.length;
    const refused = await request(`${relayed.urls[0]}/_proxy/cluster/services/app2/kill`, { method: 'POST' });
    expect(refused.status).toBe(401);
    expect(controlSeen.length).toBe(count);
    const allowed = await request(`${relayed.urls[0]}/_proxy/cluster/services/app2/kill?signal=SIGKILL`, { method: 'POST', headers: { Authorization: ADMIN }, body: '' });
    expect(allowed.status).toBe(200);
    expect(controlSeen.at(-1)).toMatchObject({ method: 'POST', url: '/services/app2/kill?signal=SIGKILL', auth: ADMIN });
  });
});

describe('one upstream, directly (/_proxy/upstreams/{id}/direct)', () => {
  let a: TestUpstream;
  let b: TestUpstream;
  let proxy: RunningProxy;

  beforeAll(async () => {
    a = await TestUpstream.start('app1');
    b = await TestUpstream.start('app2');
    proxy = await startProxy({ UPSTREAMS: upstreamsEnv([a, b]) });
  });

  afterAll(async () => {
    await proxy.close();
    await a.stop();
    await b.stop();
  });

  it('when the admin token is given, then every request lands on that upstream, with its body and cookie but never the admin token', async () => {
    for (let i = 0; i < 4; i++) {
      const answer = await request(proxy.urls[0], {
        method: 'POST', path: '/_proxy/upstreams/app2/direct/memory/login?x=1',
        headers: { Authorization: ADMIN, 'Content-Type': 'application/json', Cookie: 'sid=s1' }, body: '{"username":"alice"}',
      });
      expect(answer.status).toBe(200);
      expect(answer.headers['x-instance']).toBe('app2');
    }
    const seen = b.seen.at(-1)!;
    expect(seen).toMatchObject({ method: 'POST', url: '/memory/login?x=1', body: '{"username":"alice"}' });
    expect(seen.headers.cookie).toBe('sid=s1');
    expect(seen.headers.authorization).toBeUndefined();
    expect(a.seen.filter((s) => s.url.startsWith('/memory'))).toHaveLength(0);
  });

  it('when the admin token is missing, then 401 and nothing reaches the upstream; an unknown upstream is 404', async () => {
    const before = b.count();
    expect((await request(proxy.urls[0], { path: '/_proxy/upstreams/app2/direct/metrics' })).status).toBe(401);
    expect(b.count()).toBe(before);
    expect((await request(proxy.urls[0], { path: '/_proxy/upstreams/app9/direct/metrics', headers: { Authorization: ADMIN } })).status).toBe(404);
  });
});
