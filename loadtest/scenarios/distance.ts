import { totalCounts } from '../aggregate';
import { sleep, trackProgress, type RunContext } from '../context';
import { SteppingClient } from '../http';
import type { LatencyControl } from '../latency-control';
import type { UserLedger } from '../ledger';
import { AUTH_MODES, type AuthModeSpec } from '../modes';
import { createUsers, quantile, runPaced, type TimedRequest } from '../paced-load';
import { RedisCommandCounter } from '../redis-commands';
import { rotatedOrder } from './throughput';
import type { Counts, DistanceModeResult, DistancePoint, DistancePrice, DistanceResult } from '../results';
import type { VirtualUser } from '../virtual-user';
import { UserPool } from '../user-pool';
import { rampConcurrency } from '../login-ramp';

/**
 * The price of distance: the latency injector adds a round trip on one path at a time (replicas
 * → Redis, or proxy → replicas), and each mode is measured at every delay: ok req/s in a closed
 * loop at fixed concurrency, p50/p99 at a fixed rate well below saturation (so queueing does not
 * hide the round trip), and a login, a /me and a logout one at a time. The whole nominal round
 * trip goes on the request path: a user-space timer cannot wait half a millisecond honestly, and
 * what is plotted is the round trip measured through the injector anyway.
 */
export const DISTANCE_CONNECTIONS = 10;
export const DISTANCE_USERS_AT_FIXED_RATE = 10;
export const DISTANCE_USER_RATE = 10;
const PROBE_SAMPLES = 50;
/** At a delay above 0 the fixed-rate cell alternates it with 0 ms in phases this long; requests this close to a change are dropped. */
export const PHASE_MS = 400;
const PHASE_GUARD_MS = 30;
export const DELAY_LAYOUT = 'the whole nominal round trip on the request path (client→target), none on the answer path';

export type DistanceAxis = 'redis' | 'replicas';

export interface DistancePlan {
  rttsMs: readonly number[];
  axes: readonly DistanceAxis[];
  replicaSettings: { autoPipelining: string; sessionTouch: string };
}

/** The injector links an axis delays: `redis`, or one per serving replica. */
export function axisLinks(axis: DistanceAxis, available: readonly string[], replicas: readonly string[]): string[] {
  if (axis === 'redis') return available.includes('redis') ? ['redis'] : [];
  return replicas.filter((r) => available.includes(r));
}

