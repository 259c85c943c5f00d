import { spawn } from 'node:child_process';
import net from 'node:net';
import { CLIENT_ADDRESS_HEADER, CLIENT_KEY_HEADER, clientAddressKey } from '../../../common/client-address';
import { DEVELOPMENT_SECRETS } from '../../../common/config';
import { waitFor } from '../../../common/poll';
import { freePort } from '../../../common/ports';
import { stopChild } from '../../../common/child-process';
import type { RunningProxy } from '../../../proxy/server';
import { LogLines } from '../../support/log-lines';
import { TestUpstream, request, startProxy, upstreamsEnv } from './support';

// Checks with room to pass on a busy machine; a slow replica's /health answers far beyond them.
const CHECKS = { HEALTH_INTERVAL_MS: '200', HEALTH_TIMEOUT_MS: '200' };
const SLOW_HEALTH_MS = 1500;
/** A refused connection on loopback is immediate: even trying every replica stays far below this. */
const FAST_MS = 1000;

interface Status {
  panic: boolean;
  upstreams: { id: string; healthy: boolean; reachable: boolean }[];
}

describe('proxy panic routing: every replica fails its health checks', () => {
  let ups: TestUpstream[];
  let proxy: RunningProxy;
  let logs: LogLines;
  let rr: string;
  let sticky: string;
  let hash: string;

  beforeEach(async () => {
    ups = await Promise.all(['app1', 'app2', 'app3'].map((id) => TestUpstream.start(id)));
    logs = new LogLines();
    proxy = await startProxy({ UPSTREAMS: upstreamsEnv(ups), ...CHECKS }, undefined, logs.logger);
    [rr, sticky, hash] = proxy.urls;
  });

  afterEach(async () => {
    expect((await request(`${rr}/_proxy/status`)).status).toBe(200);
    await proxy.close();
    await Promise.all(ups.map((u) => u.stop()));
  });

  const status = async (): Promise<Status> => (await request(`${rr}/_proxy/status`)).json() as unknown as Status;
  const panicLines = (): string[] => logs.messages().filter((m) => m.startsWith('panic'));

  async function slowHealth(...which: TestUpstream[]): Promise<void> {
    for (const u of which) u.healthDelayMs = SLOW_HEALTH_MS;
    await waitFor(() => which.every((u) => !proxy.pool.get(u.id)!.healthy), 5000, 20, 'slow replicas ejected');
  }

  it('when every replica is too slow for its checks but still serves, then requests still get 200 and the status shows panic', async () => {
    const claim = (address: string): Record<string, string> => ({ [CLIENT_ADDRESS_HEADER]: address, [CLIENT_KEY_HEADER]: clientAddressKey(DEVELOPMENT_SECRETS.admin) });
    const clients = Array.from({ length: 12 }, (_, i) => `198.51.100.${i + 1}`);
    const hashedBefore = await Promise.all(clients.map(async (c) => String((await request(`${hash}/h`, { headers: claim(c) })).headers['x-instance'])));

    await slowHealth(...ups);
    const now = await status();
    expect(now.panic).toBe(true);
    expect(now.upstreams.map((u) => [u.id, u.healthy, u.reachable])).toEqual([['app1', false, true], ['app2', false, true], ['app3', false, true]]);

    const answers = await Promise.all(Array.from({ length: 30 }, () => request(`${rr}/get`)));
    expect(answers.map((a) => a.status)).toEqual(Array(30).fill(200));
    expect(new Set(answers.map((a) => a.headers['x-instance']))).toEqual(new Set(['app1', 'app2', 'app3']));
    const post = await request(`${sticky}/login`, { method: 'POST', body: '{"username":"alice"}' });
    expect(post.status).toBe(200);
    // Consistent hashing over the same replicas: every client lands where it did before the panic.
    const hashedDuring = await Promise.all(clients.map(async (c) => String((await request(`${hash}/h`, { headers: claim(c) })).headers['x-instance'])));
    expect(hashedDuring).toEqual(hashedBefore);

    expect((await request(`${rr}/_proxy/metrics`)).body).toMatch(/^authscale_proxy_panic 1$/m);
    expect(panicLines()).toEqual(['panic: no upstream passes its health checks, routing across every reachable one']);

    // One replica answers its checks again: it alone takes the traffic, and the panic is over.
    ups[0].healthDelayMs = 0;
    await waitFor(() => !proxy.pool.panic, 5000, 20, 'panic over');
    const after = await Promise.all(Array.from({ length: 9 }, () => request(`${rr}/get`)));
    expect(after.map((a) => a.headers['x-instance'])).toEqual(Array(9).fill('app1'));
    expect((await status()).panic).toBe(false);
    expect((await request(`${rr}/_proxy/metrics`)).body).toMatch(/^authscale_proxy_panic 0$/m);
    expect(panicLines()).toEqual([
      'panic: no upstream passes its health checks, routing across every reachable one',
      'panic over: routing to healthy upstreams again',
    ]);
  });

  it('when one replica passes its checks and the others fail them, then no panic and the healthy one takes every request', async () => {
    await slowHealth(ups[1], ups[2]);
    // A few more rounds of checks: still no panic.
    await new Promise((r) => setTimeout(r, 600));
    expect((await status()).panic).toBe(false);
    const answers = await Promise.all(Array.from({ length: 12 }, () => request(`${rr}/get`)));
    expect(answers.map((a) => [a.status, a.headers['x-instance']])).toEqual(Array(12).fill([200, 'app1']));
    expect(panicLines()).toEqual([]);
  });

  it('when a replica is killed during panic, then only its sticky users move; the others stay on their replica', async () => {
    const users: { cookie: string; home: string }[] = [];
    for (let i = 0; i < 6; i++) {
      const first = await request(`${sticky}/s`);
      users.push({ cookie: first.headers['set-cookie']!.find((c) => c.startsWith('lb='))!.split(';')[0], home: String(first.headers['x-instance']) });
    }
    expect(new Set(users.map((u) => u.home))).toEqual(new Set(['app1', 'app2', 'app3']));
    await slowHealth(...ups);
    expect(proxy.pool.panic).toBe(true);

    // Panic keeps affinity: nobody moves.
    for (const user of users) {
      const answer = await request(`${sticky}/s`, { headers: { Cookie: user.cookie } });
      expect([answer.status, answer.headers['x-instance'], answer.headers['set-cookie']]).toEqual([200, user.home, undefined]);
    }

    await ups[1].stop();
    for (const user of users) {
      const answer = await request(`${sticky}/s`, { headers: { Cookie: user.cookie } });
      expect(answer.status).toBe(200);
      if (user.home === 'app2') {
        expect(answer.headers['x-instance']).not.toBe('app2');
        expect(answer.headers['set-cookie']!.some((c) => c.startsWith('lb='))).toBe(true);
      } else {
        expect([answer.headers['x-instance'], answer.headers['set-cookie']]).toEqual([user.home, undefined]);
      }
    }
    // The refusal took it out of the panic set; the survivors still serve.
    const now = await status();
    expect(now.panic).toBe(true);
    expect(now.upstreams.find((u) => u.id === 'app2')).toMatchObject({ healthy: false, reachable: false });
    expect(proxy.pool.eligible().map((u) => u.id)).toEqual(['app1', 'app3']);
  });

  it('when every replica dies during panic, then clients get 503 no_healthy_upstream at once, before and after the checks notice', async () => {
    await slowHealth(...ups);
    await Promise.all(ups.map((u) => u.stop()));

    // The proxy still believes they are reachable: it tries each (refused at once), then gives up.
    let began = Date.now();
    const first = await request(`${rr}/any`);
    expect(Date.now() - began).toBeLessThan(FAST_MS);
    expect(first.status).toBe(503);
    expect(first.json()).toEqual({ error: 'no_healthy_upstream', message: expect.any(String) });

    await waitFor(() => proxy.pool.eligible().length === 0 && proxy.pool.all().every((u) => !u.reachable), 5000, 20, 'every replica unreachable');
    began = Date.now();
    const later = await Promise.all([request(`${rr}/any`), request(`${sticky}/login`, { method: 'POST', body: '{}' }), request(`${hash}/any`)]);
    expect(Date.now() - began).toBeLessThan(FAST_MS);
    expect(later.map((a) => [a.status, a.json().error])).toEqual(Array(3).fill([503, 'no_healthy_upstream']));
    expect((await status()).panic).toBe(false);
    expect(panicLines()).toEqual([
      'panic: no upstream passes its health checks, routing across every reachable one',
      'panic over: no upstream is reachable',
    ]);
  });
});

