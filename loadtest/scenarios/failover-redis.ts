import autocannon from 'autocannon';
import type { RunningCluster } from '../../cluster/launcher';
import { pollUntil } from '../../common/poll';
import { redisCommand } from '../../common/probes';
import { SENTINEL, localPorts } from '../../cluster/topology';
import { okShare } from '../aggregate';
import { sleep, trackProgress, type RunContext } from '../context';
import { clusterTarget, type StartCluster } from '../local-target';
import type { FailoverModeResult, FailoverRedisResult, FailoverVariantResult, LoginPrice, ScenarioEvent } from '../results';
import { SessionCohort } from '../session-cohort';
import { prepareConcurrentCells, startConcurrentCells } from './concurrent-cells';
import { faultCell } from './fault';

/**
 * failover-redis: the price of removing Redis as a single point of failure. Each variant is a
 * fresh local cluster; under the load of every mode × strategy, the Redis primary is SIGKILLed.
 * HA variants: three Sentinels promote the replica and the app replicas follow it. Single
 * variants: the one redis-server is started again at once (a supervisor's best case), with and
 * without its append-only file. A cohort of /redis users logs in during the last moments before
 * the kill and is asked afterwards, one by one, whether its session survived.
 */
export interface FailoverVariantPlan {
  readonly name: string;
  readonly redis: 'ha' | 'single';
  readonly appendonly: boolean;
  /** SESSION_WAIT_REPLICAS of the app replicas (synchronous replication of session writes). */
  readonly waitReplicas: number;
  /** Cut the replica off (SIGSTOP and drop its link) while the cohort logs in: the replica has not received those sessions. */
  readonly lagReplica: boolean;
}

export const FAILOVER_VARIANTS: readonly FailoverVariantPlan[] = Object.freeze([
  { name: 'ha', redis: 'ha', appendonly: true, waitReplicas: 0, lagReplica: false },
  { name: 'ha, replica cut off', redis: 'ha', appendonly: true, waitReplicas: 0, lagReplica: true },
  { name: 'ha + WAIT 1', redis: 'ha', appendonly: true, waitReplicas: 1, lagReplica: false },
  { name: 'single, AOF on', redis: 'single', appendonly: true, waitReplicas: 0, lagReplica: false },
  { name: 'single, AOF off', redis: 'single', appendonly: false, waitReplicas: 0, lagReplica: false },
]);

/** Seconds the cohort logs in before the kill; seconds of closed-loop logins per login-price cell. */
const COHORT_SECONDS = 2;
const LOGIN_PRICE_CONNECTIONS = 4;

export interface FailoverDeps {
  startCluster: StartCluster;
  portBase: number;
  appEnv: Record<string, string>;
  logs: 'silent' | 'inherit';
  loginPriceSeconds: number;
}

/** Why this target cannot run failover-redis (it starts clusters of its own), or undefined. */
export function failoverUnavailable(context: RunContext): string | undefined {
  return context.target.local ? undefined
    : 'failover-redis starts its own local clusters (HA and single Redis, one per variant): run it without --target';
}

export async function runFailoverRedis(context: RunContext, deps: FailoverDeps, variants: readonly FailoverVariantPlan[] = FAILOVER_VARIANTS): Promise<FailoverRedisResult> {
  const results: FailoverVariantResult[] = [];
  for (const plan of variants) {
    if (context.signal.aborted) break;
    context.log(`failover-redis: variant "${plan.name}"`);
    const cluster = await deps.startCluster({
      portBase: deps.portBase,
      redis: plan.redis === 'ha' ? 'ha' : 'spawn',
      redisAppendonly: plan.appendonly,
      env: { ...deps.appEnv, SESSION_WAIT_REPLICAS: String(plan.waitReplicas) },
      logs: deps.logs,
    });
    try {
      results.push(await runVariant(context, cluster, plan, deps));
    } finally {
      await cluster.close();
    }
  }
  const { beforeSeconds, faultSeconds, afterSeconds } = context.timing;
  return {
    variants: results,
    seconds: beforeSeconds + faultSeconds + afterSeconds,
    cohortSeconds: COHORT_SECONDS,
    usersPerCell: context.timing.faultUsersPerCell,
    userRate: context.timing.faultUserRate,
    sentinel: { quorum: SENTINEL.quorum, downAfterMs: SENTINEL.downAfterMs, failoverTimeoutMs: SENTINEL.failoverTimeoutMs },
    loginPriceConnections: LOGIN_PRICE_CONNECTIONS,
  };
}