export async function runDistance(context: RunContext, control: LatencyControl, plan: DistancePlan): Promise<DistanceResult> {
  const available = (await control.links()).map((l) => l.name);
  const axes = plan.axes.filter((axis) => {
    const ok = axisLinks(axis, available, context.replicas).length > 0;
    if (!ok) context.log(`distance: the injector has no link for the ${axis} path (links: ${available.join(', ') || 'none'}); that axis is skipped`);
    return ok;
  });
  if (axes.length === 0) throw new Error(`the latency injector at ${control.url} has no link on the paths asked for (${plan.axes.join(', ')})`);
  const frontend = context.target.frontends.find((f) => f.strategy === 'sticky-cookie') ?? context.target.frontends[0];
  const seconds = context.timing.distanceSeconds;
  const rounds = Math.max(1, context.timing.distanceRounds);
  const perRound = Math.max(1, Math.round(seconds / rounds));
  const cellsPerPoint = AUTH_MODES.length * 2;
  const ledgers: { current: UserLedger[] } = { current: [] };
  let stop = (): void => undefined;
  const redis = await RedisCommandCounter.forTarget(context.target);
  const points: DistancePoint[] = [];

  const setAll = async (axis: DistanceAxis | undefined, rttMs: number): Promise<void> => {
    for (const link of available) {
      const delayed = axis !== undefined && axisLinks(axis, available, context.replicas).includes(link);
      await control.setDelay(link, { upMs: delayed ? rttMs : 0, downMs: 0, jitterMs: 0 });
    }
  };

  /** Only the axis's links: what the alternation flips, a few times a second. */
  const setAxis = async (axis: DistanceAxis, rttMs: number): Promise<void> => {
    for (const link of axisLinks(axis, available, context.replicas)) await control.setDelay(link, { upMs: rttMs, downMs: 0, jitterMs: 0 });
  };

  // Each mode's users come from the run's pool: logged in once (ramped, before the sweep) and
  // kept logged in for the whole sweep; the closed-loop users take the first slots, the paced ones the next.
  const closedUsers = new Map<string, VirtualUser[]>();
  const pacedUsers = new Map<string, VirtualUser[]>();
  const poolKeys = new Map<string, string>();
  for (const mode of AUTH_MODES) {
    const key = UserPool.key(context.target.url, mode, frontend.strategy);
    const first = context.users.firstIndex(key);
    const set = { mode, strategy: frontend.strategy, usernames: context.usernames, password: context.password, adminToken: context.target.adminToken };
    poolKeys.set(mode.name, key);
    closedUsers.set(mode.name, createUsers({ ...set, count: DISTANCE_CONNECTIONS, firstUserIndex: first }));
    pacedUsers.set(mode.name, createUsers({ ...set, count: DISTANCE_USERS_AT_FIXED_RATE, firstUserIndex: first + DISTANCE_CONNECTIONS }));
  }
  // A walk logs in every time: at the production hash cost that is most of the sweep's time, so
  // the walks per cell follow the login time measured as the sweep goes (walksFor).
  const loginTimes: number[] = [];
  let walksDone = Number.POSITIVE_INFINITY;
  const ledgersOf = (users: readonly VirtualUser[]): UserLedger[] => users.map((u) => u.ledger);

  /** One mode at the current delay, for one round: its figures are added to the pool of (axis, delay, mode). */
  const measureMode = async (mode: AuthModeSpec, axis: DistanceAxis, rttMs: number, into: ModePool): Promise<void> => {
    const closed = closedUsers.get(mode.name)!;
    const paced = pacedUsers.get(mode.name)!;
    const before = await redis.count();
    const closedBefore = totalCounts(ledgersOf(closed));
    ledgers.current = ledgersOf(closed);
    const closedRun = await runPaced({ users: closed, url: frontend.url, durationSeconds: perRound, signal: context.signal });
    const after = await redis.count();
    const closedCounts = difference(totalCounts(ledgersOf(closed)), closedBefore);
    const answered = closedCounts.ok + closedCounts.logouts + closedCounts.errors + closedCounts.logins + closedCounts.other;
    // The delay alternates with 0 ms during the fixed-rate cell, so both are measured under the same background load.
    const phases: Phase[] = [];
    const pacedBefore = totalCounts(ledgersOf(paced));
    ledgers.current = ledgersOf(paced);
    const pacing = runPaced({ users: paced, url: frontend.url, ratePerUser: DISTANCE_USER_RATE, durationSeconds: perRound, signal: context.signal });
    let running = true;
    void pacing.finally(() => { running = false; }).catch(() => undefined);
    const alternation = (async () => {
      for (let k = 0; running && rttMs > 0; k++) {
        const value = k % 2 === 0 ? rttMs : 0;
        await setAxis(axis, value);
        const from = performance.now();
        await sleep(PHASE_MS);
        phases.push({ value, from, to: performance.now() });
      }
    })();
    const fixedRun = await pacing;
    await alternation;
    await setAxis(axis, rttMs);
    const fixedCounts = difference(totalCounts(ledgersOf(paced)), pacedBefore);
    const split = splitByPhase(fixedRun.requests, rttMs > 0 ? phases : [{ value: 0, from: -Infinity, to: Infinity }], PHASE_GUARD_MS);
    into.ok += closedCounts.ok;
    into.seconds += closedRun.seconds;
    into.latencies.push(...(split.get(rttMs) ?? []));
    if (rttMs > 0) into.zeroLatencies.push(...(split.get(0) ?? []));
    into.commands = into.commands !== undefined && before !== undefined && after !== undefined ? into.commands + after - before : undefined;
    into.answered += answered;
    into.errors += closedCounts.errors + fixedCounts.errors;
    into.logouts += closedCounts.logouts + fixedCounts.logouts;
    const walks = walksFor(Math.max(1, Math.round(context.timing.distanceWalks / rounds)), median(loginTimes));
    const timedBefore = into.login.length;
    await walk(context, mode, frontend.url, walks, into);
    loginTimes.push(...into.login.slice(timedBefore));
    walksDone = Math.min(walksDone, walks * rounds);
  };

  const pools = new Map<string, ModePool>();
  const probes = new Map<string, { through: number[]; direct: number[] }>();
  const key = (axis: DistanceAxis, rtt: number, mode?: string): string => `${axis}|${rtt}|${mode ?? ''}`;
  try {
    await setAll(undefined, 0);
    await logInOnce(context, frontend.url, AUTH_MODES.flatMap((mode) => [
      { key: poolKeys.get(mode.name)!, firstSlot: 0, users: closedUsers.get(mode.name)! },
      { key: poolKeys.get(mode.name)!, firstSlot: DISTANCE_CONNECTIONS, users: pacedUsers.get(mode.name)! },
    ]));
    await warmUp(context, frontend.url, [...closedUsers.values(), ...pacedUsers.values()]);
    // The cells' seconds (the walks between them come on top).
    stop = trackProgress(context, 'distance', axes.length * plan.rttsMs.length * cellsPerPoint * seconds, () => ledgers.current);
    for (const axis of axes) {
      // Rounds in rotated orders: on shared cores the background load drifts over minutes, and
      // interleaving spreads that drift over every delay instead of charging it to one.
      for (let round = 0; round < rounds; round++) {
        for (const i of rotatedOrder(plan.rttsMs.length, round, rounds)) {
          const rttMs = plan.rttsMs[i];
          if (context.signal.aborted) break;
          await setAll(axis, rttMs);
          const probe = await control.roundTrips(axisLinks(axis, available, context.replicas)[0], axis === 'redis' ? 'redis' : 'http', PROBE_SAMPLES)
            .catch((error: Error) => {
              context.log(`distance: timing round trips failed (${error.message})`);
              return undefined;
            });
          const sampled = probes.get(key(axis, rttMs)) ?? { through: [], direct: [] };
          if (probe) {
            sampled.through.push(probe.through.p50Ms);
            sampled.direct.push(probe.direct.p50Ms);
          }
          probes.set(key(axis, rttMs), sampled);
          for (const j of rotatedOrder(AUTH_MODES.length, round, rounds)) {
            if (context.signal.aborted) break;
            const mode = AUTH_MODES[j];
            const pool = pools.get(key(axis, rttMs, mode.name)) ?? emptyPool();
            pools.set(key(axis, rttMs, mode.name), pool);
            await measureMode(mode, axis, rttMs, pool);
          }
          context.log(`distance: ${axis} +${rttMs} ms, round ${round + 1}/${rounds} (measured ${probe ? (probe.through.p50Ms - probe.direct.p50Ms).toFixed(2) : 'n/a'} ms)`);
        }
      }
      for (const rttMs of plan.rttsMs) {
        const sampled = probes.get(key(axis, rttMs));
        const modes = AUTH_MODES.flatMap((mode) => {
          const pool = pools.get(key(axis, rttMs, mode.name));
          return pool ? [modeResult(mode.name, pool)] : [];
        });
        if (modes.length === 0) continue;
        const through = median(sampled?.through ?? []);
        const direct = median(sampled?.direct ?? []);
        points.push({
          axis, nominalRttMs: rttMs, throughRttMs: through, directRttMs: direct,
          measuredAddedRttMs: through !== null && direct !== null ? through - direct : null, modes,
        });
        context.log(`distance: ${axis} +${rttMs} ms: ${modes.map((m) => `${m.mode} p50 ${m.latencyP50Ms.toFixed(2)} ms, ${Math.round(m.okPerSec)} ok/s`).join('; ')}`);
      }
    }
  } finally {
    stop();
    redis.close();
    // Leave the injector as it was found by the cluster's users: no delay.
    await setAll(undefined, 0).catch(() => undefined);
  }
  return {
    strategy: frontend.strategy,
    connections: DISTANCE_CONNECTIONS,
    fixedRate: DISTANCE_USERS_AT_FIXED_RATE * DISTANCE_USER_RATE,
    secondsPerCell: perRound * rounds,
    rounds,
    walks: Number.isFinite(walksDone) ? walksDone : 0,
    walksPlanned: context.timing.distanceWalks,
    loginP50Ms: median(loginTimes),
    delayLayout: DELAY_LAYOUT,
    replicaSettings: plan.replicaSettings,
    points,
    prices: distancePrices(points),
  };
}

