import { priceSentence } from './report/distance';
import { modeByName } from './modes';
import type {
  BenchResults, FailoverVariantResult, FaultCellResult, FaultScenarioResult, ThroughputCellResult, Verdict, VerdictValue,
} from './results';

/**
 * The eight claims of docs/design.md, judged from measured figures only. Each rule is written out in
 * the report next to the verdict; a claim whose scenario did not run is "not measured".
 */
export const CLAIMS: readonly string[] = Object.freeze([
  'Stateless auth lets any replica serve any request (JWT + round-robin: no logouts).',
  'In-memory sessions behind round-robin break (about (N-1)/N of requests miss the session).',
  'Sticky routing fixes that, until the pinned replica dies: its users are logged out.',
  'Sticky routing can load replicas unevenly (hotspots).',
  'A shared store (Redis) survives replica death with no logouts.',
  'The shared store costs a network round trip per request and becomes a single point of failure: Redis down means its users cannot be served.',
  'Stateless servers keep no per-user memory and handle more requests per second.',
  'The price of stateless: a JWT cannot be revoked before expiry without adding state back.',
]);

/** Thresholds the verdicts apply (documented in README, "Benchmarks"). */
export const THRESHOLDS = Object.freeze({
  /** Claim 2: measured logout rate within this of (N-1)/N is "about (N-1)/N". */
  missRateTolerance: 0.15,
  /** Claim 2: below this, in-memory sessions did not visibly break. */
  missRateBroken: 0.1,
  /** Claims 1, 3: a logout rate at most this counts as "no logouts" under steady load. */
  negligibleLogoutRate: 0.001,
  /** Claim 3: share of the killed replica's users that must be logged out, and at most of the others. */
  pinnedLoggedOut: 0.9,
  othersLoggedOut: 0.1,
  /** Claim 4: max/mean per-replica share at or above this is a hotspot. */
  hotspotImbalance: 1.15,
  /** Claim 5: errors (in-flight requests lost) above this share of requests earn a caveat. */
  tolerableErrorShare: 0.01,
  /** Claim 6: redis/memory ok-throughput below this shows the round trip's cost (when Redis commands cannot be counted). */
  roundTripCostRatio: 0.97,
  /** Claim 6: Redis commands per request of the redis cell at or above this = a round trip per request. */
  roundTripCommands: 0.9,
  /** Claim 6: ok share while Redis is down at most this = unserved; a change at most `unaffectedDelta` = unaffected. */
  unservedOkShare: 0.1,
  unaffectedDelta: 0.1,
  /** Claim 6: a control cell must be served before the fault (memory behind round-robin misses its sessions by design). */
  controlServedShare: 0.9,
  /** Claim 7: JWT must beat the session modes' ok-throughput by this factor; its heap per user be ≤ this share of memory mode's. */
  fasterFactor: 1.03,
  statelessHeapShare: 0.25,
  /** Claim 8: /jwt-revocable's state shows as at least this many Redis commands per request, or throughput below roundTripCostRatio × /jwt's. */
  revocableCommandsPerRequest: 0.9,
  /** Any claim: a throughput cell it reads needs this many authenticated requests (ok + logouts)… */
  minAuthenticatedRequests: 500,
  /** …and at most this share of unexpected errors (5xx, timeouts); a fault cell, at most this before its fault. */
  maxUnexpectedErrorShare: 0.2,
});

const pct = (x: number | null | undefined): string => (x === null || x === undefined ? 'n/a' : `${(x * 100).toFixed(1)}%`);
const num = (x: number | null | undefined, digits = 0): string => (x === null || x === undefined ? 'n/a' : x.toFixed(digits));

function cell(results: BenchResults, mode: string, strategy: string): ThroughputCellResult | undefined {
  return results.scenarios.throughput?.cells.find((c) => c.mode === mode && c.strategy === strategy);
}

function faultCells(scenario: FaultScenarioResult | undefined, mode: string): FaultCellResult[] {
  return scenario?.cells.filter((c) => c.mode === mode) ?? [];
}

function verdict(claim: number, value: VerdictValue, evidence: string[], rule: string): Verdict {
  return { claim, text: CLAIMS[claim - 1], verdict: value, evidence, rule };
}

function notMeasured(claim: number, rule: string, what: string): Verdict {
  return verdict(claim, 'not measured', [`The ${what} scenario did not run.`], rule);
}

