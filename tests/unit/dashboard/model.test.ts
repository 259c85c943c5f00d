import jwt from 'jsonwebtoken';
import { loadDashboardModule } from './load-module';

interface LogEntry { status: number; instance: string | null; hadCredentials: boolean }
interface Summary { total: number; byInstance: Record<string, number>; ok: number; loggedOut: number; errors: number }
interface Model {
  decodeJwtPayload(token: unknown): Record<string, unknown> | null;
  classifyResponse(status: number, hadCredentials: boolean): string;
  summariseRequests(entries: LogEntry[]): Summary;
  describeSummary(summary: Summary): string;
  appendBounded<T>(entries: T[], entry: T, limit?: number): T[];
  frontendLinks(frontends: unknown, here: { protocol: string; hostname: string; port: string }): { port: number; strategy: string; url: string; current: boolean }[];
  dockerCommand(verb: string, service: string): string;
  serviceRows(status: unknown, services: unknown, redisCheck: string | null): Record<string, unknown>[];
  instanceSlot(instance: unknown): number;
  verbsFor(state: unknown): string[];
  describeFrontend(link: { port: number; strategy: string } | undefined): string;
  redisPrimary(rows: unknown): string | null;
  panelAnswer(holdsCredentials: boolean, status: number): { outcome: string; holdsCredentials: boolean };
  chartSample(previous: unknown, current: unknown, seconds: number, page?: number, carried?: number): { sample: { ok: number; logouts: number; errors: number } | undefined; carried: number };
  chartPoints(values: number[], box: { width: number; height: number; slots?: number; max?: number }): string;
}

const model = loadDashboardModule<Model>('model.js');

const entry = (status: number, instance: string | null, hadCredentials = true): LogEntry => ({ status, instance, hadCredentials });

describe('dashboard model: decoding the JWT the client holds', () => {
  test('when given a signed token, then the payload the server put in it is shown, non-ASCII included', () => {
    const token = jwt.sign({ sub: 'alice', name: 'Zoë', sid: 'x-y' }, 'a-key-the-page-never-sees-0123456789', { issuer: 'authscale', expiresIn: 900 });
    const payload = model.decodeJwtPayload(token);
    expect(payload).toMatchObject({ sub: 'alice', name: 'Zoë', sid: 'x-y', iss: 'authscale' });
    expect(typeof payload?.exp).toBe('number');
  });

  test.each([
    ['not a string', 42],
    ['two parts', 'abc.def'],
    ['an empty payload', 'a..c'],
    ['a payload that is not base64url', 'a.!!!.c'],
    ['a payload that is not JSON', `a.${Buffer.from('hello').toString('base64url')}.c`],
    ['a payload that is a JSON array', `a.${Buffer.from('[1,2]').toString('base64url')}.c`],
    ['a payload that is not UTF-8', `a.${Buffer.from([0xff, 0xfe, 0x7b]).toString('base64url')}.c`],
  ])('when given %s, then nothing is decoded (null) and nothing throws', (_label, token) => {
    expect(model.decodeJwtPayload(token)).toBeNull();
  });
});