/**
 * Every user's login, once, before anything is measured and with no delay: through the run's
 * pool, which ramps logins a few at a time and waits out admission control's refusals (a target
 * at the production hash cost takes seconds per burst of logins).
 */
async function logInOnce(context: RunContext, url: string, sets: readonly { key: string; firstSlot: number; users: readonly VirtualUser[] }[]): Promise<void> {
  context.log('distance: logging every user in once, for the whole sweep');
  const started = Date.now();
  let refused = 0;
  for (const set of sets) {
    if (context.signal.aborted) return;
    const prepared = await context.users.prepare(set.users, { key: set.key, firstSlot: set.firstSlot, url, concurrency: rampConcurrency(context), signal: context.signal });
    refused += prepared.refused;
  }
  const users = sets.flatMap((s) => s.users);
  const out = users.filter((u) => !u.isLoggedIn).length;
  context.log(`distance: ${users.length - out} of ${users.length} users logged in (${((Date.now() - started) / 1000).toFixed(1)} s, ${refused} logins refused then retried)${out > 0 ? `; the ${out} others log in during the first cells` : ''}`);
}

/** JIT and connection pools before the first measured cell: each set of (logged-in) users for a second. */
async function warmUp(context: RunContext, url: string, users: readonly (readonly VirtualUser[])[]): Promise<void> {
  for (const set of users) {
    if (context.signal.aborted) return;
    await runPaced({ users: set, url, durationSeconds: 1, signal: context.signal });
  }
}