export function judgeClaim1(r: BenchResults): Verdict {
  const rule = `holds when JWT behind round-robin sees no logouts (rate ≤ ${pct(THRESHOLDS.negligibleLogoutRate)}) and every replica served a share; otherwise does not hold`;
  const c = cell(r, 'jwt', 'round-robin');
  const kill = faultCells(r.scenarios.killReplica, 'jwt');
  if (!c && kill.length === 0) return notMeasured(1, rule, 'throughput or kill-replica');
  const evidence: string[] = [];
  let ok = true;
  if (c) {
    const served = r.settings.replicas.filter((id) => (c.shares[id] ?? 0) > 0).length;
    evidence.push(`throughput, jwt + round-robin: ${c.counts.logouts} logouts in ${c.counts.ok + c.counts.logouts} authenticated requests (${pct(c.logoutRate)}), served by ${served} of ${r.settings.replicas.length} replicas.`);
    ok = c.logoutRate <= THRESHOLDS.negligibleLogoutRate && served === r.settings.replicas.length;
  }
  if (kill.length > 0) {
    const logouts = kill.reduce((n, k) => n + k.counts.logouts, 0);
    evidence.push(`kill-replica, jwt under every strategy: ${logouts} logouts while ${r.scenarios.killReplica?.target} was killed.`);
    ok = ok && logouts === 0;
  }
  return verdict(1, ok ? 'holds' : 'does not hold', evidence, rule);
}

export function judgeClaim2(r: BenchResults): Verdict {
  const n = r.settings.replicas.length;
  const expected = n > 0 ? (n - 1) / n : 0;
  const rule = `holds when memory + round-robin logs out within ±${pct(THRESHOLDS.missRateTolerance)} of (N-1)/N = ${pct(expected)} of authenticated requests; with caveat when above ${pct(THRESHOLDS.missRateBroken)} but off that figure; otherwise does not hold`;
  const c = cell(r, 'memory', 'round-robin');
  if (!c) return notMeasured(2, rule, 'throughput');
  const evidence = [
    `throughput, memory + round-robin: ${c.counts.logouts} of ${c.counts.ok + c.counts.logouts} authenticated requests found no session (${pct(c.logoutRate)}; expected ${pct(expected)} with N = ${n}); ${c.counts.logins} logins were needed for ${c.counts.ok} answered requests.`,
  ];
  const value: VerdictValue = Math.abs(c.logoutRate - expected) <= THRESHOLDS.missRateTolerance
    ? 'holds'
    : c.logoutRate > THRESHOLDS.missRateBroken ? 'holds with caveat' : 'does not hold';
  return verdict(2, value, evidence, rule);
}

export function judgeClaim3(r: BenchResults): Verdict {
  const rule = `holds when memory + sticky-cookie sees no logouts under steady load (≤ ${pct(THRESHOLDS.negligibleLogoutRate)}) and, when a replica is killed, ≥ ${pct(THRESHOLDS.pinnedLoggedOut)} of its pinned users are logged out and ≤ ${pct(THRESHOLDS.othersLoggedOut)} of the others; with caveat when only one half was measured`;
  const steady = cell(r, 'memory', 'sticky-cookie');
  const killed = r.scenarios.killReplica?.cells.find((c) => c.mode === 'memory' && c.strategy === 'sticky-cookie');
  if (!steady && !killed) return notMeasured(3, rule, 'throughput or kill-replica');
  const evidence: string[] = [];
  let steadyOk: boolean | undefined;
  let killOk: boolean | undefined;
  if (steady) {
    steadyOk = steady.logoutRate <= THRESHOLDS.negligibleLogoutRate;
    evidence.push(`throughput, memory + sticky-cookie: ${steady.counts.logouts} logouts (${pct(steady.logoutRate)}) against ${pct(cell(r, 'memory', 'round-robin')?.logoutRate)} behind round-robin.`);
  }
  if (killed?.pinnedToTarget && killed.others) {
    const pinned = killed.pinnedToTarget;
    const others = killed.others;
    const pinnedShare = pinned.users > 0 ? pinned.loggedOut / pinned.users : null;
    const othersShare = others.users > 0 ? others.loggedOut / others.users : 0;
    killOk = pinnedShare !== null && pinnedShare >= THRESHOLDS.pinnedLoggedOut && othersShare <= THRESHOLDS.othersLoggedOut;
    evidence.push(`kill-replica (${r.scenarios.killReplica?.target}), memory + sticky-cookie: ${pinned.loggedOut} of ${pinned.users} users pinned to it were logged out; ${others.loggedOut} of ${others.users} other users.`);
  }
  if (steadyOk === false || killOk === false) return verdict(3, 'does not hold', evidence, rule);
  if (steadyOk && killOk) return verdict(3, 'holds', evidence, rule);
  evidence.push(steadyOk ? 'The failure half (kill-replica) was not measured.' : 'The steady half (throughput) was not measured.');
  return verdict(3, 'holds with caveat', evidence, rule);
}

