import autocannon from 'autocannon';
import { pollUntil } from '../../common/poll';
import { SENTINEL } from '../../cluster/topology';
import { okShare } from '../aggregate';
import { sleep, trackProgress, type RunContext } from '../context';
import type { StartCluster } from '../local-target';
import type { FailoverVariantId } from '../scenarios';
import { localStage, type FailoverStage } from './failover-stages';
import type { FailoverModeResult, FailoverRedisResult, FailoverVariantResult, LoginPrice, ScenarioEvent } from '../results';
import { SessionCohort } from '../session-cohort';
import { prepareConcurrentCells, startConcurrentCells } from './concurrent-cells';
import { rampConcurrency } from '../login-ramp';
import { faultCell } from './fault';
import { meanWriteMs, readSessionWrites } from '../session-writes';
import type { BenchTarget } from '../target';

/**
 * failover-redis: the price of removing Redis as a single point of failure. Under the load of
 * every mode × strategy, the Redis primary is SIGKILLed. HA variants: three Sentinels promote the
 * replica and the app replicas follow it. Single variants: the one redis-server is started again
 * at once (a supervisor's best case), with and without its append-only file. A cohort of /redis
 * users logs in during the last moments before the kill and is asked afterwards, one by one,
 * whether its session survived. On the bench's own clusters each variant is a fresh cluster; on a
 * docker compose stack the variants are those the stack runs (HA override or not), one after the
 * other on the same containers.
 */
export interface FailoverVariantPlan {
  readonly id: FailoverVariantId;
  readonly name: string;
  readonly redis: 'ha' | 'single';
  readonly appendonly: boolean;
  /** SESSION_WAIT_REPLICAS of the app replicas (synchronous replication of session writes). */
  readonly waitReplicas: number;
  /** Cut the replica off (SIGSTOP and drop its link) while the cohort logs in: the replica has not received those sessions. */
  readonly lagReplica: boolean;
}

export const FAILOVER_VARIANTS: readonly FailoverVariantPlan[] = Object.freeze([
  { id: 'ha', name: 'ha', redis: 'ha', appendonly: true, waitReplicas: 0, lagReplica: false },
  { id: 'ha-cut-off', name: 'ha, replica cut off', redis: 'ha', appendonly: true, waitReplicas: 0, lagReplica: true },
  { id: 'ha-wait', name: 'ha + WAIT 1', redis: 'ha', appendonly: true, waitReplicas: 1, lagReplica: false },
  { id: 'single-aof', name: 'single, AOF on', redis: 'single', appendonly: true, waitReplicas: 0, lagReplica: false },
  { id: 'single-no-aof', name: 'single, AOF off', redis: 'single', appendonly: false, waitReplicas: 0, lagReplica: false },
]);

/**
 * Seconds the cohort logs in before the kill, as many at a time as the login ramp (two per app
 * replica): at the production hash cost a login takes about a second here, and two at a time
 * gave cohorts of 0-2 users.
 */
const COHORT_SECONDS = 3;
/** The cohort's simulated client addresses start here: far above the run's pool of users (10 000 indices per pool key). */
const COHORT_FIRST_INDEX = 5_000_000;
const LOGIN_PRICE_CONNECTIONS = 4;
/**
 * The fault window against docker compose: `docker compose kill` takes seconds to land on a busy
 * machine, then the Sentinels wait down-after (2 s) and vote; a shorter window would start the
 * old primary again before the replica was promoted.
 */
export const COMPOSE_FAULT_SECONDS = 15;

/** What the bench knows of its target, for choosing the variants (pure input). */
export type FailoverTarget =
  | { kind: 'own clusters' }
  | { kind: 'target' }
  | { kind: 'docker compose'; sentinels: boolean; appendonly: boolean | null; waitReplicas: number | null };

export interface FailoverChoice {
  /** The variants to run, in order. */
  run: FailoverVariantPlan[];
  /** Variants asked for by name that this target cannot run: the bench exits 2 with these reasons. */
  cannot: { variant: FailoverVariantId; reason: string }[];
  /** Variants left out because this target cannot run them (none asked for by name): said in the report. */
  notRun: { variant: FailoverVariantId; reason: string }[];
}

