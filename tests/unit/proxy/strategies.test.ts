import { HashIpStrategy, rendezvous } from '../../../proxy/balancing/hash-ip';
import { fmix32, fnv1a } from '../../../proxy/balancing/hash';
import { RoundRobinStrategy } from '../../../proxy/balancing/round-robin';
import { StickyCookieStrategy, readCookie } from '../../../proxy/balancing/sticky-cookie';
import { Upstream, UpstreamPool } from '../../../proxy/balancing/upstream-pool';
import { silentLogger } from '../../../common/logger';

const ups = (...ids: string[]): Upstream[] => ids.map((id, i) => new Upstream(id, `http://127.0.0.1:${3001 + i}`));

function countPicks(pick: () => Upstream | undefined, n: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const u = pick();
    if (u) counts[u.id] = (counts[u.id] ?? 0) + 1;
  }
  return counts;
}

describe('RoundRobinStrategy', () => {
  it('when picking 300 times from 3 upstreams, then each gets exactly 100', () => {
    const rr = new RoundRobinStrategy();
    const three = ups('app1', 'app2', 'app3');
    expect(countPicks(() => rr.pick(three, {}), 300)).toEqual({ app1: 100, app2: 100, app3: 100 });
  });

  it('when an upstream was already tried, then it is never picked again for that request', () => {
    const rr = new RoundRobinStrategy();
    const three = ups('app1', 'app2', 'app3');
    const counts = countPicks(() => rr.pick(three, { tried: ['app2'] }), 100);
    expect(counts.app2).toBeUndefined();
    expect(counts.app1 + counts.app3).toBe(100);
  });

  it('when nothing is eligible, then it picks nothing', () => {
    expect(new RoundRobinStrategy().pick([], {})).toBeUndefined();
    expect(new RoundRobinStrategy().pick(ups('app1'), { tried: ['app1'] })).toBeUndefined();
  });
});