export function judgeClaim4(r: BenchResults): Verdict {
  const rule = `holds when a sticky (sticky-cookie or hash-ip) cell's max/mean per-replica share of requests or of users reaches ${THRESHOLDS.hotspotImbalance}; with caveat when sticky is more uneven than round-robin, or the new replica of scale-out got less than half round-robin's share of sticky users' requests; otherwise does not hold`;
  const cells = r.scenarios.throughput?.cells.filter((c) => c.mode !== 'none' && c.imbalance !== null) ?? [];
  if (cells.length === 0) return notMeasured(4, rule, 'throughput');
  // Round-robin users visit every replica, so only their request shares mean anything.
  const unevenness = (c: ThroughputCellResult): number =>
    c.strategy === 'round-robin' ? c.imbalance ?? 0 : Math.max(c.imbalance ?? 0, c.userImbalance ?? 0);
  const worst = (strategy: string): ThroughputCellResult | undefined =>
    cells.filter((c) => c.strategy === strategy).sort((a, b) => unevenness(b) - unevenness(a))[0];
  const rr = worst('round-robin');
  const sticky = [worst('sticky-cookie'), worst('hash-ip')].filter((c): c is ThroughputCellResult => !!c)
    .sort((a, b) => unevenness(b) - unevenness(a))[0];
  const describe = (c: ThroughputCellResult | undefined): string => c
    ? `${c.strategy} ${num(c.imbalance, 2)} of requests${c.strategy === 'round-robin' ? '' : `, ${num(c.userImbalance, 2)} of users (${Object.entries(c.usersPerReplica).sort().map(([id, n]) => `${id} ${n}`).join(', ')})`} (${c.mode})`
    : 'n/a';
  const evidence = [
    `throughput, most uneven cell per strategy (max/mean): ${[rr, worst('sticky-cookie'), worst('hash-ip')].map(describe).join('; ')}, with ${r.settings.connections} users per cell.`,
  ];
  const scale = r.scenarios.scaleOut;
  let scaleSkew = false;
  if (scale) {
    const share = (strategy: string): number | undefined => {
      const list = scale.cells.filter((c) => c.strategy === strategy);
      return list.length ? list.reduce((n, c) => n + c.app4Share, 0) / list.length : undefined;
    };
    const rrShare = share('round-robin');
    const stickyShare = share('sticky-cookie');
    evidence.push(`scale-out: ${scale.newReplicas?.join(', ') || 'app4'} took ${pct(stickyShare)} of sticky-cookie users' requests after joining, against ${pct(rrShare)} behind round-robin (a fair share is ${pct(1 / scale.replicasAfter)}).`);
    scaleSkew = rrShare !== undefined && stickyShare !== undefined && stickyShare < rrShare / 2;
  }
  if (!sticky) return verdict(4, 'not measured', evidence, rule);
  if (unevenness(sticky) >= THRESHOLDS.hotspotImbalance) return verdict(4, 'holds', evidence, rule);
  if (unevenness(sticky) > (rr ? unevenness(rr) : 1) || scaleSkew) return verdict(4, 'holds with caveat', evidence, rule);
  return verdict(4, 'does not hold', evidence, rule);
}

export function judgeClaim5(r: BenchResults): Verdict {
  const rule = `holds when redis users see no logouts while a replica is killed and errors stay ≤ ${pct(THRESHOLDS.tolerableErrorShare)} of requests; with caveat when there are no logouts but more errors (requests in flight on the dead replica); does not hold on any logout`;
  const kill = faultCells(r.scenarios.killReplica, 'redis');
  if (kill.length === 0) return notMeasured(5, rule, 'kill-replica');
  const logouts = kill.reduce((n, c) => n + c.counts.logouts, 0);
  const errors = kill.reduce((n, c) => n + c.counts.errors, 0);
  const total = kill.reduce((n, c) => n + c.counts.ok + c.counts.logouts + c.counts.errors + c.counts.logins + c.counts.other, 0);
  const memory = faultCells(r.scenarios.killReplica, 'memory').find((c) => c.strategy === 'sticky-cookie');
  const evidence = [
    `kill-replica (${r.scenarios.killReplica?.target}), redis under every strategy: ${logouts} logouts, ${errors} errors in ${total} requests (${pct(total ? errors / total : 0)}).`,
  ];
  if (memory) evidence.push(`For comparison, memory + sticky-cookie in the same run: ${memory.usersLoggedOut} of ${memory.users} users logged out.`);
  const errorShare = total ? errors / total : 0;
  const value: VerdictValue = logouts > 0 ? 'does not hold' : errorShare > THRESHOLDS.tolerableErrorShare ? 'holds with caveat' : 'holds';
  return verdict(5, value, evidence, rule);
}

