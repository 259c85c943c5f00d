import { pollUntil } from '../common/poll';
import type { UserLedger } from './ledger';
import { ProgressTally } from './progress';
import type { ScenarioTiming } from './scenarios';
import type { BenchTarget } from './target';
import type { UserPool } from './user-pool';

/** What every scenario runner is handed: the target, the plan, and where to report progress. */
export interface Progress {
  scenario: string;
  elapsedSeconds: number;
  totalSeconds: number;
  requestsPerSec: number;
  logouts: number;
}

export interface RunContext {
  target: BenchTarget;
  /** Replicas serving when the run began (healthy in /_proxy/status). */
  replicas: string[];
  timing: ScenarioTiming;
  connections: number;
  victim: string;
  usernames: readonly string[];
  password: string;
  /** Logged-in users kept across cells and scenarios, so each login is hashed once per run. */
  users: UserPool;
  progress(update: Progress): void;
  log(message: string): void;
  /** Aborted when the run is interrupted: load stops, no new cell starts. */
  signal: AbortSignal;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** After a fault, until the proxy sees every replica healthy again (bounded: a warning, then the run goes on). */
export async function waitHealthy(context: RunContext): Promise<void> {
  const healthy = await pollUntil(async () => {
    const status = await context.target.status();
    return context.replicas.every((id) => status.upstreams.some((u) => u.id === id && u.healthy));
  }, { timeoutMs: 20_000, stepMs: 250 });
  if (!healthy) context.log('warning: not every replica is healthy again; continuing');
}

/**
 * Emits a progress update every second from the ledgers a scenario is filling (those of the cell
 * running now will do: ProgressTally keeps every one it was shown): responses per second since the
 * last tick, and logouts so far.
 */
export function trackProgress(context: RunContext, scenario: string, totalSeconds: number, ledgers: () => UserLedger[]): () => void {
  const started = performance.now();
  const tally = new ProgressTally(started);
  const tick = (): void => {
    const now = performance.now();
    context.progress({ scenario, elapsedSeconds: (now - started) / 1000, totalSeconds, ...tally.tick(ledgers(), now) });
  };
  const timer = setInterval(tick, 1000);
  return () => clearInterval(timer);
}
