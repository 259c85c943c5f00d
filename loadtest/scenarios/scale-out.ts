import { countBetween, lastInstance, instanceAt, mergeTimeline, moduloMovedFraction, movedUsers, sumShares } from '../aggregate';
import { sleep, trackProgress, type RunContext } from '../context';
import type { UserLedger } from '../ledger';
import type { ScaleDownResult, ScaleOutCellResult, ScaleOutResult, ScenarioEvent } from '../results';
import { prepareConcurrentCells, startConcurrentCells } from './concurrent-cells';
import { pollUntil } from '../../common/poll';
import { servingSet, watchPool } from '../pool-watch';

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
  if (context.target.swarm) return runSwarmScaleOut(context);
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
    newReplicas: [NEW_REPLICA],
    action: context.target.faults.describe?.(NEW_REPLICA, 'start') ?? `start ${NEW_REPLICA}`,
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
 * A cell's scale-out figures (pure): moved = the replica at `endMs` (default: the end) differs from
 * the one just before the new replica was started (it cannot have served anyone before that).
 */
export function scaleOutCell(
  mode: string,
  strategy: string,
  ledgers: readonly UserLedger[],
  at: { seconds: number; startMs: number; endMs?: number; newReplicas?: readonly string[] },
): ScaleOutCellResult {
  const joinedSecond = Math.floor(at.startMs / 1000);
  const newReplicas = at.newReplicas ?? [NEW_REPLICA];
  const end = (l: UserLedger): string | undefined => (at.endMs === undefined ? lastInstance(l) : instanceAt(l, at.endMs));
  const moved = movedUsers(ledgers, at.startMs, at.endMs);
  const stayed = ledgers.filter((l) => !moved.includes(l));
  const endSecond = at.endMs === undefined ? Infinity : Math.ceil(at.endMs / 1000);
  const loggedOut = (l: UserLedger): boolean => countBetween(l, 'logouts', joinedSecond, endSecond) > 0;
  const timeline = mergeTimeline(ledgers, at.seconds);
  const afterJoin = timeline.filter((p) => p.second >= joinedSecond).reduce((n, p) => n + p.ok + p.logouts + p.errors + p.logins + p.other, 0);
  const shares = sumShares(ledgers);
  const app4 = newReplicas.reduce((n, id) => n + (shares[id] ?? 0), 0);
  return {
    mode,
    strategy,
    users: ledgers.length,
    moved: moved.length,
    movedFraction: ledgers.length ? moved.length / ledgers.length : 0,
    movedToApp4: moved.filter((l) => newReplicas.includes(end(l) ?? '')).length,
    movedLoggedOut: moved.filter(loggedOut).length,
    stayedLoggedOut: stayed.filter(loggedOut).length,
    app4Share: afterJoin > 0 ? app4 / afterJoin : 0,
    timeline,
  };
}

/** How long a swarm scale step may take under load before the scenario gives up (a task at the production hash cost starts slowly). */
const SWARM_SCALE_BOUND_MS = 300_000;

/**
 * The swarm's scale-out, up and down under one load: `docker service scale app=N+1` until the proxy
 * serves from the new task, a while of load, then `docker service scale app=N` until the proxy has
 * let one task go (swarm picks which), and a while more. Open-ended like the replacement scenarios.
 */
