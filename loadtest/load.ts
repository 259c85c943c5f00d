import autocannon from 'autocannon';
import { clientAddressKey } from '../common/client-address';
import type { AuthModeSpec } from './modes';
import { createLedger, type UserLedger } from './ledger';
import { clientAddressFor, VirtualUser } from './virtual-user';

/**
 * Runs one cell (a mode behind one frontend) with autocannon: one connection = one user with
 * its own identity, set up in `setupClient` (autocannon resets a request's `ctx` in `requests[]` each loop,
 * so state lives in the VirtualUser, not in autocannon's context).
 */
export interface CellLoad {
  mode: AuthModeSpec;
  strategy: string;
  /** Frontend base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  connections: number;
  durationSeconds: number;
  /** Requests per second per user; unlimited when absent (throughput cells). */
  userRate?: number;
  /** Epoch ms the scenario began: timelines of concurrent cells share it. */
  t0: number;
  /** First user index, so users of concurrent cells get distinct client addresses. */
  firstUserIndex: number;
  usernames: readonly string[];
  password: string;
  /** The target's admin token: hash-ip cells claim their users' addresses with the key derived from it. */
  adminToken: string;
  /** Per-request timeout; a paused replica must show up as slow, then as errors. */
  timeoutSeconds?: number;
  /** Stops the load early (the run was interrupted). */
  signal?: AbortSignal;
  /** What a user does after a 401 (VirtualUser); default: log in again. */
  afterLogout?: 'log in again' | 'keep credential';
  /** Users already logged in by the ramp (cellUsers + rampLogins), one per connection; else each logs in as its first request. */
  users?: readonly VirtualUser[];
}

/** The cell's users, one per connection, each with its identity (pure): log them in with rampLogins before the cell starts. */
export function cellUsers(load: Omit<CellLoad, 'users' | 'durationSeconds' | 't0'>): VirtualUser[] {
  const hashIp = load.strategy === 'hash-ip';
  const key = clientAddressKey(load.adminToken);
  return Array.from({ length: load.connections }, (_, k) => {
    const index = load.firstUserIndex + k;
    const clientAddress = clientAddressFor(index);
    return new VirtualUser(load.mode, createLedger(index, String(index), Date.now()), {
      username: load.usernames[index % load.usernames.length],
      password: load.password,
      clientAddress: hashIp ? { address: clientAddress, key } : undefined,
      // Distinct people, as in startCell: each login its own throttle pair.
      loginAddress: { address: clientAddress, key },
      afterLogout: load.afterLogout,
    });
  });
}

export interface CellRun {
  ledgers: UserLedger[];
  result: autocannon.Result;
}

export interface RunningCell {
  readonly ledgers: UserLedger[];
  readonly done: Promise<CellRun>;
  stop(): void;
}

export function startCell(load: CellLoad): RunningCell {
  const ledgers: UserLedger[] = [];
  const target = new URL(load.url);
  const hashIp = load.strategy === 'hash-ip';
  const key = clientAddressKey(load.adminToken);
  let next = 0;

  const setupClient = (client: autocannon.Client): void => {
    const index = load.firstUserIndex + next++;
    const clientAddress = clientAddressFor(index);
    const ledger = createLedger(index, hashIp ? clientAddress : String(index), load.t0);
    ledgers.push(ledger);
    const prepared = load.users?.[index - load.firstUserIndex];
    prepared?.measureInto(ledger);
    const user = prepared ?? new VirtualUser(load.mode, ledger, {
      username: load.usernames[index % load.usernames.length],
      password: load.password,
      clientAddress: hashIp ? { address: clientAddress, key } : undefined,
      afterLogout: load.afterLogout,
      // Distinct people: otherwise all users of a cell share one address and their logins in
      // flight fill each other's throttle slots (the pair limit counts attempts being checked).
      loginAddress: { address: clientAddress, key },
    });
    // Not in @types/autocannon, but emitted by its Client on a failed connection / timeout.
    const events = client as NodeJS.EventEmitter;
    events.on('connError', () => user.onTransportError());
    events.on('timeout', () => user.onTransportError());
    client.setRequests([
      {
        setupRequest: (request) => {
          const spec = user.nextRequest();
          return { ...request, method: spec.method, path: spec.path, headers: spec.headers, body: spec.body ?? '' };
        },
        onResponse: (status, body, _context, headers) => user.onResponse(status, (headers ?? {}) as Record<string, string>, body),
      },
    ]);
  };

  let instance: autocannon.Instance | undefined;
  const done = new Promise<CellRun>((resolve, reject) => {
    instance = autocannon(
      {
        url: `${target.protocol}//${target.host}`,
        connections: load.connections,
        duration: load.durationSeconds,
        connectionRate: load.userRate,
        timeout: load.timeoutSeconds ?? 10,
        setupClient,
      },
      (err, result) => (err ? reject(err) : resolve({ ledgers, result })),
    );
  });
  const stop = (): void => instance?.stop();
  load.signal?.addEventListener('abort', stop, { once: true });
  void done.finally(() => load.signal?.removeEventListener('abort', stop)).catch(() => undefined);
  return { ledgers, done, stop };
}