async function runVariant(context: RunContext, cluster: RunningCluster, plan: FailoverVariantPlan, deps: FailoverDeps): Promise<FailoverVariantResult> {
  const target = clusterTarget(cluster);
  const sub: RunContext = { ...context, target };
  const loginPrice = plan.redis === 'ha' && !plan.lagReplica ? await measureLoginPrice(cluster.frontends[0].url, deps.loginPriceSeconds, context) : null;

  const { beforeSeconds, faultSeconds, afterSeconds } = context.timing;
  const seconds = beforeSeconds + faultSeconds + afterSeconds;
  const load = startConcurrentCells(sub, seconds, 15, await prepareConcurrentCells(sub));
  const stopProgress = trackProgress(context, `failover-redis (${plan.name})`, seconds, load.ledgers);
  const cohort = new SessionCohort(cluster.frontends[0].url, context.usernames[0], context.password);
  const events: ScenarioEvent[] = [];
  const at = (): number => (Date.now() - load.t0) / 1000;
  const ports = localPorts(deps.portBase);
  let killMs = 0;
  let recoverMs = 0;
  let promotedAfterMs: number | null = null;
  let restartedAfterMs: number | null = null;
  let clientsFollowAfterMs: number | null = null;
  try {
    await sleep(Math.max(0, (beforeSeconds - COHORT_SECONDS) * 1000));
    let cutOff: string | undefined;
    if (plan.lagReplica) {
      cutOff = (await cutOffReplica(cluster)).replica;
      events.push({ second: at(), kind: 'fault', label: `replica ${cutOff} cut off` });
    }
    const cohortEnd = load.t0 + beforeSeconds * 1000;
    await cohort.loginUntil(() => Date.now() >= cohortEnd || context.signal.aborted);
    const killed = (await primaryOf(cluster)) ?? 'redis';
    const primaryPort = killed === 'redis2' ? ports.redis2 : ports.redis;
    const killAt = Date.now();
    killMs = killAt - load.t0;
    await cluster.act(killed, 'kill');
    events.push({ second: killMs / 1000, kind: 'fault', label: `kill ${killed} (primary)` });
    if (cutOff) {
      await cluster.act(cutOff, 'unpause');
      events.push({ second: at(), kind: 'recover', label: 'replica resumed' });
    }
    const follow = appsFollow(ports, primaryPort, killAt, plan.redis === 'ha');
    if (plan.redis === 'ha') {
      promotedAfterMs = await waitPromotion(ports.sentinels[0], primaryPort, killAt, faultSeconds * 1000);
      if (promotedAfterMs !== null) events.push({ second: (killAt + promotedAfterMs - load.t0) / 1000, kind: 'recover', label: 'replica promoted' });
    } else {
      // A supervisor's best case: started again at once (the launcher returns once it answers PING).
      await cluster.act(killed, 'start');
      restartedAfterMs = Date.now() - killAt;
      events.push({ second: at(), kind: 'recover', label: `start ${killed}` });
    }
    await sleep(Math.max(0, load.t0 + (beforeSeconds + faultSeconds) * 1000 - Date.now()));
    recoverMs = Date.now() - load.t0;
    if (plan.redis === 'ha') {
      // The old primary comes back as a replica of the new one (the launcher asks the Sentinels).
      await cluster.act(killed, 'start');
      events.push({ second: at(), kind: 'recover', label: `start ${killed} (rejoins as replica)` });
    }
    clientsFollowAfterMs = await follow;
    await load.done();
  } finally {
    load.stop();
    stopProgress();
  }
  const verdict = await cohort.verify(load.t0 + killMs);
  const cells = load.cells.map((c) => faultCell(c.mode, c.strategy, c.running.ledgers, { seconds, faultMs: killMs, recoverMs }));
  return {
    variant: plan.name,
    redis: plan.redis,
    appendonly: plan.appendonly,
    waitReplicas: plan.waitReplicas,
    replicaCutOff: plan.lagReplica,
    killedAtSecond: Math.round(killMs / 100) / 10,
    promotedAfterMs,
    restartedAfterMs,
    clientsFollowAfterMs,
    cohort: { ...verdict, failedLogins: cohort.failedLogins },
    loginPrice,
    modes: modeFigures(cells, Math.floor(killMs / 1000)),
    events: events.map((e) => ({ ...e, second: Math.round(e.second * 10) / 10 })),
    cells,
  };
}