/** Walks are kept to this many ms of logins per (path, delay, mode) and round, but never fewer than MIN_WALKS. */
export const WALK_BUDGET_MS = 2000;
export const MIN_WALKS = 3;

/**
 * Walks per cell (pure): as planned while logins are cheap; when a login costs more (the
 * production hash cost), as many as fit WALK_BUDGET_MS, at least MIN_WALKS (or the plan, if smaller).
 */
export function walksFor(planned: number, loginMs: number | null): number {
  if (loginMs === null || !(loginMs > 0)) return planned;
  return Math.max(Math.min(planned, MIN_WALKS), Math.min(planned, Math.floor(WALK_BUDGET_MS / loginMs)));
}

/** Outcomes counted since `before` (users live across cells, so a cell's counts are a difference). */
function difference(after: Counts, before: Counts): Counts {
  return {
    ok: after.ok - before.ok, logouts: after.logouts - before.logouts, errors: after.errors - before.errors,
    logins: after.logins - before.logins, other: after.other - before.other, refused: after.refused - before.refused,
  };
}

/** `walks` times: log in, GET /me, log out, each timed on its own (one user, one request at a time). */
async function walk(context: RunContext, mode: AuthModeSpec, url: string, walks: number, into: ModePool): Promise<void> {
  const { login, me, logout } = into;
  // A step that fails (timeout, refused) is left out of the medians, not the end of the scenario.
  const timed = async <T extends { status: number }>(into: number[], ok: (value: T) => boolean, call: () => Promise<T>): Promise<T | { status: 0 }> => {
    const started = performance.now();
    const value = await call().catch(() => ({ status: 0 as const }));
    if (value.status !== 0 && ok(value as T)) into.push(performance.now() - started);
    return value;
  };
  for (let i = 0; i < walks && !context.signal.aborted; i++) {
    const client = new SteppingClient(url);
    const answer = await timed(login, (r) => r.status === 200, () =>
      client.request('POST', `${mode.prefix}/login`, { username: context.usernames[i % context.usernames.length], password: context.password }));
    if (answer.status !== 200) continue;
    if (typeof answer.body?.accessToken === 'string') client.token = answer.body.accessToken;
    if (typeof answer.body?.csrfToken === 'string') client.csrfToken = answer.body.csrfToken;
    await timed(me, (r) => r.status === 200, () => client.request('GET', `${mode.prefix}/me`));
    await timed(logout, (r) => r.status >= 200 && r.status < 300, () => client.request('POST', `${mode.prefix}/logout`));
  }
}

/** A stretch of a fixed-rate cell during which the delay was `value` (performance.now() clock). */
export interface Phase {
  value: number;
  from: number;
  to: number;
}

/**
 * Latencies (ms) by the delay in force while each request ran: a request counts only when it
 * started at least `guardMs` into a phase and ended before the phase did (so it never straddles a
 * change of delay); the others are dropped.
 */