export function judgeClaim6(r: BenchResults): Verdict {
  const rule = `holds when redis mode runs ≥ ${THRESHOLDS.roundTripCommands} Redis commands per request behind sticky-cookie (counted with INFO commandstats; when Redis cannot be reached, when its ok-throughput is below ${THRESHOLDS.roundTripCostRatio}× memory's) and, with Redis down, redis users' ok share is ≤ ${pct(THRESHOLDS.unservedOkShare)} while memory and jwt users' ok share moves by ≤ ${pct(THRESHOLDS.unaffectedDelta)} (in the cells served before the fault, ok share ≥ ${pct(THRESHOLDS.controlServedShare)}); with caveat when only one half shows; does not hold when redis users were served with Redis down`;
  const memory = cell(r, 'memory', 'sticky-cookie');
  const redis = cell(r, 'redis', 'sticky-cookie');
  const outage = r.scenarios.killRedis?.[0];
  // The distance sweep is evidence only: it never changes the verdict, it says what a round trip costs.
  const distance = distanceEvidence(r);
  if ((!memory || !redis) && !outage) return verdict(6, 'not measured', [...notMeasured(6, rule, 'throughput or kill-redis').evidence, ...failoverEvidence(r), ...distance], rule);
  const evidence: string[] = [...distance];
  let cost: boolean | undefined;
  let spof: boolean | undefined;
  if (memory && redis && memory.okPerSec > 0) {
    const ratio = redis.okPerSec / memory.okPerSec;
    const commands = redis.redisCommandsPerRequest ?? null;
    // The round trip itself is counted; throughput shows what it costs on this machine, which
    // on shared cores can be lost in the noise of one short cell.
    cost = commands !== null ? commands >= THRESHOLDS.roundTripCommands : ratio < THRESHOLDS.roundTripCostRatio;
    if (commands !== null) evidence.push(`throughput behind sticky-cookie: redis mode ran ${num(commands, 2)} Redis commands per request, memory ${num(memory.redisCommandsPerRequest, 2)}.`);
    evidence.push(`Its price here: redis ${num(redis.okPerSec)} ok req/s, memory ${num(memory.okPerSec)} (ratio ${num(ratio, 2)}); p50 ${num(redis.latencyP50Ms, 1)} ms vs ${num(memory.latencyP50Ms, 1)} ms.`);
  }
  if (outage) {
    const redisCells = outage.cells.filter((c) => c.mode === 'redis');
    // Modes that need Redis by design (jwt-revocable too) are no control for "unaffected", nor a cell
    // not served before the fault (memory behind round-robin: its ok share is its session misses, noise of a few users).
    const nonRedis = outage.cells.filter((c) => c.mode !== 'redis' && !modeByName(c.mode)?.needsRedis);
    const otherCells = nonRedis.filter((c) => (c.okShareBeforeFault ?? 0) >= THRESHOLDS.controlServedShare);
    const unserved = nonRedis.filter((c) => !otherCells.includes(c));
    const redisShare = maxOf(redisCells.map((c) => c.okShareDuringFault ?? 0));
    const drift = maxOf(otherCells.map((c) => Math.abs((c.okShareDuringFault ?? 0) - (c.okShareBeforeFault ?? 0))));
    // With no served control cell, "the others unaffected" is not shown.
    spof = redisShare <= THRESHOLDS.unservedOkShare && otherCells.length > 0 && drift <= THRESHOLDS.unaffectedDelta;
    evidence.push(`kill-redis (persistence ${outage.redisPersistence ? 'on' : 'off'}): with Redis down, redis users' ok share was at most ${pct(redisShare)}; memory and jwt users' ok share moved by at most ${pct(drift)} from before the fault${unserved.length ? ` (not counted, not served before it: ${unserved.map((c) => `${c.mode} + ${c.strategy} ${pct(c.okShareBeforeFault ?? 0)}`).join(', ')})` : ''}.`);
    const after = redisCells.reduce((n, c) => n + c.logoutsAfterRecovery, 0);
    evidence.push(`After Redis came back: ${after} redis-user logouts.`);
    if (redisShare > THRESHOLDS.unservedOkShare) return verdict(6, 'does not hold', [...evidence, ...failoverEvidence(r)], rule);
  }
  // failover-redis adds evidence on what HA changes; the rule (and so the verdict) stays as above.
  evidence.push(...failoverEvidence(r));
  if (cost && spof) return verdict(6, 'holds', evidence, rule);
  if (cost || spof) return verdict(6, 'holds with caveat', evidence, rule);
  return verdict(6, 'does not hold', evidence, rule);
}

/** The price per millisecond of replicas→Redis distance, per mode, when the distance sweep ran. */
function distanceEvidence(r: BenchResults): string[] {
  const prices = r.scenarios.distance?.prices.filter((p) => p.axis === 'redis') ?? [];
  if (prices.length === 0) return [];
  return [`distance sweep, replicas→Redis: ${prices.map(priceSentence).join('; ')}.`];
}