/** Why this target cannot run a variant, or undefined when it can (pure). */
export function variantUnavailable(target: FailoverTarget, plan: FailoverVariantPlan): string | undefined {
  if (target.kind === 'own clusters') return undefined;
  if (target.kind === 'target') return 'failover-redis starts its own local clusters or drives a compose stack\'s containers: run it without a target option, or with --compose';
  const haFiles = '-f docker-compose.yml -f docker-compose.ha.yml';
  if (plan.redis === 'ha') {
    if (!target.sentinels) return `no sentinel service in the stack (it runs one Redis): start it with docker compose ${haFiles} up --build -d`;
    if (target.waitReplicas === null) return 'the stack\'s replicas did not all report one SESSION_WAIT_REPLICAS (their /settings): are they up, and started alike?';
    if (plan.waitReplicas !== target.waitReplicas) {
      return `the stack's replicas run SESSION_WAIT_REPLICAS=${target.waitReplicas}, not ${plan.waitReplicas}: start the stack with SESSION_WAIT_REPLICAS=${plan.waitReplicas} (shell or .env; docker compose ${haFiles} up -d), or run it on the bench's own clusters (no target option)`;
    }
    return undefined;
  }
  if (target.sentinels) return 'the stack runs Sentinels (docker-compose.ha.yml): its primary is replaced, not restarted; run the single-Redis variants against a stack started from docker-compose.yml alone';
  if (target.appendonly === null) return 'the stack\'s Redis did not say whether its append-only file is on (the replicas\' /settings): is Redis up?';
  if (target.appendonly !== plan.appendonly) {
    return `the stack's Redis runs with appendonly ${target.appendonly ? 'yes' : 'no'}; the AOF-${plan.appendonly ? 'on' : 'off'} variant runs on the bench's own clusters (no target option)`;
  }
  return undefined;
}

/** The variants to run on this target: those asked for by name (each must be runnable), else every one it can run (pure). */
export function chooseFailoverVariants(target: FailoverTarget, requested: readonly FailoverVariantId[]): FailoverChoice {
  const asked = requested.length > 0 ? FAILOVER_VARIANTS.filter((v) => requested.includes(v.id)) : FAILOVER_VARIANTS;
  const reasons = asked.map((plan) => ({ plan, reason: variantUnavailable(target, plan) }));
  const runnable = reasons.filter((r) => r.reason === undefined).map((r) => r.plan);
  const refused = reasons.filter((r) => r.reason !== undefined).map((r) => ({ variant: r.plan.id, reason: r.reason! }));
  if (requested.length > 0) return { run: refused.length > 0 ? [] : runnable, cannot: refused, notRun: [] };
  return runnable.length > 0 ? { run: runnable, cannot: [], notRun: refused } : { run: [], cannot: refused, notRun: [] };
}

export interface FailoverDeps {
  startCluster: StartCluster;
  portBase: number;
  appEnv: Record<string, string>;
  logs: 'silent' | 'inherit';
  loginPriceSeconds: number;
}

/** Where the variants run: a fresh local cluster each, or one compose stack for all. */
export type FailoverHost =
  | { kind: 'own clusters'; deps: FailoverDeps }
  | { kind: 'docker compose'; stage: FailoverStage };