export function splitByPhase(requests: readonly TimedRequest[], phases: readonly Phase[], guardMs: number): Map<number, number[]> {
  const split = new Map<number, number[]>();
  for (const r of requests) {
    const phase = phases.find((p) => r.startedAt >= p.from + guardMs && r.endedAt <= p.to);
    if (!phase) continue;
    const list = split.get(phase.value) ?? [];
    list.push(r.endedAt - r.startedAt);
    split.set(phase.value, list);
  }
  return split;
}

/** What the rounds of one (path, delay, mode) add up to. */
interface ModePool {
  ok: number;
  seconds: number;
  latencies: number[];
  /** At a delay above 0: the requests of the 0 ms phases alternating with it in the same cells. */
  zeroLatencies: number[];
  commands: number | undefined;
  answered: number;
  errors: number;
  logouts: number;
  login: number[];
  me: number[];
  logout: number[];
}

function emptyPool(): ModePool {
  return { ok: 0, seconds: 0, latencies: [], zeroLatencies: [], commands: 0, answered: 0, errors: 0, logouts: 0, login: [], me: [], logout: [] };
}

function modeResult(mode: string, pool: ModePool): DistanceModeResult {
  return {
    mode,
    okPerSec: pool.ok / Math.max(1, pool.seconds),
    latencyP50Ms: quantile(pool.latencies, 0.5) ?? Number.NaN,
    latencyP99Ms: quantile(pool.latencies, 0.99) ?? Number.NaN,
    addedP50Ms: pool.zeroLatencies.length > 0 && pool.latencies.length > 0
      ? (quantile(pool.latencies, 0.5) as number) - (quantile(pool.zeroLatencies, 0.5) as number) : null,
    redisCommandsPerRequest: pool.commands !== undefined && pool.answered > 0 ? pool.commands / pool.answered : null,
    errors: pool.errors,
    logouts: pool.logouts,
    steps: { loginP50Ms: median(pool.login), meP50Ms: median(pool.me), logoutP50Ms: median(pool.logout) },
  };
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Least-squares slope of y on x; null with fewer than two distinct x. */
export function slope(xs: readonly number[], ys: readonly number[]): number | null {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return null;
  const mx = xs.slice(0, n).reduce((a, b) => a + b, 0) / n;
  const my = ys.slice(0, n).reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i] - mx) ** 2;
    sxy += (xs[i] - mx) * (ys[i] - my);
  }
  return sxx > 0 ? sxy / sxx : null;
}

/** Per axis and mode: p50 ms per ms of measured added round trip, throughput kept at the largest delay, and the 1 ms figure. */
export function distancePrices(points: readonly DistancePoint[]): DistancePrice[] {
  const prices: DistancePrice[] = [];
  for (const axis of ['redis', 'replicas'] as const) {
    const onAxis = points.filter((p) => p.axis === axis).sort((a, b) => a.nominalRttMs - b.nominalRttMs);
    if (onAxis.length === 0) continue;
    const modes = [...new Set(onAxis.flatMap((p) => p.modes.map((m) => m.mode)))];
    for (const mode of modes) {
      const rows = onAxis
        .map((p) => ({ p, m: p.modes.find((x) => x.mode === mode) }))
        .filter((r): r is { p: DistancePoint; m: DistanceModeResult } => r.m !== undefined);
      // y: the p50 added against the 0 ms phases alternating with it (0 at the 0 ms point itself).
      const measured = rows.filter((r) => r.p.measuredAddedRttMs !== null && (r.m.addedP50Ms !== null || r.p.nominalRttMs === 0));
      const first = rows[0];
      const last = rows[rows.length - 1];
      const nearOne = rows.filter((r) => r.p.nominalRttMs > 0).sort((a, b) => Math.abs(a.p.nominalRttMs - 1) - Math.abs(b.p.nominalRttMs - 1))[0];
      prices.push({
        axis,
        mode,
        p50MsPerMs: slope(measured.map((r) => r.p.measuredAddedRttMs as number), measured.map((r) => r.m.addedP50Ms ?? 0)),
        okPerSecRatioAtMax: rows.length > 1 && first.m.okPerSec > 0 ? last.m.okPerSec / first.m.okPerSec : null,
        addedP50AtOneMs: nearOne && nearOne.p.nominalRttMs === 1 ? nearOne.m.addedP50Ms : null,
      });
    }
  }
  return prices;
}