/** What the failover-redis scenario says about the single point of failure, when it ran. */
export function failoverEvidence(r: BenchResults): string[] {
  const f = r.scenarios.failoverRedis;
  if (!f || f.variants.length === 0) return [];
  const seconds = (ms: number | null): string => (ms === null ? 'not within the window' : `${(ms / 1000).toFixed(1)} s`);
  const lines = f.variants.map((v) => {
    const redis = v.modes.find((m) => m.mode === 'redis');
    const how = v.redis === 'ha' ? `replica promoted after ${seconds(v.promotedAfterMs)}` : `restarted after ${seconds(v.restartedAfterMs)}`;
    const lost = v.cohort.users > 0
      ? `${v.cohort.lost} of ${v.cohort.users} sessions from the last ${f.cohortSeconds} s lost`
      : `sessions lost not measured (no login was answered in the last ${f.cohortSeconds} s before the kill)`;
    return `${v.variant}: ${how}, replicas followed after ${seconds(v.clientsFollowAfterMs)}; redis users ${redis?.secondsWithoutService ?? 'n/a'} s without service, ${redis?.errors ?? 'n/a'} errors, ${redis?.logouts ?? 'n/a'} logouts; ${lost}`;
  });
  const where = f.target === 'docker compose' ? ' on the docker compose stack' : '';
  return [`failover-redis${where} (what HA changes; the rule above is unchanged): ${lines.join('; ')}. ${haChange(f)}`];
}

/** One sentence: what the Sentinels changed in this run, from the variants that ran and their figures (pure). */
function haChange(f: NonNullable<BenchResults['scenarios']['failoverRedis']>): string {
  const ha = f.variants.find((v) => v.redis === 'ha' && !v.replicaCutOff && v.waitReplicas === 0) ?? f.variants.find((v) => v.redis === 'ha' && v.waitReplicas === 0);
  const single = f.variants.find((v) => v.redis === 'single' && v.appendonly) ?? f.variants.find((v) => v.redis === 'single');
  const noAof = f.variants.find((v) => v.redis === 'single' && !v.appendonly);
  const cutOff = f.variants.find((v) => v.replicaCutOff);
  const downOf = (v: FailoverVariantResult | undefined): number | undefined => v?.modes.find((m) => m.mode === 'redis')?.secondsWithoutService;
  const down = (v: FailoverVariantResult | undefined): string => `${downOf(v) ?? 'n/a'} s`;
  const seconds = (ms: number | null): string => (ms === null ? 'not within the window' : `${(ms / 1000).toFixed(1)} s`);
  const parts: string[] = [];
  if (ha) {
    const followed = ha.promotedAfterMs !== null && ha.clientsFollowAfterMs !== null;
    parts.push(followed
      ? `With Sentinels, /redis came back without the killed node being restarted (${down(ha)} without service: the replica promoted after ${seconds(ha.promotedAfterMs)}, the app replicas following after ${seconds(ha.clientsFollowAfterMs)}), so losing a Redis node no longer leaves its users unserved until that node is back`
      : `With Sentinels, /redis did not come back without the killed node within the fault window (replica promoted after ${seconds(ha.promotedAfterMs)}, app replicas following after ${seconds(ha.clientsFollowAfterMs)}): this run does not show the failover taking over`);
    if (cutOff && cutOff.cohort.users > 0) parts.push(`asynchronous replication lost what the replica had not received (${cutOff.cohort.lost} of ${cutOff.cohort.users} sessions with the replica cut off)`);
    const haDown = downOf(ha);
    const singleDown = downOf(single);
    if (single && followed && haDown !== undefined && singleDown !== undefined) {
      parts.push(singleDown <= haDown
        ? `one Redis restarted at once had ${singleDown} s without service against ${haDown} s: HA was not a shorter outage than an immediate restart here, it is service without the dead node`
        : `one Redis restarted at once had ${singleDown} s without service against ${haDown} s: the failover was also the shorter outage here`);
    }
  } else if (single) {
    parts.push(`Without Sentinels (one Redis) /redis came back only because Redis was restarted at once (${down(single)} without service); docker-compose.ha.yml adds the replica and Sentinels that would take over without it`);
  }
  if (noAof && noAof.cohort.users > 0) parts.push(`one Redis without its append-only file lost ${noAof.cohort.lost} of ${noAof.cohort.users} sessions to the restart`);
  return parts.length > 0 ? `${parts.join('; ')}.` : '';
}

/**
 * The frontends that keep each user on one replica: every mode serves all its requests there, so
 * claim 7 compares the modes' ok throughput behind each of them (round-robin's memory sessions miss
 * (N−1)/N by design).
 */
const AFFINITY_STRATEGIES = ['sticky-cookie', 'hash-ip'] as const;

