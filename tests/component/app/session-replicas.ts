import { loadAppConfig } from '../../../services/app/config';
import { UserDirectory } from '../../../services/app/passwords';
import { start, type RunningApp } from '../../../services/app/server';
import { AppMetrics } from '../../../services/app/metrics';
import type { RunningProxy } from '../../../proxy/server';
import { request, startProxy, type Answer } from '../proxy/support';
import { waitFor } from '../../../common/poll';
import { FakeClock } from './harness';
import { sharedRedisUrl } from '../../support/shared-redis';
import { LogLines } from '../../support/log-lines';

export { request, type Answer };

export interface Replica {
  id: string;
  url: string;
  logs: LogLines;
  running: RunningApp;
}

export interface Replicas {
  clock: FakeClock;
  replicas: Replica[];
  /** The replicas' base URLs, in order (app1, app2, …). */
  urls: string[];
  close(): Promise<void>;
}

const usersByCost = new Map<number, Promise<UserDirectory>>();

/**
 * Real app replicas (server.ts `start`: real listen on 127.0.0.1, each with its own Redis
 * client) sharing one Redis URL and one hand-moved clock, so timeouts and throttle windows are
 * tested without sleeping. `env` applies to all; `perReplica[i]` adds to replica i; `hashCost`
 * (default 10, milliseconds per login) is the demo users' cost, for tests that need logins to overlap.
 */
export async function startReplicas(redisUrl: string, count: number, env: Record<string, string> = {},
  perReplica: Record<string, string>[] = [], options: { hashCost?: number } = {}): Promise<Replicas> {
  const clock = new FakeClock();
  const hashCost = options.hashCost ?? 10;
  // Hashing the demo users once per cost keeps each replica's start in milliseconds.
  if (!usersByCost.has(hashCost)) usersByCost.set(hashCost, UserDirectory.demo('demo-password', hashCost));
  const users = usersByCost.get(hashCost)!;
  const replicas: Replica[] = [];
  for (let i = 0; i < count; i++) {
    const id = `app${i + 1}`;
    const config = loadAppConfig({
      INSTANCE_ID: id, HOST: '127.0.0.1', PORT: '0', REDIS_URL: redisUrl, PASSWORD_HASH_COST: String(hashCost),
      LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: '1000', ...env, ...(perReplica[i] ?? {}),
    });
    const logs = new LogLines();
    const running = await start(config, { logger: logs.logger, clock, users: await users, metrics: new AppMetrics({ instance: id }) });
    replicas.push({ id, url: running.urls.http, logs, running });
  }
  // A replica answers before its Redis client is connected; until then it would throttle per
  // replica (the fallback). Tests start from the steady state: Redis connected everywhere.
  await Promise.all(replicas.map((r) => waitFor(async () => (await request(`${r.url}/ready`)).status === 200, 10_000)));
  return {
    clock,
    replicas,
    urls: replicas.map((r) => r.url),
    async close() {
      await Promise.all(replicas.map((r) => r.running.close()));
    },
  };
}

/**
 * The fixture "replicas with Redis": `count` real replicas on this file's own database of the
 * run's shared Redis (or on `redisUrl()` when a test brings its own server, to kill it), started
 * before the file's (or describe block's) tests and closed after. Filled in by beforeAll.
 */
export function useReplicas(count: number, env: Record<string, string> = {}, perReplica: Record<string, string>[] = [],
  redisUrl: () => Promise<string> = sharedRedisUrl, options: { hashCost?: number } = {}): Replicas {
  const fixture = {} as Replicas;
  beforeAll(async () => {
    Object.assign(fixture, await startReplicas(await redisUrl(), count, env, perReplica, options));
  });
  afterAll(async () => {
    await fixture.close?.();
  });
  return fixture;
}

/** The real proxy over a replicas fixture (declare it after useReplicas, so it starts after them). */
export function useProxyOver(replicas: Replicas): RunningProxy {
  const proxy = {} as RunningProxy;
  beforeAll(async () => {
    Object.assign(proxy, await proxyOver(replicas.replicas));
  });
  afterAll(async () => {
    await proxy.close?.();
  });
  return proxy;
}

/** The real proxy (round-robin, sticky-cookie, hash-ip frontends) over the replicas. */
export function proxyOver(replicas: Replica[], env: Record<string, string> = {}): Promise<RunningProxy> {
  return startProxy({ UPSTREAMS: replicas.map((r) => `${r.id}=${r.url}`).join(','), ...env });
}

export const JSON_HEADERS = { 'Content-Type': 'application/json' };
export const DEMO_BODY = JSON.stringify({ username: 'alice', password: 'demo-password' });

/** `name=value` of the Set-Cookie for `name`, or undefined. */
export function cookieOf(answer: Answer, name: string): string | undefined {
  return answer.headers['set-cookie']?.find((c) => c.startsWith(`${name}=`))?.split(';')[0];
}

/** POST /{mode}/login as alice (or `body`); the answer, its session cookie and CSRF token. */
export async function login(base: string, mode: string, options: { body?: string; headers?: Record<string, string> } = {}) {
  const answer = await request(`${base}/${mode}/login`, {
    method: 'POST', headers: { ...JSON_HEADERS, ...(options.headers ?? {}) }, body: options.body ?? DEMO_BODY,
  });
  const body = answer.status === 200 ? answer.json() : {};
  return { answer, cookie: cookieOf(answer, `sid_${mode}`) ?? '', csrfToken: String(body.csrfToken ?? '') };
}

export function me(base: string, mode: string, cookie: string, headers: Record<string, string> = {}): Promise<Answer> {
  return request(`${base}/${mode}/me`, { headers: { Cookie: cookie, ...headers } });
}

export function logout(base: string, mode: string, cookie: string, headers: Record<string, string> = {}): Promise<Answer> {
  return request(`${base}/${mode}/logout`, { method: 'POST', headers: { Cookie: cookie, ...headers } });
}