describe('dashboard model: a logged-out panel\'s 401s are no new logouts', () => {
  /** The panel's answers in turn, from `holds`: what each meant and what the panel held before it. */
  function walk(statuses: number[], holds: boolean): { outcomes: string[]; log: LogEntry[] } {
    const outcomes: string[] = [];
    const log: LogEntry[] = [];
    for (const status of statuses) {
      const answer = model.panelAnswer(holds, status);
      outcomes.push(answer.outcome);
      log.push(entry(status, 'app1', holds));
      holds = answer.holdsCredentials;
    }
    return { outcomes, log };
  }

  test('when a logged-in panel is answered 401 again and again (its replica died), then only the first is a logout', () => {
    const { outcomes, log } = walk([200, 401, 401, 401], true);
    expect(outcomes).toEqual(['ok', 'logged-out', 'anonymous', 'anonymous']);
    expect(model.summariseRequests(log).loggedOut).toBe(1);
  });

  test('when a panel never logged in is answered 401, then it is no logout', () => {
    expect(walk([401, 401], false).outcomes).toEqual(['anonymous', 'anonymous']);
  });

  test('when round-robin sends a session by turns to the replica that holds it and to two that do not, then each step from 200 to 401 is one logout', () => {
    const { outcomes, log } = walk([200, 401, 401, 200, 401, 401, 200], true);
    expect(outcomes.filter((o) => o === 'logged-out')).toHaveLength(2);
    expect(model.summariseRequests(log)).toMatchObject({ ok: 3, loggedOut: 2, errors: 0 });
  });

  test('when a 5xx comes between, then it says nothing of the credentials: the 401 after it is still a logout', () => {
    expect(walk([503, 401, 503, 401], true).outcomes).toEqual(['error', 'logged-out', 'error', 'anonymous']);
  });

  test('when the proxy counted the panel\'s own 401s that were no logout, then the chart takes them off its logouts', () => {
    const before = { ok: 10, logouts: 4, errors: 0 };
    // 3 new 401s through the proxy, 2 of them this panel's while logged out: 1 logout of someone else.
    expect(model.chartSample(before, { ok: 10, logouts: 7, errors: 0 }, 1, 2)).toEqual({ sample: { ok: 0, logouts: 1, errors: 0 }, carried: 0 });
    // The panel saw a 401 the proxy counts only in the next reading: carried once, taken there.
    const first = model.chartSample(before, { ok: 12, logouts: 4, errors: 0 }, 1, 1);
    expect(first).toEqual({ sample: { ok: 2, logouts: 0, errors: 0 }, carried: 1 });
    expect(model.chartSample({ ok: 12, logouts: 4, errors: 0 }, { ok: 12, logouts: 5, errors: 0 }, 1, 0, first.carried)).toEqual({ sample: { ok: 0, logouts: 0, errors: 0 }, carried: 0 });
    // Never below zero, and nothing carried past one reading.
    expect(model.chartSample(before, before, 1, 0, 3)).toEqual({ sample: { ok: 0, logouts: 0, errors: 0 }, carried: 0 });
  });
});

describe('dashboard model: summarising a panel request log', () => {
  test('when a logged-in visitor is answered by three replicas, then counts per replica and logouts are given', () => {
    const log = [entry(200, 'app1'), entry(401, 'app2'), entry(401, 'app3'), entry(200, 'app1'), entry(503, 'app2'), entry(502, null)];
    const summary = model.summariseRequests(log);
    expect(summary).toEqual({ total: 6, byInstance: { app1: 2, app2: 2, app3: 1, none: 1 }, ok: 2, loggedOut: 2, errors: 2 });
    expect(model.describeSummary(summary)).toBe('6 requests · answered by app1 2, app2 2, app3 1, no replica 1 · 200 ×2 · logged out 2 times · errors 2');
  });

  test('when a 401 answers a visitor who held no credentials, then it is not counted as being logged out', () => {
    const summary = model.summariseRequests([entry(401, 'app1', false), entry(401, 'app2', true)]);
    expect(summary.loggedOut).toBe(1);
    expect(model.classifyResponse(401, false)).toBe('anonymous');
    expect(model.classifyResponse(401, true)).toBe('logged-out');
    expect(model.classifyResponse(200, true)).toBe('ok');
    expect(model.classifyResponse(0, true)).toBe('error');
  });

  test('when replicas number ten or more, then they are listed in numeric order', () => {
    const summary = model.summariseRequests([entry(200, 'app10'), entry(200, 'app2'), entry(200, 'app1')]);
    expect(Object.keys(summary.byInstance)).toEqual(['app1', 'app2', 'app10']);
  });

  test('when nothing was sent, then the summary says so', () => {
    expect(model.describeSummary(model.summariseRequests([]))).toBe('No requests yet.');
    expect(model.describeSummary(model.summariseRequests([entry(200, 'app1')]))).toBe('1 request · answered by app1 1 · 200 ×1 · logged out 0 times');
  });

  test('when the log is full, then the oldest entry is dropped and the input is left untouched', () => {
    const before = [1, 2, 3];
    expect(model.appendBounded(before, 4, 3)).toEqual([2, 3, 4]);
    expect(before).toEqual([1, 2, 3]);
    expect(model.appendBounded([1], 2, 3)).toEqual([1, 2]);
  });
});

