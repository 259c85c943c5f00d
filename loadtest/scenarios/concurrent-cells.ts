import type { RunContext } from '../context';
import { cellUsers, startCell, type CellLoad, type RunningCell } from '../load';
import type { UserLedger } from '../ledger';
import { rampConcurrency } from '../login-ramp';
import { AUTH_MODES, type AuthModeSpec } from '../modes';
import { UserPool } from '../user-pool';
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
  const frontends = context.target.frontends;
  const prepared = plan.map(({ frontend, mode }) => {
    // Cells of a mode whose credentials work through any frontend take distinct slots, so no two
    // concurrent users share a session. A memory session is found only through the routing it was
    // made behind: its key names the balancer as well as the strategy.
    const key = UserPool.key(context.target.url, mode, frontend.balancer && frontend.balancer !== 'node' ? `${frontend.balancer} ${frontend.strategy}` : frontend.strategy);
    const firstSlot = mode.name === 'memory' ? 0 : frontends.indexOf(frontend) * usersPerCell;
    const identity = {
      mode, strategy: frontend.strategy, url: frontend.url, connections: usersPerCell, userRate: context.timing.faultUserRate,
      firstUserIndex: context.users.firstIndex(key) + firstSlot, usernames: context.usernames, password: context.password, adminToken: context.target.adminToken,
      // Behind round-robin a memory session is missed by design; re-logging in at every miss
      // would make those users a login storm that drowns the fault being measured.
      afterLogout: mode.name === 'memory' && frontend.strategy === 'round-robin' ? 'keep credential' as const : 'log in again' as const,
    };
    return { identity, balancer: frontend.balancer, users: cellUsers(identity), key, firstSlot };
  });
  const started = Date.now();
  // One preparation per cell, the cells of a frontend in turn and the frontends together: the
  // replicas share the logins as they would in production.
  const perFrontend = Math.max(1, Math.round(rampConcurrency(context) / Math.max(1, frontends.length)));
  const byFrontend = context.target.frontends.map((frontend) => prepared.filter((p) => p.identity.url === frontend.url));
  const preparations = await Promise.all(byFrontend.map(async (cells) => {
    const done = [];
    for (const { identity, users, key, firstSlot } of cells) {
      done.push(await context.users.prepare(users, { key, firstSlot, url: identity.url, concurrency: perFrontend, signal: context.signal }));
    }
    return done;
  }));
  const all = preparations.flat();
  const sum = (f: (p: (typeof all)[number]) => number): number => all.reduce((n, p) => n + f(p), 0);
  context.log(`${sum((p) => p.loggedIn)} of ${sum((p) => p.users)} users logged in before the clock started (${sum((p) => p.reused)} still logged in from earlier cells; ${((Date.now() - started) / 1000).toFixed(1)} s, ${sum((p) => p.refused)} logins refused then retried)`);
  return prepared.map(({ identity, balancer, users }) => ({ identity, balancer, users }));
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