export function judgeClaim7(r: BenchResults): Verdict {
  const rule = `holds when JWT's heap growth per user (GC forced before each reading) is ≤ ${pct(THRESHOLDS.statelessHeapShare)} of memory mode's and its ok-throughput beats both session modes by ${THRESHOLDS.fasterFactor}× behind every affinity frontend measured (sticky-cookie, hash-ip: the same comparison twice in one run, so a lead only one shows is noise); with caveat when one half holds; does not hold when neither does`;
  const mem = r.scenarios.memory;
  const comparisons = AFFINITY_STRATEGIES.flatMap((strategy) => {
    const [jwt, memory, redis] = (['jwt', 'memory', 'redis'] as const).map((mode) => cell(r, mode, strategy));
    return jwt && memory && redis ? [{ strategy, jwt, memory, redis }] : [];
  });
  const curve = scalingEvidence(r);
  if (!mem && comparisons.length === 0) {
    const unmeasured = notMeasured(7, rule, 'memory or throughput');
    return { ...unmeasured, evidence: [...unmeasured.evidence, ...curve] };
  }
  const evidence: string[] = [];
  const halves: boolean[] = [];
  if (mem) {
    const m = mem.modes.find((x) => x.mode === 'memory');
    const j = mem.modes.find((x) => x.mode === 'jwt');
    const rd = mem.modes.find((x) => x.mode === 'redis');
    if (m && j && mem.gc !== 'forced') {
      evidence.push(`memory: the replica's heap could not be collected before reading it (GC not forced), so its figures (memory ${num(m.bytesPerUser)} B, jwt ${num(j.bytesPerUser)} B per user) are mostly garbage; the heap half is not judged.`);
    } else if (m && j && m.noiseBytesPerUser != null && m.noiseBytesPerUser * 2 > Math.abs(m.bytesPerUser)) {
      evidence.push(`memory (${m.users} logins per mode on ${mem.replica}): heap growth per user memory ${num(m.bytesPerUser)} B, jwt ${num(j.bytesPerUser)} B, but one heap reading's noise is ±${num(m.noiseBytesPerUser)} B per user, at least half the signal: the heap half is not judged (more logins per batch would be needed at this login cost).`);
    } else if (m && j) {
      halves.push(m.bytesPerUser > 0 && j.bytesPerUser <= THRESHOLDS.statelessHeapShare * m.bytesPerUser);
      evidence.push(`memory (${m.users} logins per mode on ${mem.replica}, GC ${mem.gc}): heap growth per user memory ${num(m.bytesPerUser)} B, redis ${num(rd?.bytesPerUser)} B on the replica (+${num(rd?.redisBytesPerUser)} B in Redis), jwt ${num(j.bytesPerUser)} B${j.redisBytesPerUser !== null && j.redisBytesPerUser !== undefined ? ` (+${num(j.redisBytesPerUser)} B in Redis at login: its refresh token, which /jwt/me never reads)` : ''}.`);
    }
  }
  if (comparisons.length > 0) {
    const lead = comparisons.map((c) => {
      const jwtRatio = c.jwt.okPerSec / Math.max(1e-9, c.memory.okPerSec, c.redis.okPerSec);
      return { ...c, jwtRatio, isAhead: jwtRatio >= THRESHOLDS.fasterFactor };
    });
    const ahead = lead.filter((c) => c.isAhead);
    halves.push(ahead.length === lead.length);
    for (const { strategy, jwt, memory, redis, jwtRatio, isAhead } of lead) {
      evidence.push(`throughput behind ${strategy} (ok req/s): jwt ${num(jwt.okPerSec)}, memory ${num(memory.okPerSec)}, redis ${num(redis.okPerSec)}, jwt ${num(jwtRatio, 3)}× the faster session mode (${isAhead ? 'at or above' : 'below'} the ${THRESHOLDS.fasterFactor}× bar); /health baseline ratio jwt ${num(jwt.ratioToBaseline, 2)}, memory ${num(memory.ratioToBaseline, 2)}, redis ${num(redis.ratioToBaseline, 2)}.`);
    }
    if (ahead.length > 0 && ahead.length < lead.length) {
      evidence.push(`JWT was ahead by ${THRESHOLDS.fasterFactor}× behind ${ahead.map((c) => c.strategy).join(', ')} only: the replicas do the same work behind every affinity frontend, so a lead that one comparison shows and the other does not is within the run's noise; the throughput half does not hold.`);
    } else if (lead.length === 1) {
      evidence.push(`Only behind ${lead[0].strategy}: the comparison was not repeated behind a second affinity frontend.`);
    }
  }
  if (halves.length === 0) return verdict(7, 'not measured', [...evidence, ...curve], rule);
  const held = halves.filter(Boolean).length;
  if (held === halves.length && halves.length === 2) return verdict(7, 'holds', [...evidence, ...curve], rule);
  if (held > 0) {
    if (halves.length === 1) evidence.push('Only one half of the claim was measured.');
    return verdict(7, 'holds with caveat', [...evidence, ...curve], rule);
  }
  return verdict(7, 'does not hold', [...evidence, ...curve], rule);
}

/** The scaling curve's slope per mode, when it was measured: evidence beside claim 7, never part of its rule. */
export function scalingEvidence(r: BenchResults): string[] {
  const s = r.scenarios.scaling;
  if (!s || s.models.length === 0) return [];
  const modes = s.models.map((m) => {
    const points = s.points.filter((p) => p.mode === m.mode);
    const notReplicas = points.filter((p) => !p.replicasLimit).length;
    return `${m.mode} ${num(m.slope)} ok req/s per added replica (N = ${points.map((p) => p.replicas).join(', ')}${notReplicas ? `; ${notReplicas} of ${points.length} points not limited by the replicas` : ''})`;
  });
  return [`scaling (evidence only, not judged; ${s.replicaQuotaCores} CPU per replica, load average ${s.loadAverage.start[0]}): ${modes.join('; ')}.`];
}

