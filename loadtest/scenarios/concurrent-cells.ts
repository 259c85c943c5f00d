import type { RunContext } from '../context';
import { startCell, type RunningCell } from '../load';
import type { UserLedger } from '../ledger';
import { AUTH_MODES } from '../modes';

/**
 * Users of every mode × strategy at once, at a modest fixed rate per user, so one fault shows
 * every outcome side by side. All cells share one t0, so their timelines line up.
 */
export interface ConcurrentCells {
  t0: number;
  seconds: number;
  cells: { mode: string; strategy: string; running: RunningCell }[];
  ledgers(): UserLedger[];
  stop(): void;
  done(): Promise<void>;
}

export function startConcurrentCells(context: RunContext, seconds: number, timeoutSeconds: number): ConcurrentCells {
  const t0 = Date.now();
  const users = context.timing.faultUsersPerCell;
  const plan = context.target.frontends.flatMap((frontend) => AUTH_MODES.map((mode) => ({ frontend, mode })));
  const cells = plan.map(({ frontend, mode }, i) => ({
    mode: mode.name,
    strategy: frontend.strategy,
    running: startCell({
      signal: context.signal,
      mode, strategy: frontend.strategy, url: frontend.url, connections: users, durationSeconds: seconds,
      userRate: context.timing.faultUserRate, t0, firstUserIndex: 100_000 + i * users, usernames: context.usernames,
      password: context.password, adminToken: context.target.adminToken, timeoutSeconds,
    }),
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
