import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../../../common/ports';
import { waitFor } from '../../../common/poll';
import { sharedRedisUrl } from '../../support/shared-redis';

/** The built replica in a real process, started the way the proxy and the launcher start it. */
const MAIN = path.resolve(__dirname, '../../../dist/services/app/main.js');

interface Replica {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

async function spawnReplica(env: Record<string, string>): Promise<Replica> {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: String(port), INSTANCE_ID: 'app-proc', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, url: `http://127.0.0.1:${port}`, output: () => output, exited };
}

const running: Replica[] = [];
let redisUrl: string;

beforeAll(async () => {
  redisUrl = await sharedRedisUrl();
});
afterEach(async () => {
  for (const replica of running.splice(0)) {
    if (replica.child.exitCode === null && replica.child.signalCode === null) {
      replica.child.kill('SIGKILL');
      await replica.exited;
    }
  }
});

async function started(env: Record<string, string>): Promise<Replica> {
  const replica = await spawnReplica(env);
  running.push(replica);
  // Default cost hashes the demo users before listening: seconds when six engineers share 2 cores.
  await waitFor(async () => (await fetch(`${replica.url}/health`)).ok, 30_000);
  return replica;
}

test('when SIGTERM arrives during a login (default password cost), then the login still completes and the process exits 0', async () => {
  const replica = await started({ REDIS_URL: redisUrl });
  const login = fetch(`${replica.url}/redis/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'alice', password: 'demo-password' }),
  });
  // scrypt at N=2^17 takes ~250 ms here, so the request is still in flight.
  await new Promise((r) => setTimeout(r, 60));
  replica.child.kill('SIGTERM');
  const res = await login;
  expect(res.status).toBe(200);
  expect(res.headers.get('x-instance')).toBe('app-proc');
  expect(res.headers.get('connection')).toBe('close');
  expect(await res.json()).toEqual({ user: 'alice', instance: 'app-proc', csrfToken: expect.any(String) });
  expect(await replica.exited).toBe(0);
  await expect(fetch(`${replica.url}/health`)).rejects.toThrow();
  expect(replica.output()).toMatch(/"msg":"stopped"/);
});

test('when Redis is unreachable, then the process starts, serves /health, answers 503 on /redis and stays alive', async () => {
  const deadPort = await freePort();
  const replica = await started({ REDIS_URL: `redis://127.0.0.1:${deadPort}`, PASSWORD_HASH_COST: '10' });
  const started503 = performance.now();
  const res = await fetch(`${replica.url}/redis/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'alice', password: 'demo-password' }),
  });
  expect(res.status).toBe(503);
  expect(performance.now() - started503).toBeLessThan(1000);
  expect(((await res.json()) as { error: string }).error).toBe('session_store_unavailable');
  // Repeated on one keep-alive connection: each 503 arrives whole, nothing is retried behind it.
  for (let i = 0; i < 5; i++) {
    const again = await fetch(`${replica.url}/redis/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'bob', password: 'demo-password' }),
    });
    expect(again.status).toBe(503);
    expect(((await again.json()) as { error: string }).error).toBe('session_store_unavailable');
  }
  expect((await fetch(`${replica.url}/ready`)).status).toBe(503);
  expect((await fetch(`${replica.url}/health`)).status).toBe(200);
  await new Promise((r) => setTimeout(r, 50)); // let any deferred error surface
  expect(replica.child.exitCode).toBeNull();
  expect(replica.output()).not.toMatch(/AppError|at .*\.js:\d+/); // no stack printed anywhere
});

test('when production is configured with weak secrets, then the process refuses to start and lists every problem', async () => {
  const replica = await spawnReplica({ APP_ENV: 'production', JWT_SECRET: 'short' });
  running.push(replica);
  expect(await replica.exited).toBe(1);
  expect(replica.output()).toMatch(/SESSION_SECRET: is required in production/);
  expect(replica.output()).toMatch(/JWT_SECRET: is too short/);
  expect(replica.output()).toMatch(/DEMO_PASSWORD/);
});

const metric = async (url: string, name: string): Promise<number | undefined> => {
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})?\\s+([0-9.e+]+)`, 'm').exec(await (await fetch(`${url}/metrics`)).text());
  return match ? Number(match[1]) : undefined;
};

test('when SIGUSR2 arrives at a replica run with --expose-gc, then it collects and serves the live heap it measured in that tick (the memory scenario\'s reading)', async () => {
  const replica = await started({ REDIS_URL: redisUrl, PASSWORD_HASH_COST: '10', NODE_OPTIONS: '--expose-gc' });
  expect(await metric(replica.url, 'authscale_forced_gc_total')).toBe(0);
  replica.child.kill('SIGUSR2');
  await waitFor(async () => (await metric(replica.url, 'authscale_forced_gc_total')) === 1, 10_000);
  const live = await metric(replica.url, 'authscale_heap_live_bytes');
  const used = await metric(replica.url, 'nodejs_heap_size_used_bytes');
  expect(live).toBeGreaterThan(1_000_000);
  expect(live).toBeLessThan(used!); // code and bytecode left out
});

test('when SIGUSR2 arrives at a replica without --expose-gc, then it keeps serving and reports no forced collection', async () => {
  const replica = await started({ REDIS_URL: redisUrl, PASSWORD_HASH_COST: '10' });
  replica.child.kill('SIGUSR2');
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect((await fetch(`${replica.url}/health`)).status).toBe(200);
  expect(await metric(replica.url, 'authscale_forced_gc_total')).toBe(0);
});
