import { spawn, type ChildProcess } from 'node:child_process';
import { startProbeProcess } from '../../../loadtest/probe-process';

/**
 * A real server in its own process (so this test's event loop can be blocked while it answers):
 * 200, or 503 on /down; GET /seen lists the time and Authorization header of every other request.
 */
const SERVER = `
const seen = [];
const s = require('node:http').createServer((req, res) => {
  if (req.url === '/seen') return res.end(JSON.stringify(seen));
  seen.push({ at: Date.now(), authorization: req.headers.authorization ?? null });
  res.statusCode = req.url === '/down' ? 503 : 200;
  // /slow-first: the first answer takes 400 ms (a probe's cold start looks like this).
  if (req.url === '/slow-first' && seen.length === 1) return setTimeout(() => res.end('ok'), 400);
  res.end('ok');
});
s.listen(0, '127.0.0.1', () => console.log(s.address().port));`;

async function server(): Promise<{ url: string; seen(): Promise<{ at: number; authorization: string | null }[]>; child: ChildProcess }> {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())));
  const url = `http://127.0.0.1:${port}`;
  return { url, child, seen: async () => (await fetch(`${url}/seen`)).json() as Promise<{ at: number; authorization: string | null }[]> };
}

function blockLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) { /* the storm's clients keeping the bench's event loop busy */ }
}

test('when the bench\'s own event loop is blocked, then the probe process goes on probing with its headers, one reading per request', async () => {
  const target = await server();
  try {
    const probe = startProbeProcess({ url: `${target.url}/jwt/me`, headers: { Authorization: 'Bearer t' }, gapMs: 20, warmUpMs: 100 });
    await probe.ready;
    const blockedFrom = Date.now();
    blockLoop(800);
    const blockedTo = Date.now();
    const readings = await probe.stop();
    const seen = await target.seen();
    // ~1 request per 20 ms gap + its answer: far more than a handful while this loop could not run.
    expect(seen.filter((r) => r.at > blockedFrom && r.at < blockedTo).length).toBeGreaterThan(8);
    expect(seen.every((r) => r.authorization === 'Bearer t')).toBe(true);
    expect(readings.failed).toBe(0);
    expect(readings.warmUpRequests).toBeGreaterThan(0);
    expect(readings.latencies.length + readings.warmUpRequests).toBe(seen.length);
  } finally {
    target.child.kill();
  }
});

test('when the first answers come during the warm-up, then they are not recorded, and ready comes after the warm-up', async () => {
  const target = await server();
  try {
    const started = Date.now();
    const probe = startProbeProcess({ url: `${target.url}/slow-first`, gapMs: 10, warmUpMs: 500 });
    await probe.ready;
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    const requestsAtReady = (await target.seen()).length;
    await new Promise((r) => setTimeout(r, 200));
    const readings = await probe.stop();
    expect(readings.warmUpRequests).toBeGreaterThanOrEqual(1);
    expect(readings.warmUpRequests).toBeLessThanOrEqual(requestsAtReady);
    expect(readings.latencies.length).toBeGreaterThan(0);
    // The 400 ms first answer was the warm-up's.
    expect(Math.max(...readings.latencies)).toBeLessThan(400);
  } finally {
    target.child.kill();
  }
});

test('when the target answers non-2xx, then the probe counts failures, not latencies', async () => {
  const target = await server();
  try {
    const probe = startProbeProcess({ url: `${target.url}/down`, gapMs: 10, warmUpMs: 50 });
    await probe.ready;
    await new Promise((r) => setTimeout(r, 200));
    const readings = await probe.stop();
    expect(readings.latencies).toEqual([]);
    expect(readings.failed).toBeGreaterThan(0);
  } finally {
    target.child.kill();
  }
});