describe('dashboard model: links to the other frontends', () => {
  const frontends = [
    { port: 8080, strategy: 'round-robin' },
    { port: 8081, strategy: 'sticky-cookie' },
    { port: 8082, strategy: 'hash-ip' },
  ];

  test('when the page is on the sticky frontend, then every frontend gets a same-host link and the sticky one is marked current', () => {
    const links = model.frontendLinks(frontends, { protocol: 'http:', hostname: '127.0.0.1', port: '8081' });
    expect(links).toEqual([
      { port: 8080, strategy: 'round-robin', url: 'http://127.0.0.1:8080/_dashboard/', current: false },
      { port: 8081, strategy: 'sticky-cookie', url: 'http://127.0.0.1:8081/_dashboard/', current: true },
      { port: 8082, strategy: 'hash-ip', url: 'http://127.0.0.1:8082/_dashboard/', current: false },
    ]);
  });

  test('when the page says where it is, then it names the port, the strategy and what that strategy does', () => {
    expect(model.describeFrontend({ port: 8081, strategy: 'sticky-cookie' })).toBe(
      "This page is on :8081, routed sticky-cookie: the proxy's lb cookie pins this browser to one replica until that replica fails.",
    );
    expect(model.describeFrontend({ port: 9000, strategy: 'least-conn' })).toBe('This page is on :9000, routed least-conn.');
    expect(model.describeFrontend(undefined)).toBe("This port is not in the proxy's frontend list.");
  });

  test('when the host is an IPv6 address, then it is bracketed in the URL', () => {
    const [first] = model.frontendLinks(frontends, { protocol: 'http:', hostname: '::1', port: '8080' });
    expect(first.url).toBe('http://[::1]:8080/_dashboard/');
  });

  test('when the status has no usable frontends, then there are no links', () => {
    expect(model.frontendLinks(undefined, { protocol: 'http:', hostname: 'localhost', port: '8080' })).toEqual([]);
    expect(model.frontendLinks([{ port: '80' }, null], { protocol: 'http:', hostname: 'localhost', port: '8080' })).toEqual([]);
  });
});