export async function runFailoverRedis(context: RunContext, host: FailoverHost, choice: Pick<FailoverChoice, 'run' | 'notRun'>): Promise<FailoverRedisResult> {
  const results: FailoverVariantResult[] = [];
  const faultSeconds = host.kind === 'docker compose' ? Math.max(context.timing.faultSeconds, COMPOSE_FAULT_SECONDS) : context.timing.faultSeconds;
  for (const [i, plan] of choice.run.entries()) {
    if (context.signal.aborted) break;
    context.log(`failover-redis: variant "${plan.name}"`);
    if (host.kind === 'docker compose') {
      // The same containers for every variant: the previous failover's pair must be whole again.
      if (i > 0) await host.stage.settle();
      results.push(await runVariant(context, host.stage, plan, { faultSeconds, loginPriceSeconds: null, variantIndex: i }));
      continue;
    }
    const { deps } = host;
    const cluster = await deps.startCluster({
      portBase: deps.portBase,
      redis: plan.redis === 'ha' ? 'ha' : 'spawn',
      redisAppendonly: plan.appendonly,
      env: { ...deps.appEnv, SESSION_WAIT_REPLICAS: String(plan.waitReplicas) },
      logs: deps.logs,
    });
    const stage = localStage(cluster, deps.portBase, plan.redis === 'ha');
    try {
      results.push(await runVariant(context, stage, plan, { faultSeconds, loginPriceSeconds: deps.loginPriceSeconds, variantIndex: i }));
    } finally {
      await stage.close();
    }
  }
  const { beforeSeconds, afterSeconds } = context.timing;
  return {
    target: host.kind,
    variants: results,
    notRun: choice.notRun.map((n) => ({ variant: FAILOVER_VARIANTS.find((v) => v.id === n.variant)!.name, reason: n.reason })),
    seconds: beforeSeconds + faultSeconds + afterSeconds,
    faultSeconds,
    cohortSeconds: COHORT_SECONDS,
    usersPerCell: context.timing.faultUsersPerCell,
    userRate: context.timing.faultUserRate,
    sentinel: { quorum: SENTINEL.quorum, downAfterMs: SENTINEL.downAfterMs, failoverTimeoutMs: SENTINEL.failoverTimeoutMs },
    loginPriceConnections: LOGIN_PRICE_CONNECTIONS,
  };
}

