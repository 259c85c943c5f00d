import { silentLogger } from '../../../services/common/logger';
import { loadAppConfig } from '../../../services/app/config';
import { UserDirectory } from '../../../services/app/passwords';
import { start, type RunningApp } from '../../../services/app/server';
import { waitFor } from '../../support/ports';
import { DEMO, FakeClock } from './harness';

/**
 * Real replicas for the JWT lifecycle tests: each a listening server on 127.0.0.1:0 with its own
 * Redis client, all sharing one Redis (started by the test) and one hand-moved clock, so
 * "two replicas at the same instant" and "after the grace period" need no sleeps.
 */
export interface Replicas {
  urls: string[];
  clock: FakeClock;
  close(): Promise<void>;
}

export async function startReplicas(redisUrl: string, count: number, env: Record<string, string> = {}): Promise<Replicas> {
  const clock = new FakeClock();
  const users = await UserDirectory.demo(DEMO.password, 10);
  const running: RunningApp[] = [];
  for (let i = 1; i <= count; i++) {
    const config = loadAppConfig({
      INSTANCE_ID: `app${i}`, HOST: '127.0.0.1', PORT: '0', REDIS_URL: redisUrl,
      PASSWORD_HASH_COST: '10', LOG_LEVEL: 'silent', SHUTDOWN_TIMEOUT_MS: '1000', ...env,
    });
    running.push(await start(config, { logger: silentLogger(), clock, users }));
  }
  const urls = running.map((r) => r.urls.http);
  // A replica's Redis client connects in the background: wait until each says ready.
  for (const url of urls) await waitFor(async () => (await fetch(`${url}/ready`)).status === 200, 5_000);
  return { urls, clock, close: async () => { await Promise.all(running.map((r) => r.close())); } };
}

export interface Answer {
  status: number;
  body: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** One HTTP request with an optional bearer token and JSON body; the parsed answer. */
export async function call(url: string, method: 'GET' | 'POST', path: string, options: { token?: string; body?: unknown } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${url}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}

export async function login(url: string, prefix = '/jwt', username: string = DEMO.username): Promise<{ accessToken: string; refreshToken: string }> {
  const res = await call(url, 'POST', `${prefix}/login`, { body: { username, password: DEMO.password } });
  if (res.status !== 200) throw new Error(`login answered ${res.status}`);
  return { accessToken: res.body.accessToken, refreshToken: res.body.refreshToken };
}