describe('dashboard model: the cluster table', () => {
  const status = {
    upstreams: [
      { id: 'app1', healthy: true, draining: false, inFlight: 1, requests: 120, failures: 0 },
      { id: 'app2', healthy: false, draining: false, inFlight: 0, requests: 80, failures: 3 },
    ],
  };
  const services = [
    { name: 'redis', state: 'running', pid: 10, port: 8100 },
    { name: 'app1', state: 'running', pid: 11, port: 8091 },
    { name: 'app2', state: 'exited', pid: null, port: 8092 },
    { name: 'app4', state: 'exited', pid: null, port: 8094 },
    { name: 'proxy', state: 'running', pid: 13, port: 8080 },
  ];

  test('when the launcher is there, then Redis and every replica get one row with health from the proxy and state from the launcher', () => {
    const rows = model.serviceRows(status, services, 'up');
    expect(rows.map((r) => [r.id, r.health, r.state])).toEqual([
      ['redis', 'up', 'running'],
      ['app1', 'up', 'running'],
      ['app2', 'down', 'exited'],
      ['app4', 'not in pool', 'exited'],
    ]);
    expect(rows[1]).toMatchObject({ requests: 120, inFlight: 1, failures: 0, pid: 11 });
  });

  test('when the proxy panics, then replicas failing their checks that it still routes to say so, and unreachable ones stay down', () => {
    const panic = {
      panic: true,
      upstreams: [
        { id: 'app1', healthy: false, reachable: true, draining: false },
        { id: 'app2', healthy: false, reachable: false, draining: false },
        { id: 'app3', healthy: false, reachable: true, draining: true },
      ],
    };
    expect(model.serviceRows(panic, null, null).filter((r) => r.kind === 'replica').map((r) => [r.id, r.health])).toEqual([
      ['app1', 'down, routed (panic)'],
      ['app2', 'down'],
      ['app3', 'draining'],
    ]);
  });

  test('when there is no launcher (Docker) and no answer from /ready, then rows come from the proxy alone', () => {
    const rows = model.serviceRows(status, null, null);
    expect(rows.map((r) => [r.id, r.health, r.state])).toEqual([
      ['redis', 'unknown', null],
      ['app1', 'up', null],
      ['app2', 'down', null],
    ]);
  });

  test('when the launcher runs HA Redis, then each node shows the role the Sentinels give it, and the Sentinels follow', () => {
    const ha = [
      { name: 'redis', state: 'exited', pid: null, port: 8100 },
      { name: 'redis2', state: 'running', pid: 20, port: 8101, role: 'primary' },
      { name: 'sentinel1', state: 'running', pid: 21, port: 8102 },
      { name: 'sentinel2', state: 'paused', pid: 22, port: 8103 },
      { name: 'app1', state: 'running', pid: 11, port: 8091 },
    ];
    const rows = model.serviceRows(status, ha, 'up');
    expect(rows.slice(0, 4).map((r) => [r.id, r.kind, r.health, r.role])).toEqual([
      ['redis', 'redis', 'down', null],
      ['redis2', 'redis', 'primary', 'primary'],
      ['sentinel1', 'sentinel', 'up', null],
      ['sentinel2', 'sentinel', 'paused', null],
    ]);
    expect(model.redisPrimary(rows)).toBe('redis2');
    expect(model.redisPrimary(model.serviceRows(status, services, 'up'))).toBeNull();
  });

  test('when two readings of the proxy counters are two seconds apart, then the chart gets their difference per second, never negative', () => {
    const before = { ok: 100, logouts: 2, errors: 0 };
    const after = { ok: 130, logouts: 2, errors: 8 };
    expect(model.chartSample(before, after, 2)).toEqual({ sample: { ok: 15, logouts: 0, errors: 4 }, carried: 0 });
    // The proxy restarted: its counters began again from zero.
    expect(model.chartSample(after, { ok: 3, logouts: 0, errors: 1 }, 1).sample).toEqual({ ok: 3, logouts: 0, errors: 1 });
    // The first reading, or two at one instant: no sample.
    expect(model.chartSample(null, after, 1).sample).toBeUndefined();
    expect(model.chartSample(before, after, 0).sample).toBeUndefined();
    expect(model.chartPoints([0, 5, 10], { width: 20, height: 10, slots: 3 })).toBe('0.0,10.0 10.0,5.0 20.0,0.0');
    expect(model.chartPoints([2], { width: 20, height: 10, slots: 3, max: 4 })).toBe('20.0,5.0');
  });

  test('when the docker command is asked for, then it is the compose verb and service name', () => {
    expect(model.dockerCommand('kill', 'app2')).toBe('docker compose kill app2');
  });

  test('when a replica id ends in a number, then it keeps the same colour slot everywhere', () => {
    expect([model.instanceSlot('app1'), model.instanceSlot('app3'), model.instanceSlot('app7'), model.instanceSlot(null), model.instanceSlot('proxy')]).toEqual([1, 3, 1, 0, 0]);
  });

  test('when a service runs, is paused or has exited, then only the verbs that change something are offered', () => {
    expect(model.verbsFor('running')).toEqual(['kill', 'stop', 'pause']);
    expect(model.verbsFor('paused')).toEqual(['unpause', 'kill']);
    expect(model.verbsFor('exited')).toEqual(['start']);
    expect(model.verbsFor('created')).toEqual(['start']);
    expect(model.verbsFor('stopping')).toEqual(['kill']);
    expect(model.verbsFor('external')).toEqual([]);
    expect(model.verbsFor(undefined)).toEqual(['kill', 'stop', 'start', 'pause', 'unpause']);
  });
});