async function runSwarmScaleOut(context: RunContext): Promise<ScaleOutResult> {
  const { beforeSeconds, faultSeconds, afterSeconds } = context.timing;
  const faults = context.target.faults;
  const bound = SWARM_SCALE_BOUND_MS / 1000;
  const load = startConcurrentCells(context, beforeSeconds + 2 * (bound + faultSeconds + afterSeconds), 10, await prepareConcurrentCells(context));
  const stopProgress = trackProgress(context, 'scale-out', beforeSeconds + 2 * (30 + faultSeconds + afterSeconds), load.ledgers);
  const pool = await watchPool(context.target, load.t0);
  const before = pool.current();
  const events: ScenarioEvent[] = [];
  const mark = (label: string): void => {
    events.push({ second: round((Date.now() - load.t0) / 1000), kind: 'scale', label });
    context.log(`scale-out: ${label}`);
  };
  const serving = async (): Promise<string[]> => servingSet(await context.target.status());
  let startMs = 0;
  let downMs = 0;
  let added: string[] = [];
  let removed: string[] = [];
  try {
    await sleep(beforeSeconds * 1000);
    startMs = Date.now() - load.t0;
    await faults.run(NEW_REPLICA, 'start');
    mark(faults.describe?.(NEW_REPLICA, 'start') ?? 'scale up');
    const joined = await pollUntil(async () => (await serving()).some((id) => !before.includes(id)), { timeoutMs: SWARM_SCALE_BOUND_MS, stepMs: 250, stop: () => context.signal.aborted });
    if (!joined) throw new Error(`the proxy served from no new task within ${bound} s of ${faults.describe?.(NEW_REPLICA, 'start')}`);
    added = (await serving()).filter((id) => !before.includes(id));
    mark(`${added.join(', ')} in pool`);
    await sleep((faultSeconds + afterSeconds) * 1000);
    downMs = Date.now() - load.t0;
    const atDown = await serving();
    await faults.run(NEW_REPLICA, 'stop');
    mark(faults.describe?.(NEW_REPLICA, 'stop') ?? 'scale down');
    const left = await pollUntil(async () => (await serving()).length < atDown.length, { timeoutMs: SWARM_SCALE_BOUND_MS, stepMs: 250, stop: () => context.signal.aborted });
    if (!left) throw new Error(`the proxy still served from ${atDown.length} tasks ${bound} s after ${faults.describe?.(NEW_REPLICA, 'stop')}`);
    const now = await serving();
    removed = atDown.filter((id) => !now.includes(id));
    mark(`${removed.join(', ')} left the pool`);
    await sleep(afterSeconds * 1000);
  } finally {
    load.stop();
    stopProgress();
    await pool.stop();
  }
  await load.done();
  const seconds = Math.ceil((Date.now() - load.t0) / 1000);
  const hashKeys = load.cells.filter((c) => c.strategy === 'hash-ip').flatMap((c) => c.running.ledgers.map((l) => l.key));
  const down: ScaleDownResult = {
    startSecond: round(downMs / 1000),
    removed,
    cells: load.cells.map((c) => scaleDownCell(c.mode, c.strategy, c.running.ledgers, downMs)),
  };
  return {
    newReplicas: added,
    action: faults.describe?.(NEW_REPLICA, 'start') ?? 'scale up',
    down,
    seconds,
    usersPerCell: context.timing.faultUsersPerCell,
    replicasBefore: before.length,
    replicasAfter: before.length + added.length,
    events: [...events, ...pool.events].sort((a, b) => a.second - b.second),
    cells: load.cells.map((c) => scaleOutCell(c.mode, c.strategy, c.running.ledgers, { seconds, startMs, endMs: downMs, newReplicas: added })),
    moduloMovedFraction: moduloMovedFraction(hashKeys, before.length, before.length + 1),
    consistentMovedFraction: 1 / (before.length + 1),
  };
}

/** A cell's figures for the scale back (pure): who was answered by another replica at the end than just before it. */
export function scaleDownCell(mode: string, strategy: string, ledgers: readonly UserLedger[], downMs: number): ScaleDownResult['cells'][number] {
  const fromSecond = Math.floor(downMs / 1000);
  const moved = movedUsers(ledgers, downMs);
  const loggedOut = (l: UserLedger): boolean => countBetween(l, 'logouts', fromSecond) > 0;
  return {
    mode,
    strategy,
    users: ledgers.length,
    moved: moved.length,
    movedLoggedOut: moved.filter(loggedOut).length,
    stayedLoggedOut: ledgers.filter((l) => !moved.includes(l) && loggedOut(l)).length,
    errors: ledgers.reduce((n, l) => n + countBetween(l, 'errors', fromSecond), 0),
  };
}

const round = (x: number): number => Math.round(x * 10) / 10;