async function runVariant(
  context: RunContext,
  stage: FailoverStage,
  plan: FailoverVariantPlan,
  options: { faultSeconds: number; loginPriceSeconds: number | null; variantIndex: number },
): Promise<FailoverVariantResult> {
  const { variantIndex } = options;
  const { target } = stage;
  const sub: RunContext = { ...context, target };
  const loginPrice = plan.redis === 'ha' && !plan.lagReplica && options.loginPriceSeconds !== null
    ? await measureLoginPrice(target, stage.appReplicas, options.loginPriceSeconds, context) : null;

  const { beforeSeconds, afterSeconds } = context.timing;
  const { faultSeconds } = options;
  const seconds = beforeSeconds + faultSeconds + afterSeconds;
  const prepared = await prepareConcurrentCells(sub);
  // Read before the load starts (on compose each is a container exec or a proxy route: seconds on
  // a busy machine): the primary to kill, what the Sentinels call it, what each app replica writes
  // to. "Promoted" and "followed" mean a change from these.
  const killed = await stage.primary();
  const primaryBefore = stage.ha ? await stage.primaryAddress() : undefined;
  const before = new Map(await Promise.all(stage.appReplicas.map(async (r) => [r, (await stage.ready(r))?.node ?? ''] as const)));
  // The replica misses everything from here on, the cohort's logins included; it is cut off
  // before the load starts so that the cut (seconds on compose) never eats the cohort's window.
  const cutOff = plan.lagReplica ? (await stage.cutOffReplica()).replica : undefined;
  const load = startConcurrentCells(sub, seconds, 15, prepared);
  const stopProgress = trackProgress(context, `failover-redis (${plan.name})`, seconds, load.ledgers);
  const cohort = new SessionCohort(target.frontends[0].url, context.usernames, context.password, { adminToken: target.adminToken, firstIndex: COHORT_FIRST_INDEX + variantIndex * 10_000 });
  const events: ScenarioEvent[] = cutOff ? [{ second: 0, kind: 'fault', label: `replica ${cutOff} cut off (before the load)` }] : [];
  const at = (): number => (Date.now() - load.t0) / 1000;
  let killAt = 0;
  let recoverMs = 0;
  let promotedAt: number | null = null;
  let restartedAt: number | null = null;
  let followedAt: number | null = null;
  let killCommandMs: number | null = null;
  let cohortLogins: Promise<void> = Promise.resolve();
  try {
    await sleep(Math.max(0, (beforeSeconds - COHORT_SECONDS) * 1000));
    const cohortEnd = load.t0 + beforeSeconds * 1000;
    // The kill does not wait for logins still in flight (seconds each at the production hash
    // cost); one answered only after the kill is not counted (its session may be written after it).
    cohortLogins = cohort.loginUntil(() => Date.now() >= cohortEnd || context.signal.aborted, rampConcurrency(context));
    await sleep(Math.max(0, cohortEnd - Date.now()));
    const issuedAt = Date.now();
    await stage.act(killed, 'kill');
    const returnedAt = Date.now();
    killCommandMs = returnedAt - issuedAt;
    // The kill landed when the container died (docker's record), not when the command was issued.
    const died = stage.diedAt(killed);
    const resumed = cutOff ? stage.resumeReplica(cutOff).then(() => at()) : undefined;
    resumed?.catch(() => undefined); // awaited below; a failure surfaces there
    const follow = appsFollow(stage, before, stage.ha, returnedAt + faultSeconds * 1000 + 10_000);
    if (stage.ha) {
      promotedAt = await waitPromotion(stage, primaryBefore, returnedAt + faultSeconds * 1000);
    } else {
      // A supervisor's best case: started again at once.
      await stage.act(killed, 'start');
      restartedAt = (await pollUntil(() => stage.redisAnswers(), { timeoutMs: 30_000, stepMs: 100 })) ? Date.now() : null;
    }
    killAt = (await died) ?? issuedAt;
    events.push({ second: (killAt - load.t0) / 1000, kind: 'fault', label: `kill ${killed} (primary)` });
    if (resumed) events.push({ second: await resumed, kind: 'recover', label: `replica ${cutOff} resumed` });
    if (promotedAt !== null) events.push({ second: (promotedAt - load.t0) / 1000, kind: 'recover', label: 'replica promoted' });
    if (restartedAt !== null) events.push({ second: (restartedAt - load.t0) / 1000, kind: 'recover', label: `start ${killed} (answers PING)` });
    await sleep(Math.max(0, load.t0 + (beforeSeconds + faultSeconds) * 1000 - Date.now()));
    recoverMs = Date.now() - load.t0;
    if (stage.ha) {
      // The old primary comes back as a replica of the new one (the Sentinels re-point it).
      await stage.act(killed, 'start');
      events.push({ second: at(), kind: 'recover', label: `start ${killed} (rejoins as replica)` });
    }
    followedAt = await follow;
    await load.done();
  } finally {
    load.stop();
    stopProgress();
    await cohortLogins;
  }
  const killMs = killAt - load.t0;
  const verdict = await cohort.verify(killAt);
  const cells = load.cells.map((c) => faultCell(c.mode, c.strategy, c.running.ledgers, { seconds, faultMs: killMs, recoverMs }));
  const after = (t: number | null): number | null => (t === null ? null : Math.max(0, t - killAt));
  events.sort((a, b) => a.second - b.second);
  return {
    variant: plan.name,
    redis: plan.redis,
    appendonly: plan.appendonly,
    waitReplicas: plan.waitReplicas,
    replicaCutOff: plan.lagReplica,
    killedAtSecond: Math.round(killMs / 100) / 10,
    killCommandMs,
    promotedAfterMs: after(promotedAt),
    restartedAfterMs: after(restartedAt),
    clientsFollowAfterMs: after(followedAt),
    cohort: { ...verdict, failedLogins: cohort.failedLogins },
    loginPrice,
    modes: modeFigures(cells, Math.floor(killMs / 1000)),
    events: events.map((e) => ({ ...e, second: Math.round(e.second * 10) / 10 })),
    cells,
  };
}

