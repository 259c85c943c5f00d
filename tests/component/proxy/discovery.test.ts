import type { RunningProxy } from '../../../proxy/server';
import { freePort } from '../../../common/ports';
import { waitFor } from '../../../common/poll';
import { TestUpstream, request, startProxy } from './support';

/**
 * Real servers on one port at different loopback addresses (127.0.0.2, .3, .4) stand in for the
 * tasks behind `tasks.app`; only the DNS answer is fixed by the test (a real resolver needs Docker).
 */
describe('proxy with DNS discovery (real upstream servers)', () => {
  let port: number;
  let upstreams: TestUpstream[] = [];
  let proxy: RunningProxy | undefined;
  const dns = { answer: [] as string[] };

  beforeEach(async () => {
    port = await freePort();
    upstreams = await Promise.all(['task-a', 'task-b'].map((id, i) => TestUpstream.start(id, { host: `127.0.0.${i + 2}`, port })));
    dns.answer = ['127.0.0.2', '127.0.0.3'];
    // Checks with room for a loaded machine (the support's 80 ms timeout ejected a task whose first
    // check was late, and the test read that as discovery failing).
    proxy = await startProxy({ UPSTREAM_DNS: `tasks.app:${port}`, UPSTREAM_DNS_INTERVAL_MS: '100', HEALTH_INTERVAL_MS: '250', HEALTH_TIMEOUT_MS: '250' }, async () => dns.answer);
    // A discovered task counts as up before its first check: wait until each has passed one.
    await waitFor(() => proxy!.pool.eligible().length === 2 && proxy!.pool.all().every((u) => u.lastCheck?.ok), 5000);
  });

  afterEach(async () => {
    await proxy?.close();
    await Promise.all(upstreams.map((u) => u.stop()));
  });

  const servedBy = async (url: string, n: number, headers: Record<string, string> = {}): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const answer = await request(`${url}/whoami`, { headers });
      expect(answer.status).toBe(200);
      ids.push(String(answer.headers['x-instance']));
    }
    return ids;
  };

  it('when the proxy starts, then it serves from every discovered task and /_proxy/status names the tasks', async () => {
    expect(new Set(await servedBy(proxy!.urls[0], 6))).toEqual(new Set(['task-a', 'task-b']));
    const status = (await request(`${proxy!.urls[0]}/_proxy/status`)).json() as { upstreams: { id: string; url: string }[] };
    expect(status.upstreams.map((u) => u.id).sort()).toEqual(['task-a', 'task-b']);
    expect(status.upstreams.find((u) => u.id === 'task-b')?.url).toBe(`http://127.0.0.3:${port}`);
  });

  it('when a task is added to DNS, then it gets traffic without a proxy restart; when it vanishes, then no request fails', async () => {
    upstreams.push(await TestUpstream.start('task-c', { host: '127.0.0.4', port }));
    dns.answer = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
    await waitFor(() => proxy!.pool.eligible().some((u) => u.id === 'task-c'), 5000);
    expect(await servedBy(proxy!.urls[0], 6)).toContain('task-c');

    dns.answer = ['127.0.0.2', '127.0.0.3'];
    await waitFor(() => proxy!.pool.get('task-c') === undefined, 5000);
    const after = await servedBy(proxy!.urls[0], 6);
    expect(after).not.toContain('task-c');
    expect(upstreams[2].count()).toBeGreaterThan(0);
  });

  it('when the sticky task vanishes, then its users are re-pinned to a live task and the others keep theirs', async () => {
    const sticky = proxy!.urls[1];
    const pins: Record<string, string> = {};
    for (let i = 0; i < 4; i++) {
      const first = await request(`${sticky}/whoami`);
      const cookie = first.headers['set-cookie']!.find((c) => c.startsWith('lb='))!.split(';')[0];
      pins[cookie] = String(first.headers['x-instance']);
    }
    const onB = Object.keys(pins).filter((c) => pins[c] === 'task-b');
    const onA = Object.keys(pins).filter((c) => pins[c] === 'task-a');
    expect(onA.length).toBeGreaterThan(0);
    expect(onB.length).toBeGreaterThan(0);

    dns.answer = ['127.0.0.2'];
    await waitFor(() => proxy!.pool.get('task-b') === undefined, 5000);
    for (const cookie of onA) expect(await servedBy(sticky, 3, { Cookie: cookie })).toEqual(['task-a', 'task-a', 'task-a']);
    for (const cookie of onB) {
      const moved = await request(`${sticky}/whoami`, { headers: { Cookie: cookie } });
      expect(moved.headers['x-instance']).toBe('task-a');
      expect(moved.headers['set-cookie']?.some((c) => c.startsWith('lb='))).toBe(true);
    }
  });
});
