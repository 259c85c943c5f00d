import { sleep } from './context';
import type { VirtualUser } from './virtual-user';

/**
 * Logs users in before a cell is measured, a few at a time, so the cell measures steady state
 * rather than a queue of password hashes (scrypt at cost 17 is ~0.27 s of CPU per login). A login
 * refused by admission control (503 login_overloaded) waits its Retry-After, a little longer each
 * time, and tries again: a refused login is counted, never an error.
 */
export interface RampResult {
  users: number;
  loggedIn: number;
  refused: number;
  failed: number;
  seconds: number;
}

const MAX_ATTEMPTS = 12;

/** Logins in flight while ramping: two per replica, enough to keep each busy without queueing hashes. */
export function rampConcurrency(context: { replicas: readonly string[] }): number {
  return Math.max(2, 2 * context.replicas.length);
}


/** What one user's login came to: logged in or not, and how many times admission control refused it first. */
export interface LoginAttempt {
  loggedIn: boolean;
  refused: number;
}

/**
 * Log one user in at `url` (a frontend, or a replica reached past the balancer with `headers`),
 * waiting out refusals by admission control and busy or restarting replicas.
 */
export async function logIn(user: VirtualUser, url: string, options: { signal: AbortSignal; headers?: Record<string, string> }): Promise<LoginAttempt> {
  let refused = 0;
  for (let attempt = 0; attempt < MAX_ATTEMPTS && !options.signal.aborted && !user.isLoggedIn; attempt++) {
    const request = user.nextRequest();
    const response = await fetch(`${url}${request.path}`, {
      method: request.method, headers: { ...request.headers, ...options.headers }, body: request.body, signal: AbortSignal.timeout(30_000),
    }).catch(() => undefined);
    if (!response) {
      await sleep(500);
      continue;
    }
    const body = await response.text();
    user.onResponse(response.status, { 'set-cookie': response.headers.getSetCookie(), 'x-instance': response.headers.get('x-instance') ?? undefined }, body);
    if (user.isLoggedIn) break;
    if (response.status === 503 && body.includes('"login_overloaded"')) {
      refused++;
      const wait = Number(response.headers.get('retry-after') ?? '1');
      await sleep(Math.min(10_000, 1000 * (Number.isFinite(wait) && wait > 0 ? wait : 1) * (1 + attempt / 2)));
    } else if (response.status !== 429 && response.status < 500) {
      break; // a refusal that waiting will not change (wrong password, bad request)
    } else {
      await sleep(1000 * (1 + attempt / 2)); // a busy or restarting replica (502/503/504): give it time
    }
  }
  return { loggedIn: user.isLoggedIn, refused };
}

export async function rampLogins(users: readonly VirtualUser[], url: string, options: { concurrency: number; signal: AbortSignal }): Promise<RampResult> {
  const started = Date.now();
  let refused = 0;
  let failed = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < users.length && !options.signal.aborted) {
      const attempt = await logIn(users[next++], url, options);
      refused += attempt.refused;
      if (!attempt.loggedIn) failed++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, users.length) }, worker));
  return { users: users.length, loggedIn: users.filter((u) => u.isLoggedIn).length, refused, failed, seconds: (Date.now() - started) / 1000 };
}
