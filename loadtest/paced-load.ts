import http from 'node:http';
import { clientAddressKey } from '../common/client-address';
import { createLedger } from './ledger';
import type { AuthModeSpec } from './modes';
import { clientAddressFor, VirtualUser } from './virtual-user';

/**
 * Users that each send requests on their own keep-alive connection, one at a time — back to back
 * (a closed loop) or one every 1/rate seconds — and time every answer with a sub-millisecond
 * clock. autocannon's histogram keeps whole milliseconds, too coarse for a 1 ms round trip. The
 * users live across cells: they log in once (their first request) and stay logged in, so a sweep
 * of many short cells pays for logins once rather than per cell.
 */
export interface UserSet {
  mode: AuthModeSpec;
  strategy: string;
  count: number;
  firstUserIndex: number;
  usernames: readonly string[];
  password: string;
  /** The proxy's admin token: the key that lets the bench claim simulated client addresses. */
  adminToken: string;
}

export function createUsers(set: UserSet): VirtualUser[] {
  const hashIp = set.strategy === 'hash-ip';
  const key = clientAddressKey(set.adminToken);
  return Array.from({ length: set.count }, (_, k) => {
    const index = set.firstUserIndex + k;
    const clientAddress = clientAddressFor(index);
    return new VirtualUser(set.mode, createLedger(index, hashIp ? clientAddress : String(index), Date.now()), {
      username: set.usernames[index % set.usernames.length], password: set.password,
      clientAddress: hashIp ? { address: clientAddress, key } : undefined,
      // Each user logs in from its own address, as in every other scenario (the throttle counts per address).
      loginAddress: { address: clientAddress, key },
    });
  });
}

export interface PacedLoad {
  users: readonly VirtualUser[];
  url: string;
  /** Requests per second per user; absent: a closed loop (the next request as soon as the answer is in). */
  ratePerUser?: number;
  durationSeconds: number;
  signal?: AbortSignal;
}

/** One authenticated request (logins excluded: the walk times them on their own), on performance.now()'s clock. */
export interface TimedRequest {
  startedAt: number;
  endedAt: number;
}

export async function runPaced(load: PacedLoad): Promise<{ requests: TimedRequest[]; seconds: number }> {
  const target = new URL(load.url);
  const started = performance.now();
  const ends = started + load.durationSeconds * 1000;
  const requests: TimedRequest[] = [];
  const gapMs = load.ratePerUser ? 1000 / load.ratePerUser : 0;

  const drive = async (person: VirtualUser, offset: number): Promise<void> => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    // Paced users start spread over one gap, so their requests do not arrive in bursts.
    let next = performance.now() + (gapMs * offset) / load.users.length;
    try {
      while (performance.now() < ends && !load.signal?.aborted) {
        const wait = next - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        next += gapMs;
        const spec = person.nextRequest();
        const sent = performance.now();
        const answer = await send(agent, target, spec).catch(() => undefined);
        if (!answer) {
          person.onTransportError();
          continue;
        }
        if (!spec.path.endsWith('/login')) requests.push({ startedAt: sent, endedAt: performance.now() });
        person.onResponse(answer.status, answer.headers, answer.body);
      }
    } finally {
      agent.destroy();
    }
  };
  await Promise.all(load.users.map((person, i) => drive(person, i)));
  return { requests, seconds: (performance.now() - started) / 1000 };
}

function send(
  agent: http.Agent,
  target: URL,
  spec: { method: string; path: string; headers: Record<string, string>; body?: string },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({
      agent, host: target.hostname, port: target.port, method: spec.method, path: spec.path, headers: spec.headers, timeout: 10_000,
    }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => { body += chunk; });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', reject);
    request.end(spec.body);
  });
}

/** The q-quantile (0..1) of `values`, nearest rank; null when empty. */
export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