/** The node the Sentinels name as primary (HA), or redis (single). */
async function primaryOf(cluster: RunningCluster): Promise<string | undefined> {
  const services = await cluster.services();
  return services.find((s) => s.role === 'primary')?.name ?? (services.some((s) => s.name === 'redis' && s.state === 'running') ? 'redis' : undefined);
}

/**
 * Make the replica miss what comes next, as a slow or partitioned replica would: freeze it
 * (SIGSTOP), then have the primary drop its replication link (CLIENT KILL TYPE replica). Freezing
 * alone is not enough: writes would wait in the kernel's socket buffers and reach the replica
 * when it resumes, even after the primary died. Returns the two nodes by name.
 */
export async function cutOffReplica(cluster: Pick<RunningCluster, 'services' | 'act'>): Promise<{ primary: string; replica: string }> {
  const services = await cluster.services();
  const primary = services.find((s) => s.role === 'primary');
  const replica = services.find((s) => s.role === 'replica' && s.state === 'running');
  if (!primary?.port || !replica) throw new Error('cutting off the replica needs the HA topology with a running primary and replica');
  // A node that just rejoined as a replica has its role before its link: wait until the primary
  // holds an online replica link, or the link would come up after the cut (or never be there to cut).
  const port = primary.port;
  const linked = await pollUntil(async () => /slave\d+:.*state=online/.test((await redisCommand(port, ['INFO', 'replication']))?.join('\n') ?? ''), { timeoutMs: 15_000 });
  if (!linked) throw new Error(`the replica ${replica.name} never linked to the primary ${primary.name} within 15 s`);
  await cluster.act(replica.name, 'pause');
  const dropped = await redisCommand(port, ['CLIENT', 'KILL', 'TYPE', 'replica']);
  if (dropped === null || Number(dropped[0]) < 1) throw new Error('could not drop the replica\'s link on the primary (CLIENT KILL TYPE replica)');
  return { primary: primary.name, replica: replica.name };
}

/** ms from the kill until a Sentinel names another node as primary; null if not within `timeoutMs`. */
async function waitPromotion(sentinelPort: number, oldPrimaryPort: number, killAt: number, timeoutMs: number): Promise<number | null> {
  const promoted = await pollUntil(async () => {
    const address = await redisCommand(sentinelPort, ['SENTINEL', 'get-master-addr-by-name', SENTINEL.masterName], '127.0.0.1', 500);
    return address !== null && address.length === 2 && Number(address[1]) !== oldPrimaryPort;
  }, { timeoutMs: Math.max(0, killAt + timeoutMs - Date.now()), stepMs: 50 });
  return promoted ? Date.now() - killAt : null;
}

/**
 * ms from the kill until every app replica (app1..app3, asked directly on its port) answers
 * /ready again, connected to a live node (HA: not the killed primary). null if not within 20 s.
 */
async function appsFollow(ports: ReturnType<typeof localPorts>, oldPrimaryPort: number, killAt: number, ha: boolean): Promise<number | null> {
  const apps = ['app1', 'app2', 'app3'].map((name) => `http://127.0.0.1:${ports.apps[name]}/ready`);
  const followed = await Promise.all(apps.map(async (url) => {
    // A replica may still call the dead primary ready for a moment: wait until it has noticed.
    await sleep(100);
    const back = await pollUntil(async () => {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (!response.ok) return false;
      const node = ((await response.json()) as { redis?: { node?: string | null } }).redis?.node ?? '';
      return !ha || !node.endsWith(`:${oldPrimaryPort}`);
    }, { timeoutMs: Math.max(0, killAt + 20_000 - Date.now()), stepMs: 50 });
    return back ? Date.now() - killAt : null;
  }));
  return followed.some((ms) => ms === null) ? null : Math.max(...(followed as number[]));
}

/** Closed-loop logins to /redis (each one a new session written to Redis): logins/s and latency. */
async function measureLoginPrice(url: string, seconds: number, context: RunContext): Promise<LoginPrice> {
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
  return {
    seconds,
    logins: result['2xx'],
    failed: result.non2xx + result.errors + result.timeouts,
    loginsPerSec: result['2xx'] / seconds,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
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
