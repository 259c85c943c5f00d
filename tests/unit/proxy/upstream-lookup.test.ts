import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { upstreamLookup } from '../../../proxy/net/upstream-lookup';

/** A resolver the test answers by hand, and a hand-moved clock. */
function harness(ttlMs: number) {
  let clock = 0;
  const asked: { hostname: string; family: number; answer: (a: LookupAddress[]) => void; fail: (e: Error) => void }[] = [];
  const lookup = upstreamLookup({
    ttlMs,
    now: () => clock,
    resolve: (hostname, family) => new Promise((answer, fail) => asked.push({ hostname, family, answer, fail })),
  });
  return { lookup, asked, advance: (ms: number) => { clock += ms; } };
}

type Result = { err: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number };

function ask(lookup: LookupFunction, hostname: string, options: { all?: boolean; family?: number } = {}): Promise<Result> {
  return new Promise((done) => lookup(hostname, options, (err, address, family) => done({ err, address, family })));
}

const APP1 = [{ address: '172.18.0.3', family: 4 }];

describe('the proxy\'s lookup of replica host names', () => {
  it('when 100 connections to one replica open at once, then one lookup answers them all', async () => {
    const { lookup, asked } = harness(1000);
    const answers = Array.from({ length: 100 }, () => ask(lookup, 'app1', { all: true }));
    expect(asked).toHaveLength(1);
    asked[0].answer(APP1);
    for (const r of await Promise.all(answers)) expect(r).toEqual({ err: null, address: APP1, family: undefined });
  });

  it('when a connection opens within the TTL of an answer, then it reuses it; after the TTL, the name is asked again', async () => {
    const { lookup, asked, advance } = harness(1000);
    const first = ask(lookup, 'app1');
    asked[0].answer(APP1);
    expect(await first).toEqual({ err: null, address: '172.18.0.3', family: 4 });
    advance(999);
    expect(await ask(lookup, 'app1')).toEqual({ err: null, address: '172.18.0.3', family: 4 });
    expect(asked).toHaveLength(1);
    advance(1);
    const moved = ask(lookup, 'app1');
    expect(asked).toHaveLength(2);
    asked[1].answer([{ address: '172.18.0.9', family: 4 }]);
    expect((await moved).address).toBe('172.18.0.9');
  });

  it('when names or address families differ, then each has its own answer', async () => {
    const { lookup, asked } = harness(1000);
    void ask(lookup, 'app1');
    void ask(lookup, 'app2');
    void ask(lookup, 'app1', { family: 6 });
    expect(asked.map((a) => [a.hostname, a.family])).toEqual([['app1', 0], ['app2', 0], ['app1', 6]]);
  });

  it('when a lookup fails, then its waiting callers get the error and the next connection asks again', async () => {
    const { lookup, asked } = harness(1000);
    const waiting = [ask(lookup, 'app4'), ask(lookup, 'app4', { all: true })];
    const err: NodeJS.ErrnoException = new Error('getaddrinfo ENOTFOUND app4');
    err.code = 'ENOTFOUND';
    asked[0].fail(err);
    for (const r of await Promise.all(waiting)) expect(r.err?.code).toBe('ENOTFOUND');
    void ask(lookup, 'app4');
    expect(asked).toHaveLength(2);
  });

  it('when the TTL is 0, then no answer is kept (callers during one lookup still share it)', async () => {
    const { lookup, asked } = harness(0);
    const together = [ask(lookup, 'app1'), ask(lookup, 'app1')];
    asked[0].answer(APP1);
    await Promise.all(together);
    void ask(lookup, 'app1');
    expect(asked).toHaveLength(2);
  });

  it('when a name has no address, then a single-address caller gets ENOTFOUND, not an empty address', async () => {
    const { lookup, asked } = harness(1000);
    const single = ask(lookup, 'app1');
    asked[0].answer([]);
    expect((await single).err?.code).toBe('ENOTFOUND');
  });
});