/**
 * An address where nothing completes a connection, like a crashed node's: a stopped process whose
 * listen backlog (1) is already full, so the kernel drops every further SYN and a connect times out.
 */
async function startBlackhole(): Promise<{ url: string; close: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-e', `require('node:net').createServer().listen({ port: ${port}, host: '127.0.0.1', backlog: 1 }, () => console.log('listening'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => child.stdout.once('data', resolve));
  child.kill('SIGSTOP');
  const fillers: net.Socket[] = [];
  for (let i = 0; i < 2; i++) {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    fillers.push(socket);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of fillers) socket.destroy();
      await stopChild(child, 'SIGKILL');
    },
  };
}

describe('proxy panic routing: a replica nobody can connect to', () => {
  it('when every replica fails its checks and one accepts no connection at all, then panic leaves that one out and clients never wait on it', async () => {
    const ups = await Promise.all(['app1', 'app2'].map((id) => TestUpstream.start(id)));
    const blackhole = await startBlackhole();
    const proxy = await startProxy({ UPSTREAMS: `${upstreamsEnv(ups)},app3=${blackhole.url}`, ...CHECKS });
    try {
      for (const u of ups) u.healthDelayMs = SLOW_HEALTH_MS;
      await waitFor(() => proxy.pool.panic, 5000, 20, 'panic');
      // Its checks never connected: not a slow replica, so not a panic candidate.
      expect(proxy.pool.get('app3')).toMatchObject({ healthy: false, reachable: false });
      expect(proxy.pool.eligible().map((u) => u.id)).toEqual(['app1', 'app2']);
      const began = Date.now();
      const answers = await Promise.all(Array.from({ length: 12 }, () => request(`${proxy.urls[0]}/get`)));
      expect(Date.now() - began).toBeLessThan(FAST_MS);
      expect(answers.map((a) => a.status)).toEqual(Array(12).fill(200));
      expect(new Set(answers.map((a) => a.headers['x-instance']))).toEqual(new Set(['app1', 'app2']));
    } finally {
      await proxy.close();
      await Promise.all(ups.map((u) => u.stop()));
      await blackhole.close();
    }
  });
});
