import { DEMO } from './harness';

/**
 * Helpers for the JWT lifecycle tests. The replicas themselves are the same real replicas the
 * session tests use (session-replicas.ts): listening servers sharing one Redis and one
 * hand-moved clock, so "two replicas at the same instant" and "after the grace period" need
 * no sleeps.
 */
export { startReplicas, type Replicas } from './session-replicas';

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