describe('StickyCookieStrategy', () => {
  const three = ups('app1', 'app2', 'app3');

  it('when the cookie names a healthy upstream, then every request goes there and no cookie is re-set', () => {
    const sticky = new StickyCookieStrategy('secret-for-tests', new RoundRobinStrategy());
    const value = sticky.valueFor('app2');
    for (let i = 0; i < 50; i++) {
      const picked = sticky.pick(three, { affinity: value });
      expect(picked?.id).toBe('app2');
      expect(sticky.affinityCookie(picked!, { affinity: value })).toBeUndefined();
    }
  });

  it('when the cookie value was set by an earlier process, then it is still recognised', () => {
    const earlier = new StickyCookieStrategy('same-secret', new RoundRobinStrategy()).valueFor('app3');
    const fresh = new StickyCookieStrategy('same-secret', new RoundRobinStrategy());
    expect(fresh.pick(three, { affinity: earlier })?.id).toBe('app3');
  });

  it.each([
    ['tampered', (s: StickyCookieStrategy) => s.valueFor('app1').slice(0, -1) + 'x'],
    ['unknown', () => 'app1'],
    ['signed by another secret', () => new StickyCookieStrategy('other', new RoundRobinStrategy()).valueFor('app1')],
  ])('when the cookie is %s, then a healthy upstream is picked and a fresh cookie is set', (_name, make) => {
    const sticky = new StickyCookieStrategy('secret-for-tests', new RoundRobinStrategy());
    const affinity = make(sticky);
    const picked = sticky.pick(three, { affinity });
    expect(picked).toBeDefined();
    const cookie = sticky.affinityCookie(picked!, { affinity });
    expect(cookie).toBe(`lb=${sticky.valueFor(picked!.id)}; Path=/; HttpOnly; SameSite=Lax`);
  });

  it('when the cookie names an upstream that is not eligible, then another is picked and the cookie re-set', () => {
    const sticky = new StickyCookieStrategy('secret-for-tests', new RoundRobinStrategy());
    const affinity = sticky.valueFor('app2');
    const withoutApp2 = three.filter((u) => u.id !== 'app2');
    const counts = countPicks(() => sticky.pick(withoutApp2, { affinity }), 20);
    expect(Object.keys(counts).sort()).toEqual(['app1', 'app3']);
    expect(sticky.affinityCookie(withoutApp2[0], { affinity })).toContain(sticky.valueFor('app1'));
  });

  it('when the cookie value is opaque, then it contains no address or id', () => {
    const sticky = new StickyCookieStrategy('secret-for-tests', new RoundRobinStrategy());
    const value = sticky.valueFor('app1');
    expect(value).not.toContain('app1');
    expect(value).not.toContain('127.0.0.1');
    expect(value).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});

describe('readCookie', () => {
  it('when several cookies are sent, then only the exact name matches', () => {
    expect(readCookie('xlb=1; lb=abc; lbx=2', 'lb')).toBe('abc');
    expect(readCookie('lb=abc', 'lb')).toBe('abc');
    expect(readCookie('a=1;lb=z', 'lb')).toBe('z');
    expect(readCookie('xlb=1; lbx=2', 'lb')).toBeUndefined();
    expect(readCookie(undefined, 'lb')).toBeUndefined();
  });
});

describe('HashIpStrategy (rendezvous hashing)', () => {
  const keys = Array.from({ length: 10_000 }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);

  it('when the same client comes back, then it lands on the same upstream', () => {
    const hash = new HashIpStrategy();
    const three = ups('app1', 'app2', 'app3');
    const first = hash.pick(three, { clientAddress: '203.0.113.7' });
    for (let i = 0; i < 20; i++) expect(hash.pick(three, { clientAddress: '203.0.113.7' })).toBe(first);
  });

  it('when 10,000 clients spread over 3 upstreams, then each gets about a third', () => {
    const hash = new HashIpStrategy();
    const three = ups('app1', 'app2', 'app3');
    const counts: Record<string, number> = {};
    for (const k of keys) {
      const id = hash.pick(three, { clientAddress: k })!.id;
      counts[id] = (counts[id] ?? 0) + 1;
    }
    for (const n of Object.values(counts)) expect(Math.abs(n - 3333)).toBeLessThan(350);
  });

  it('when a 4th upstream is added, then about 1/4 of 10,000 keys move (modulo hashing would move about 3/4)', () => {
    const hash = new HashIpStrategy();
    const three = ups('app1', 'app2', 'app3');
    const four = ups('app1', 'app2', 'app3', 'app4');
    let moved = 0;
    let movedNotToNew = 0;
    let moduloMoved = 0;
    for (const k of keys) {
      const before = hash.pick(three, { clientAddress: k })!.id;
      const after = hash.pick(four, { clientAddress: k })!.id;
      if (before !== after) moved++;
      if (before !== after && after !== 'app4') movedNotToNew++;
      if (fnv1a(k) % 3 !== fnv1a(k) % 4) moduloMoved++;
    }
    expect(moved / keys.length).toBeGreaterThan(0.2);
    expect(moved / keys.length).toBeLessThan(0.3);
    expect(movedNotToNew).toBe(0);
    expect(moduloMoved / keys.length).toBeGreaterThan(0.6);
  });

  it('when an upstream leaves, then only its own clients move', () => {
    const hash = new HashIpStrategy();
    const three = ups('app1', 'app2', 'app3');
    const withoutApp2 = three.filter((u) => u.id !== 'app2');
    for (const k of keys.slice(0, 2000)) {
      const before = hash.pick(three, { clientAddress: k })!.id;
      const after = hash.pick(withoutApp2, { clientAddress: k })!.id;
      if (before !== 'app2') expect(after).toBe(before);
    }
  });

  it('when the client address is unknown or the preferred upstream was tried, then another upstream still serves', () => {
    const hash = new HashIpStrategy();
    const three = ups('app1', 'app2', 'app3');
    expect(hash.pick(three, {})).toBeDefined();
    const first = hash.pick(three, { clientAddress: '198.51.100.1' })!;
    const retry = hash.pick(three, { clientAddress: '198.51.100.1', tried: [first.id] })!;
    expect(retry.id).not.toBe(first.id);
  });

  it('when scores tie, then the smaller id wins (deterministic)', () => {
    const a = { id: 'b' };
    const b = { id: 'a' };
    expect(rendezvous([a, b], 1, () => 7).id).toBe('a');
    expect(fmix32(0)).toBe(0);
  });
});

describe('UpstreamPool', () => {
  it('when an upstream goes down, drains or is removed, then strategies stop seeing it', () => {
    const pool = new UpstreamPool(silentLogger());
    pool.add('app1', 'http://127.0.0.1:3001');
    pool.add('app2', 'http://127.0.0.1:3002');
    pool.add('app3', 'http://127.0.0.1:3003');
    pool.setStatus('app1', false, 'test');
    pool.drain('app2');
    expect(pool.eligible().map((u) => u.id)).toEqual(['app3']);
    pool.setStatus('app1', true, 'test');
    pool.remove('app3');
    expect(pool.eligible().map((u) => u.id)).toEqual(['app1']);
    expect(pool.all().map((u) => u.id)).toEqual(['app1', 'app2']);
    expect(() => pool.add('app1', 'http://127.0.0.1:1')).toThrow(/already exists/);
  });

  it('when the health does not change, then the eligible list keeps its identity (strategies need not rebuild)', () => {
    const pool = new UpstreamPool(silentLogger());
    pool.add('app1', 'http://127.0.0.1:3001');
    const before = pool.eligible();
    pool.setStatus('app1', true, 'still up');
    expect(pool.eligible()).toBe(before);
  });
});