/** When a Sentinel first names another primary than `before` (epoch ms); null if not by `deadline`. */
async function waitPromotion(stage: FailoverStage, before: string | undefined, deadline: number): Promise<number | null> {
  const promoted = await pollUntil(async () => {
    const address = await stage.primaryAddress();
    return address !== undefined && address !== before;
  }, { timeoutMs: Math.max(0, deadline - Date.now()), stepMs: 50 });
  return promoted ? Date.now() : null;
}

/**
 * When every app replica answers /ready again, connected to a live node (HA: another node than
 * the one it wrote to before the kill), as epoch ms; null if not by `deadline`.
 */
async function appsFollow(stage: FailoverStage, before: ReadonlyMap<string, string>, ha: boolean, deadline: number): Promise<number | null> {
  const followed = await Promise.all(stage.appReplicas.map(async (replica) => {
    // A replica may still call the dead primary ready for a moment: wait until it has noticed.
    await sleep(100);
    const back = await pollUntil(async () => {
      const ready = await stage.ready(replica);
      return ready !== undefined && ready.ok && (!ha || ready.node !== before.get(replica));
    }, { timeoutMs: Math.max(0, deadline - Date.now()), stepMs: 50 });
    return back ? Date.now() : null;
  }));
  return followed.some((t) => t === null) ? null : Math.max(...(followed as number[]));
}

/**
 * Closed-loop logins to /redis (each one a new session written to Redis): logins/s and latency,
 * and the replicas' own timing of the session writes, where WAIT's price shows (a login's
 * password hash is hundreds of times longer than a write, and varies more than a write takes).
 */
async function measureLoginPrice(target: BenchTarget, replicas: readonly string[], seconds: number, context: RunContext): Promise<LoginPrice> {
  const url = target.frontends[0].url;
  const writesBefore = await readSessionWrites(target, replicas);
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({
      url: `${url}/redis/login`, method: 'POST', connections: LOGIN_PRICE_CONNECTIONS, duration: seconds,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: context.usernames[0], password: context.password }),
    }, (err, res) => (err ? reject(err) : resolve(res)));
    const stop = (): void => instance.stop();
    context.signal.addEventListener('abort', stop, { once: true });
    void instance.on('done', () => context.signal.removeEventListener('abort', stop));
  });
  const writes = meanWriteMs(writesBefore, await readSessionWrites(target, replicas));
  return {
    seconds,
    logins: result['2xx'],
    failed: result.non2xx + result.errors + result.timeouts,
    loginsPerSec: result['2xx'] / seconds,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    sessionWrites: writes.writes,
    sessionWriteMs: writes.meanMs,
  };
}

/** Per mode, over every strategy: errors, logouts, users logged out, and seconds without service from the kill on. */
function modeFigures(cells: FailoverVariantResult['cells'], faultSecond: number): FailoverModeResult[] {
  const modes = [...new Set(cells.map((c) => c.mode))];
  return modes.map((mode) => {
    const mine = cells.filter((c) => c.mode === mode);
    const seconds = mine[0]?.timeline.length ?? 0;
    let without = 0;
    for (let s = faultSecond; s < seconds; s++) {
      const points = mine.map((c) => c.timeline[s]).filter(Boolean);
      const share = okShare(points.map((p) => ({ ...p, second: 0 })), 0, 1);
      if (share !== null && share < 0.5) without++;
    }
    const after = (key: 'errors' | 'logouts'): number => mine.reduce((n, c) => n + c.timeline.filter((p) => p.second >= faultSecond).reduce((m, p) => m + p[key], 0), 0);
    return {
      mode,
      users: mine.reduce((n, c) => n + c.users, 0),
      secondsWithoutService: without,
      errors: after('errors'),
      logouts: after('logouts'),
      usersLoggedOut: mine.reduce((n, c) => n + c.usersLoggedOut, 0),
      okShareBeforeFault: average(mine.map((c) => c.okShareBeforeFault)),
    };
  });
}

function average(values: (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length ? present.reduce((a, b) => a + b, 0) / present.length : null;
}
