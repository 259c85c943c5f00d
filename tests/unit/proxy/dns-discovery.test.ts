import { silentLogger } from '../../../common/logger';
import { HashIpStrategy } from '../../../proxy/balancing/hash-ip';
import { RoundRobinStrategy } from '../../../proxy/balancing/round-robin';
import { StickyCookieStrategy } from '../../../proxy/balancing/sticky-cookie';
import { UpstreamPool } from '../../../proxy/balancing/upstream-pool';
import { DnsDiscovery } from '../../../proxy/discovery/dns-discovery';

/** A fake DNS (the answer is whatever the test sets) and fake identities (address → task name). */
function setup(initial: string[], identities: Record<string, string>) {
  const dns = { answer: initial as string[] | Error };
  const tasks = { ...identities } as Record<string, string | undefined>;
  const pool = new UpstreamPool(silentLogger());
  let clock = 0;
  const discovery = new DnsDiscovery(
    { name: 'tasks.app', port: 3000, intervalMs: 1000, drainMs: 30_000 },
    {
      resolve: async () => {
        if (dns.answer instanceof Error) throw dns.answer;
        return dns.answer;
      },
      identify: async (url) => tasks[new URL(url).hostname],
      pool,
      logger: silentLogger(),
      now: () => clock,
    },
  );
  return { dns, tasks, pool, discovery, ids: () => pool.all().map((u) => `${u.id}${u.draining ? ' (draining)' : ''}`).sort(), advance: (ms: number) => (clock += ms) };
}

const failure = (code: string): Error => Object.assign(new Error(code), { code });

describe('DNS discovery (fake resolver)', () => {
  it('when the name resolves to three tasks, then the pool holds them under their task names and addresses', async () => {
    const s = setup(['10.0.1.3', '10.0.1.2', '10.0.1.4'], { '10.0.1.2': 'vm.app.1.a', '10.0.1.3': 'swarm2.app.2.b', '10.0.1.4': 'vm.app.3.c' });
    await s.discovery.refresh();
    expect(s.ids()).toEqual(['swarm2.app.2.b', 'vm.app.1.a', 'vm.app.3.c']);
    expect(s.pool.get('swarm2.app.2.b')?.url).toBe('http://10.0.1.3:3000');
  });

  it('when a new task appears but does not answer healthy yet, then it is added only once it does', async () => {
    const s = setup(['10.0.1.2'], { '10.0.1.2': 'a' });
    await s.discovery.refresh();
    s.dns.answer = ['10.0.1.2', '10.0.1.5'];
    await s.discovery.refresh();
    expect(s.ids()).toEqual(['a']);
    s.tasks['10.0.1.5'] = 'e';
    await s.discovery.refresh();
    expect(s.ids()).toEqual(['a', 'e']);
  });

  it('when a task vanishes with requests in flight, then it is drained and removed once idle', async () => {
    const s = setup(['10.0.1.2', '10.0.1.3'], { '10.0.1.2': 'a', '10.0.1.3': 'b' });
    await s.discovery.refresh();
    s.pool.get('b')!.inFlight = 2;
    s.dns.answer = ['10.0.1.2'];
    await s.discovery.refresh();
    expect(s.ids()).toEqual(['a', 'b (draining)']);
    expect(s.pool.eligible().map((u) => u.id)).toEqual(['a']);
    s.pool.get('b')!.inFlight = 0;
    await s.discovery.refresh();
    expect(s.ids()).toEqual(['a']);
  });

  it('when a drained task never finishes its requests, then it is removed at the drain deadline', async () => {
    const s = setup(['10.0.1.2', '10.0.1.3'], { '10.0.1.2': 'a', '10.0.1.3': 'b' });
    await s.discovery.refresh();
    s.pool.get('b')!.inFlight = 1;
    s.dns.answer = ['10.0.1.2'];
    await s.discovery.refresh();
    s.advance(29_999);
    await s.discovery.refresh();
    expect(s.ids()).toContain('b (draining)');
    s.advance(1);
    await s.discovery.refresh();
    expect(s.ids()).toEqual(['a']);
  });

  it('when the lookup fails (server error), then the current upstreams are kept; when the name has no tasks, then they are drained', async () => {
    const s = setup(['10.0.1.2'], { '10.0.1.2': 'a' });
    await s.discovery.refresh();
    s.dns.answer = failure('ESERVFAIL');
    await s.discovery.refresh();
    expect(s.ids()).toEqual(['a']);
    s.dns.answer = failure('ENOTFOUND');
    await s.discovery.refresh();
    expect(s.ids()).toEqual([]);
  });

  it('when an address is reused by another task, then the old task is retired and the new one added under its own name', async () => {
    const s = setup(['10.0.1.2'], { '10.0.1.2': 'old-task' });
    await s.discovery.refresh();
    s.tasks['10.0.1.2'] = 'new-task';
    await s.discovery.refresh();
    expect(s.ids()).toEqual(['new-task']);
    expect(s.pool.get('new-task')?.url).toBe('http://10.0.1.2:3000');
  });

  it('when a replica reports an identity that is not a valid upstream id, then it is ignored', async () => {
    const s = setup(['10.0.1.2'], { '10.0.1.2': 'bad id with spaces' });
    await s.discovery.refresh();
    expect(s.ids()).toEqual([]);
  });
});

