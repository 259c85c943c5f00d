import { countBetween, lastInstance, instanceAt, mergeTimeline, moduloMovedFraction, sumShares } from '../aggregate';
import { sleep, trackProgress, type RunContext } from '../context';
import type { UserLedger } from '../ledger';
import type { ScaleOutCellResult, ScaleOutResult, ScenarioEvent } from '../results';
import { prepareConcurrentCells, startConcurrentCells } from './concurrent-cells';
import { pollUntil } from '../../common/poll';

export const NEW_REPLICA = 'app4';

export interface ScaleOutOptions {
  /** URL the proxy should use for app4 if it is not in its pool yet (POST /_proxy/upstreams). */
  app4Url?: string;
}

export function scaleOutUnavailable(context: RunContext): string | undefined {
  return context.target.faults.unavailable(NEW_REPLICA, 'start');
}

/**
 * Start app4 under load and let it join the pool (the local proxy lists it from the start as
 * unhealthy, so health checks admit it; a pool without it gets it via the admin API). Who moved,
 * and were in-memory-session users who moved logged out?
 */
export async function runScaleOut(context: RunContext, options: ScaleOutOptions): Promise<ScaleOutResult> {
  const { beforeSeconds, faultSeconds, afterSeconds } = context.timing;
  const seconds = beforeSeconds + faultSeconds + afterSeconds;
  const load = startConcurrentCells(context, seconds, 10, await prepareConcurrentCells(context));
  const stopProgress = trackProgress(context, 'scale-out', seconds, load.ledgers);
  const events: ScenarioEvent[] = [];
  let joinedMs = 0;
  let startMs = 0;
  try {
    await sleep(beforeSeconds * 1000);
    startMs = Date.now() - load.t0;
    await context.target.faults.run(NEW_REPLICA, 'start');
    events.push({ second: round(startMs / 1000), kind: 'scale', label: `start ${NEW_REPLICA}` });
    await joinPool(context, options);
    joinedMs = Date.now() - load.t0;
    events.push({ second: round(joinedMs / 1000), kind: 'scale', label: `${NEW_REPLICA} in pool` });
    context.log(`scale-out: ${NEW_REPLICA} joined the pool after ${((joinedMs - startMs) / 1000).toFixed(1)} s`);
    await load.done();
  } finally {
    load.stop();
    stopProgress();
  }
  // Leave the cluster as it was for whatever runs next; failure to stop it is not a result.
  if (!context.target.faults.unavailable(NEW_REPLICA, 'stop')) await context.target.faults.run(NEW_REPLICA, 'stop').catch(() => undefined);

  const before = context.replicas.length;
  const hashKeys = load.cells.filter((c) => c.strategy === 'hash-ip').flatMap((c) => c.running.ledgers.map((l) => l.key));
  return {
    seconds,
    usersPerCell: context.timing.faultUsersPerCell,
    replicasBefore: before,
    replicasAfter: before + 1,
    events,
    cells: load.cells.map((c) => scaleOutCell(c.mode, c.strategy, c.running.ledgers, { seconds, startMs })),
    moduloMovedFraction: moduloMovedFraction(hashKeys, before, before + 1),
    consistentMovedFraction: 1 / (before + 1),
  };
}

async function joinPool(context: RunContext, options: ScaleOutOptions): Promise<void> {
  const status = await context.target.status();
  if (!status.upstreams.some((u) => u.id === NEW_REPLICA)) {
    if (!options.app4Url) throw new Error(`${NEW_REPLICA} is not in the proxy's pool and no --app4-url was given to add it`);
    const response = await fetch(new URL('/_proxy/upstreams', context.target.frontends[0].url), {
      method: 'POST',
      headers: { Authorization: `Bearer ${context.target.adminToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: NEW_REPLICA, url: options.app4Url }),
    });
    if (!response.ok) throw new Error(`POST /_proxy/upstreams answered ${response.status} ${await response.text()}`);
  }
  // A container (compose) starts slower than a local process: image, demo users hashed at the target's cost.
  const admitted = await pollUntil(async () => (await context.target.status()).upstreams.some((u) => u.id === NEW_REPLICA && u.healthy), { timeoutMs: 60_000, stepMs: 200 });
  if (!admitted) throw new Error(`${NEW_REPLICA} was not marked healthy by the proxy within 60 s`);
}

/**
 * A cell's scale-out figures (pure): moved = the replica at the end differs from the one just
 * before app4 was started (it cannot have served anyone before that).
 */
export function scaleOutCell(mode: string, strategy: string, ledgers: readonly UserLedger[], at: { seconds: number; startMs: number }): ScaleOutCellResult {
  const joinedSecond = Math.floor(at.startMs / 1000);
  const moved = ledgers.filter((l) => {
    const before = instanceAt(l, at.startMs);
    const after = lastInstance(l);
    return before !== undefined && after !== undefined && before !== after;
  });
  const stayed = ledgers.filter((l) => !moved.includes(l));
  const loggedOut = (l: UserLedger): boolean => countBetween(l, 'logouts', joinedSecond) > 0;
  const timeline = mergeTimeline(ledgers, at.seconds);
  const afterJoin = timeline.filter((p) => p.second >= joinedSecond).reduce((n, p) => n + p.ok + p.logouts + p.errors + p.logins + p.other, 0);
  const app4 = sumShares(ledgers)[NEW_REPLICA] ?? 0;
  return {
    mode,
    strategy,
    users: ledgers.length,
    moved: moved.length,
    movedFraction: ledgers.length ? moved.length / ledgers.length : 0,
    movedToApp4: moved.filter((l) => lastInstance(l) === NEW_REPLICA).length,
    movedLoggedOut: moved.filter(loggedOut).length,
    stayedLoggedOut: stayed.filter(loggedOut).length,
    app4Share: afterJoin > 0 ? app4 / afterJoin : 0,
    timeline,
  };
}

const round = (x: number): number => Math.round(x * 10) / 10;