export function judgeClaim8(r: BenchResults): Verdict {
  const rule = `holds when a logged-out /jwt token keeps answering 200 for the whole probe window while logged-out sessions are refused at once, and /jwt-revocable — refused at once after its logout — shows the state it added back: ≥ ${THRESHOLDS.revocableCommandsPerRequest} Redis commands per request, ok-throughput below ${THRESHOLDS.roundTripCostRatio}× /jwt's, or ok share ≤ ${pct(THRESHOLDS.unservedOkShare)} with Redis down; with caveat when /jwt-revocable was not measured or a session kept working; does not hold when the JWT was refused, or /jwt-revocable revoked at once with no measurable cost`;
  const rev = r.scenarios.revocation;
  if (!rev) return notMeasured(8, rule, 'revocation');
  const evidence: string[] = [];
  const jwt = rev.modes.find((m) => m.mode === 'jwt');
  const revocable = rev.modes.find((m) => m.mode === 'jwt-revocable');
  const sessions = rev.modes.filter((m) => m.mode === 'memory' || m.mode === 'redis');
  for (const m of rev.modes) {
    const commands = m.redisCommandsPerRequest === undefined || m.redisCommandsPerRequest === null ? '' : `; ${num(m.redisCommandsPerRequest, 2)} Redis commands per probe`;
    evidence.push(`${m.mode}: before logout ${m.okBeforeLogout ? '200' : 'not 200'}; logout answered ${m.logoutStatus}; then ${m.okAfterLogout} of ${m.probes} probes in ${rev.probeSeconds} s answered 200; ${m.firstRefusedAfterMs === null ? 'never refused' : `first refused ${m.firstRefusedAfterMs} ms after logout`}${m.validUntil ? `; server says valid until ${m.validUntil}` : ''}${commands}.`);
  }
  if (!jwt || !jwt.okBeforeLogout) return verdict(8, 'not measured', evidence, rule);
  const jwtKeptWorking = jwt.probes > 0 && jwt.okAfterLogout === jwt.probes;
  const sessionsRefused = sessions.length > 0 && sessions.every((s) => s.okBeforeLogout && s.okAfterLogout === 0);
  if (!jwtKeptWorking) return verdict(8, 'does not hold', evidence, rule);
  if (!revocable || !revocable.okBeforeLogout) {
    evidence.push('/jwt-revocable was not measured: the price of revocation is not shown.');
    return verdict(8, 'holds with caveat', evidence, rule);
  }
  const revokedAtOnce = revocable.probes > 0 && revocable.okAfterLogout === 0;
  // The price: Redis work per request, throughput against /jwt, and service with Redis down.
  const costs: boolean[] = [];
  if (revocable.redisCommandsPerRequest !== undefined && revocable.redisCommandsPerRequest !== null) {
    costs.push(revocable.redisCommandsPerRequest >= THRESHOLDS.revocableCommandsPerRequest);
  }
  const ratios = (r.scenarios.throughput?.cells ?? [])
    .filter((c) => c.mode === 'jwt-revocable')
    .map((c) => ({ strategy: c.strategy, revocable: c.okPerSec, jwt: cell(r, 'jwt', c.strategy)?.okPerSec ?? 0 }))
    .filter((x) => x.jwt > 0)
    .map((x) => ({ ...x, ratio: x.revocable / x.jwt }));
  if (ratios.length > 0) {
    const median = [...ratios].sort((a, b) => a.ratio - b.ratio)[Math.floor(ratios.length / 2)];
    costs.push(median.ratio < THRESHOLDS.roundTripCostRatio);
    evidence.push(`throughput, ok req/s of /jwt-revocable vs /jwt: ${ratios.map((x) => `${x.strategy} ${num(x.revocable)} vs ${num(x.jwt)} (${num(x.ratio, 2)})`).join('; ')}; median ratio ${num(median.ratio, 2)}.`);
  }
  const outage = r.scenarios.killRedis?.[0];
  const down = outage?.cells.filter((c) => c.mode === 'jwt-revocable') ?? [];
  if (down.length > 0) {
    const share = maxOf(down.map((c) => c.okShareDuringFault ?? 0));
    const jwtShare = maxOf(outage!.cells.filter((c) => c.mode === 'jwt').map((c) => c.okShareDuringFault ?? 0));
    costs.push(share <= THRESHOLDS.unservedOkShare);
    evidence.push(`kill-redis: with Redis down, /jwt-revocable users' ok share was at most ${pct(share)} (fail closed: 503), /jwt users' ${pct(jwtShare)}.`);
  }
  if (!revokedAtOnce) return verdict(8, 'holds with caveat', [...evidence, '/jwt-revocable kept answering after its logout.'], rule);
  if (costs.length > 0 && !costs.some(Boolean)) return verdict(8, 'does not hold', evidence, rule);
  if (costs.length === 0) return verdict(8, 'holds with caveat', [...evidence, 'The price of /jwt-revocable (Redis commands, throughput, outage) was not measured.'], rule);
  return verdict(8, sessionsRefused ? 'holds' : 'holds with caveat', evidence, rule);
}