describe('routing while the discovered set changes', () => {
  const clients = Array.from({ length: 600 }, (_, i) => `198.51.${i >> 8}.${i & 255}`);

  it('when a task is added, then hash-ip moves only the clients the new task now wins, and when it vanishes only its own clients move', async () => {
    const s = setup(['10.0.1.2', '10.0.1.3', '10.0.1.4'], { '10.0.1.2': 'a', '10.0.1.3': 'b', '10.0.1.4': 'c', '10.0.1.5': 'd' });
    const hash = new HashIpStrategy();
    await s.discovery.refresh();
    const before = clients.map((ip) => hash.pick(s.pool.eligible(), { clientAddress: ip })!.id);
    s.dns.answer = ['10.0.1.2', '10.0.1.3', '10.0.1.4', '10.0.1.5'];
    await s.discovery.refresh();
    const after = clients.map((ip) => hash.pick(s.pool.eligible(), { clientAddress: ip })!.id);
    const moved = clients.filter((_, i) => before[i] !== after[i]);
    expect(moved.every((_, i) => after[clients.indexOf(moved[i])] === 'd')).toBe(true);
    expect(moved.length / clients.length).toBeGreaterThan(0.15);
    expect(moved.length / clients.length).toBeLessThan(0.35);
    s.dns.answer = ['10.0.1.2', '10.0.1.3', '10.0.1.4'];
    await s.discovery.refresh();
    const back = clients.map((ip) => hash.pick(s.pool.eligible(), { clientAddress: ip })!.id);
    expect(back).toEqual(before);
  });

  it('when tasks come and go, then a sticky cookie keeps its task while it lives and is re-set when its task vanishes', async () => {
    const s = setup(['10.0.1.2', '10.0.1.3'], { '10.0.1.2': 'a', '10.0.1.3': 'b', '10.0.1.4': 'c' });
    const sticky = new StickyCookieStrategy('test-secret', new RoundRobinStrategy());
    await s.discovery.refresh();
    const cookieB = sticky.valueFor('b');
    s.dns.answer = ['10.0.1.2', '10.0.1.3', '10.0.1.4'];
    await s.discovery.refresh();
    for (let i = 0; i < 10; i++) expect(sticky.pick(s.pool.eligible(), { affinity: cookieB })?.id).toBe('b');
    s.dns.answer = ['10.0.1.2', '10.0.1.4'];
    await s.discovery.refresh();
    const picked = sticky.pick(s.pool.eligible(), { affinity: cookieB })!;
    expect(['a', 'c']).toContain(picked.id);
    expect(sticky.affinityCookie(picked, { affinity: cookieB })).toMatch(/^lb=/);
  });
});
