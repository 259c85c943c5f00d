import http from 'node:http';
import { createLedger, type UserLedger } from './ledger';
import type { AuthModeSpec } from './modes';
import { clientAddressFor, VirtualUser } from './virtual-user';

/**
 * Users that each send one request every 1/rate seconds on their own keep-alive connection, and
 * time every answer with a sub-millisecond clock. autocannon's histogram keeps whole
 * milliseconds, too coarse for a 1 ms round trip; at a fixed rate well below saturation the load
 * is light, so timing each request here costs the bench nothing that matters.
 */
export interface PacedLoad {
  mode: AuthModeSpec;
  strategy: string;
  url: string;
  users: number;
  ratePerUser: number;
  durationSeconds: number;
  firstUserIndex: number;
  usernames: readonly string[];
  password: string;
  signal?: AbortSignal;
}

/** One authenticated request (logins excluded: the walk times them on their own), on performance.now()'s clock. */
export interface TimedRequest {
  startedAt: number;
  endedAt: number;
}

export interface PacedRun {
  ledgers: UserLedger[];
  requests: TimedRequest[];
}

export async function runPaced(load: PacedLoad): Promise<PacedRun> {
  const target = new URL(load.url);
  const t0 = Date.now();
  const ends = t0 + load.durationSeconds * 1000;
  const ledgers: UserLedger[] = [];
  const requests: TimedRequest[] = [];
  const gapMs = 1000 / load.ratePerUser;
  const hashIp = load.strategy === 'hash-ip';

  const user = async (offset: number): Promise<void> => {
    const index = load.firstUserIndex + offset;
    const clientAddress = clientAddressFor(index);
    const ledger = createLedger(index, hashIp ? clientAddress : String(index), t0);
    ledgers.push(ledger);
    const person = new VirtualUser(load.mode, ledger, {
      username: load.usernames[index % load.usernames.length], password: load.password, clientAddress: hashIp ? clientAddress : undefined,
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    // Users start spread over one gap, so their requests do not arrive in bursts.
    let next = performance.now() + (gapMs * offset) / load.users;
    try {
      while (Date.now() < ends && !load.signal?.aborted) {
        const wait = next - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        next += gapMs;
        const spec = person.nextRequest();
        const started = performance.now();
        const answer = await send(agent, target, spec).catch(() => undefined);
        if (!answer) {
          person.onTransportError();
          continue;
        }
        if (!spec.path.endsWith('/login')) requests.push({ startedAt: started, endedAt: performance.now() });
        person.onResponse(answer.status, answer.headers, answer.body);
      }
    } finally {
      agent.destroy();
    }
  };
  await Promise.all(Array.from({ length: load.users }, (_, i) => user(i)));
  return { ledgers, requests };
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
