import type { RunContext } from '../context';
import { cellUsers, startCell, type CellLoad, type RunningCell } from '../load';
import type { UserLedger } from '../ledger';
import { rampConcurrency, rampLogins } from '../login-ramp';
import { AUTH_MODES, type AuthModeSpec } from '../modes';
import type { VirtualUser } from '../virtual-user';

/**
 * Users of every mode × strategy at once, at a modest fixed rate per user, so one fault shows
 * every outcome side by side. All cells share one t0, so their timelines line up.
 */
export interface ConcurrentCells {
  t0: number;
  seconds: number;
  cells: { mode: string; strategy: string; balancer?: string; running: RunningCell }[];
  ledgers(): UserLedger[];
  stop(): void;
  done(): Promise<void>;
}

/** Every cell's users, logged in (ramped) before the scenario's clock starts. */
export type PreparedCells = { identity: Omit<CellLoad, 'durationSeconds' | 't0'>; balancer?: string; users: VirtualUser[] }[];

/** Users of each mode behind each of the target's frontends (or of `modes` only: the balancers scenario). */
export async function prepareConcurrentCells(context: RunContext, usersPerCell = context.timing.faultUsersPerCell, modes: readonly AuthModeSpec[] = AUTH_MODES): Promise<PreparedCells> {
  const plan = context.target.frontends.flatMap((frontend) => modes.map((mode) => ({ frontend, mode })));
  const prepared: PreparedCells = plan.map(({ frontend, mode }, i) => {
    const identity = {
      mode, strategy: frontend.strategy, url: frontend.url, connections: usersPerCell, userRate: context.timing.faultUserRate,
      firstUserIndex: 100_000 + i * usersPerCell, usernames: context.usernames, password: context.password, adminToken: context.target.adminToken,
      // Behind round-robin a memory session is missed by design; re-logging in at every miss
      // would make those users a login storm that drowns the fault being measured.
      afterLogout: mode.name === 'memory' && frontend.strategy === 'round-robin' ? 'keep credential' as const : 'log in again' as const,
    };
    return { identity, balancer: frontend.balancer, users: cellUsers(identity) };
  });
  const started = Date.now();
  const all = prepared.flatMap((p) => p.users.map((user) => ({ user, url: p.identity.url })));
  // One ramp per frontend, run together: the replicas share the logins as they would in production.
  const byUrl = new Map<string, VirtualUser[]>();
  for (const { user, url } of all) byUrl.set(url, [...(byUrl.get(url) ?? []), user]);
  const perFrontend = Math.max(1, Math.round(rampConcurrency(context) / byUrl.size));
  const ramps = await Promise.all([...byUrl].map(([url, users]) => rampLogins(users, url, { concurrency: perFrontend, signal: context.signal })));
  const loggedIn = ramps.reduce((n, r) => n + r.loggedIn, 0);
  const refused = ramps.reduce((n, r) => n + r.refused, 0);
  context.log(`${loggedIn} of ${all.length} users logged in before the clock started (${((Date.now() - started) / 1000).toFixed(1)} s, ${refused} logins refused then retried)`);
  return prepared;
}

export function startConcurrentCells(context: RunContext, seconds: number, timeoutSeconds: number, prepared: PreparedCells): ConcurrentCells {
  const t0 = Date.now();
  const cells = prepared.map(({ identity, balancer, users }) => ({
    mode: identity.mode.name,
    strategy: identity.strategy,
    ...(balancer ? { balancer } : {}),
    running: startCell({ ...identity, signal: context.signal, durationSeconds: seconds, t0, timeoutSeconds, users }),
  }));
  return {
    t0,
    seconds,
    cells,
    ledgers: () => cells.flatMap((c) => c.running.ledgers),
    stop: () => cells.forEach((c) => c.running.stop()),
    done: async () => {
      await Promise.all(cells.map((c) => c.running.done));
    },
  };
}