/** The throughput cells (mode, strategy) and fault scenarios each claim reads: a gap in any of them leaves it unjudged. */
const CLAIM_EVIDENCE: Readonly<Record<number, { cells: readonly (readonly [string, string])[]; faults: readonly ('killReplica' | 'killRedis')[]; faultModes?: readonly string[] }>> = {
  1: { cells: [['jwt', 'round-robin']], faults: ['killReplica'], faultModes: ['jwt'] },
  2: { cells: [['memory', 'round-robin']], faults: [] },
  3: { cells: [['memory', 'sticky-cookie']], faults: ['killReplica'], faultModes: ['memory'] },
  4: { cells: ['round-robin', 'sticky-cookie', 'hash-ip'].flatMap((s) => ['memory', 'redis', 'jwt'].map((m) => [m, s] as const)), faults: [] },
  5: { cells: [], faults: ['killReplica'], faultModes: ['redis'] },
  6: { cells: [['memory', 'sticky-cookie'], ['redis', 'sticky-cookie']], faults: ['killRedis'] },
  7: { cells: [['jwt', 'sticky-cookie'], ['memory', 'sticky-cookie'], ['redis', 'sticky-cookie']], faults: [] },
  8: { cells: [], faults: [] },
};

/**
 * Why the figures a claim reads are too thin to judge (pure): a throughput cell with fewer than
 * `minAuthenticatedRequests` authenticated requests or more than `maxUnexpectedErrorShare` errors,
 * or a fault cell whose users were not served before the fault. Missing data is never a "does not hold".
 */
export function evidenceGaps(r: BenchResults, claim: number): string[] {
  const wanted = CLAIM_EVIDENCE[claim];
  if (!wanted) return [];
  const gaps: string[] = [];
  for (const [mode, strategy] of wanted.cells) {
    const c = cell(r, mode, strategy);
    if (!c) continue; // a cell that did not run is the judge's "not measured"
    const authenticated = c.counts.ok + c.counts.logouts;
    const all = authenticated + c.counts.errors + c.counts.logins + c.counts.other;
    if (authenticated < THRESHOLDS.minAuthenticatedRequests) {
      gaps.push(`throughput, ${mode} + ${strategy}: only ${authenticated} authenticated requests (at least ${THRESHOLDS.minAuthenticatedRequests} needed; ${c.counts.logins} logins, ${c.counts.errors} errors, ${c.counts.other} other answers).`);
    } else if (all > 0 && c.counts.errors / all > THRESHOLDS.maxUnexpectedErrorShare) {
      gaps.push(`throughput, ${mode} + ${strategy}: ${c.counts.errors} errors in ${all} requests (${pct(c.counts.errors / all)}, above ${pct(THRESHOLDS.maxUnexpectedErrorShare)}).`);
    }
  }
  for (const key of wanted.faults) {
    const scenario = key === 'killRedis' ? r.scenarios.killRedis?.[0] : r.scenarios.killReplica;
    const faultSecond = Math.floor(scenario?.events.find((e) => e.kind === 'fault')?.second ?? 0);
    for (const c of scenario?.cells ?? []) {
      if (wanted.faultModes && !wanted.faultModes.includes(c.mode)) continue;
      // Answered before the fault: any answer but an error (a memory + round-robin miss is an answer).
      // Second 0 is left out: every user starts then.
      const before = c.timeline.filter((p) => p.second >= Math.min(1, faultSecond) && p.second < faultSecond);
      const total = before.reduce((n, p) => n + p.ok + p.logouts + p.errors + p.logins + p.other, 0);
      const errors = before.reduce((n, p) => n + p.errors, 0);
      if (total === 0 || errors / total > THRESHOLDS.maxUnexpectedErrorShare) {
        gaps.push(`${scenario!.scenario}, ${c.mode} + ${c.strategy}: before the fault its users got ${total === 0 ? 'no answer' : `${errors} errors in ${total} requests (${pct(errors / total)})`}, so the fault's effect cannot be told apart.`);
      }
    }
  }
  return gaps;
}

export function judgeClaims(results: BenchResults): Verdict[] {
  return [judgeClaim1, judgeClaim2, judgeClaim3, judgeClaim4, judgeClaim5, judgeClaim6, judgeClaim7, judgeClaim8].map((judge, i) => {
    const judged = judge(results);
    const gaps = evidenceGaps(results, i + 1);
    if (gaps.length === 0) return judged;
    return { ...judged, verdict: 'not measured', evidence: [...gaps.map((g) => `Not enough data: ${g}`), ...judged.evidence] };
  });
}

function maxOf(values: number[]): number {
  return values.length ? Math.max(...values) : 0;
}
