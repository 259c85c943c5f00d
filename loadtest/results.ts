import type { TargetKind } from './target';

/**
 * The shape of results.json: plain data, every figure measured in the run, plus the settings
 * it was measured under. Reports are pure functions of this object.
 */
import type { PaperResult } from './capacity-model';

/** What happened to a user's requests: the measurement vocabulary of docs/design.md. */
export interface Counts {
  /** Authenticated requests answered 2xx (or, for the baseline, any 2xx). */
  ok: number;
  /** 401 on credentials the user had no reason to doubt. */
  logouts: number;
  /** 5xx or a transport failure (connection error, timeout). */
  errors: number;
  /** Successful logins: the first one of each user, and every re-login a logout forced. */
  logins: number;
  /** Anything else (a 4xx other than those above): should stay 0. */
  other: number;
  /** Logins refused by the replica's admission control (503 login_overloaded): a login refused, never an error. */
  refused: number;
}

export interface TimelinePoint extends Counts {
  /** Seconds since the scenario's load began (bucket [second, second+1)). */
  second: number;
}

export interface ThroughputCellResult {
  mode: string;
  strategy: string;
  seconds: number;
  connections: number;
  /** Every response per second, logins included (autocannon's mean). */
  requestsPerSec: number;
  /** Useful work: authenticated 2xx answers per second. */
  okPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  counts: Counts;
  /** logouts / (ok + logouts): the fraction of authenticated requests that found no session. */
  logoutRate: number;
  errorRate: number;
  /** Requests per replica (from X-Instance). */
  shares: Record<string, number>;
  /** max/mean of the per-replica shares; null when no replica answered. */
  imbalance: number | null;
  /** Users per replica, each counted where most of its requests went (its pin, under affinity). */
  usersPerReplica: Record<string, number>;
  /** max/mean of usersPerReplica: under closed-loop load a crowded replica answers each user more slowly, so request shares understate a hotspot. */
  userImbalance: number | null;
  /** Redis commands per request during the cell (INFO commandstats); null when Redis was not reachable. */
  redisCommandsPerRequest: number | null;
  /** The users' logins before the cell was measured (absent for the /health baseline). */
  loginRamp?: { loggedIn: number; refused: number; seconds: number };
  /** requestsPerSec / the same strategy's /health baseline. */
  ratioToBaseline: number | null;
}

export interface ThroughputResult {
  cells: ThroughputCellResult[];
  /** The matrix ran this many times, in rotated orders; each cell pools its rounds. */
  rounds?: number;
  secondsPerRound?: number;
}

export interface ScenarioEvent {
  second: number;
  /** pool: a replica joined (+) or left (−) the proxy's serving set. */
  kind: 'fault' | 'recover' | 'scale' | 'pool';
  label: string;
}

export interface UserGroup {
  users: number;
  loggedOut: number;
}

export interface FaultCellResult {
  mode: string;
  strategy: string;
  /** The balancer the cell's users went through (the balancers scenario); the proxy when absent. */
  balancer?: string;
  /** logouts / (ok + logouts) in the whole seconds before the fault: what the routing does to sessions at rest. */
  logoutRateBeforeFault?: number | null;
  users: number;
  counts: Counts;
  timeline: TimelinePoint[];
  /** Users with at least one logout from the fault on. */
  usersLoggedOut: number;
  /** Users whose last answer before the fault came from the faulted replica, and the rest. */
  pinnedToTarget: UserGroup | null;
  others: UserGroup | null;
  /** ok / all outcomes before the fault and while it lasted; null when nothing was answered. */
  okShareBeforeFault: number | null;
  okShareDuringFault: number | null;
  /** Users who got no answer at all while the fault lasted (stuck on a hung request). */
  usersWithoutAnswer: number;
  /** Seconds from the fault until the last second with an error; null when there was none. */
  errorsStopAfterSeconds: number | null;
  /** Logouts from the recovery on (e.g. Redis came back empty). */
  logoutsAfterRecovery: number;
}

export interface FaultScenarioResult {
  scenario: 'kill-replica' | 'kill-redis' | 'pause-replica';
  /** Set for kill-redis: whether Redis kept its data across the restart (appendonly). */
  redisPersistence: boolean | null;
  target: string;
  seconds: number;
  usersPerCell: number;
  userRate: number;
  events: ScenarioEvent[];
  cells: FaultCellResult[];
}

export interface LoginPrice {
  seconds: number;
  logins: number;
  failed: number;
  loginsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Session writes the replicas timed during the cell, and their mean (the SET, and WAIT when on); absent in older results. */
  sessionWrites?: number;
  sessionWriteMs?: number | null;
}

export interface FailoverModeResult {
  mode: string;
  users: number;
  /** Seconds from the kill on in which fewer than half of the mode's answers were ok. */
  secondsWithoutService: number;
  /** Errors and logouts from the kill's second on, over every strategy. */
  errors: number;
  logouts: number;
  usersLoggedOut: number;
  okShareBeforeFault: number | null;
}

export interface FailoverVariantResult {
  variant: string;
  redis: 'ha' | 'single';
  appendonly: boolean;
  /** SESSION_WAIT_REPLICAS of the replicas (0: asynchronous replication). */
  waitReplicas: number;
  /** The replica was frozen and its link dropped while the cohort logged in (forced replication lag). */
  replicaCutOff: boolean;
  killedAtSecond: number;
  /** ms the kill command took to return (docker compose: seconds on a busy machine); the figures below count from the node's death. */
  killCommandMs?: number | null;
  /** HA: ms from the kill until a Sentinel named the replica primary. */
  promotedAfterMs: number | null;
  /** Single: ms from the kill until redis-server, started again at once, answered PING. */
  restartedAfterMs: number | null;
  /** ms from the kill until every app replica answered /ready connected to a live primary; null when not within 20 s. */
  clientsFollowAfterMs: number | null;
  /** /redis users who logged in during the last seconds before the kill, each asked afterwards whether its session survived. */
  cohort: { users: number; survived: number; lost: number; unknown: number; failedLogins: number; lostLoginOffsetsMs: number[]; late?: number };
  /** Closed-loop /redis logins on the fresh cluster (HA variants): what WAIT costs per login. */
  loginPrice: LoginPrice | null;
  modes: FailoverModeResult[];
  events: ScenarioEvent[];
  cells: FaultCellResult[];
}

export interface FailoverRedisResult {
  /** Where the variants ran: a fresh local cluster each, or one docker compose stack (absent in older results: own clusters). */
  target?: 'own clusters' | 'docker compose';
  variants: FailoverVariantResult[];
  /** Variants this target cannot run, left out (none was asked for by name). */
  notRun?: { variant: string; reason: string }[];
  seconds: number;
  /** Seconds from the kill until the old primary is started again (HA) and the load's fault window ends. */
  faultSeconds?: number;
  cohortSeconds: number;
  usersPerCell: number;
  userRate: number;
  sentinel: { quorum: number; downAfterMs: number; failoverTimeoutMs: number };
  loginPriceConnections: number;
}

export interface ScaleOutCellResult {
  mode: string;
  strategy: string;
  users: number;
  /** Users whose replica after the scale-out differs from the one before. */
  moved: number;
  movedFraction: number;
  movedToApp4: number;
  movedLoggedOut: number;
  stayedLoggedOut: number;
  /** Share of requests the new replica served after it joined. */
  app4Share: number;
  timeline: TimelinePoint[];
}

/** The swarm's scale back (`docker service scale app=N` under load, after the scale-out). */
export interface ScaleDownResult {
  /** Second of the run the scale back was asked for. */
  startSecond: number;
  /** Replicas the proxy stopped serving from. */
  removed: string[];
  cells: { mode: string; strategy: string; users: number; moved: number; movedLoggedOut: number; stayedLoggedOut: number; errors: number }[];
}

export interface ScaleOutResult {
  /** The replica(s) that joined (app4 on the bench's own cluster and compose, a new task on a swarm); absent in older results: app4. */
  newReplicas?: string[];
  /** How the replica was added, as a user would type it. */
  action?: string;
  /** Swarm only: the scale back under load. */
  down?: ScaleDownResult;
  seconds: number;
  usersPerCell: number;
  replicasBefore: number;
  replicasAfter: number;
  events: ScenarioEvent[];
  cells: ScaleOutCellResult[];
  /** From the same hash-ip user keys: what `hash % N` → `hash % (N+1)` would have moved. */
  moduloMovedFraction: number;
  /** What an ideal consistent hash moves: 1/(N+1). */
  consistentMovedFraction: number;
}

/** One mode × strategy through a replacement (rolling-deploy, node-drain, node-crash). */
export interface ReplacementCellResult {
  mode: string;
  strategy: string;
  users: number;
  counts: Counts;
  timeline: TimelinePoint[];
  /** Users whose answering replica changed, per second; null behind round-robin (no user has a home replica there). */
  movesPerSecond: number[] | null;
  /** Users with at least one logout from the operation's start on. */
  usersLoggedOut: number;
  /** Users answered by another replica at the end than just before the operation; null behind round-robin. */
  usersMoved: number | null;
  movedLoggedOut: number | null;
  okShareBefore: number | null;
  okShareDuring: number | null;
  errorsStopAfterSeconds: number | null;
  /** The longest a user of the cell went without any answer from the operation's start on (whole seconds): a request hanging on a silent replica. */
  longestSilenceSeconds: number;
  /** Errors by what they were, e.g. {"503 redis_unavailable": 3, "no answer (connection failed or timed out)": 1}. */
  errorKinds: Record<string, number>;
}

/** Replicas taken away and replaced under load, one way or another; what each auth mode's users saw. */
export interface ReplacementScenarioResult {
  scenario: 'rolling-deploy' | 'node-drain' | 'node-crash';
  /** own cluster, docker compose, docker swarm or target. */
  targetKind: string;
  /** What was done, as a user would type it. */
  action: string;
  /** node-drain, node-crash: the node. */
  node?: string;
  seconds: number;
  /** Seconds from the operation's start until the cluster served from a full new set again; null when it did not within the bound. */
  operationSeconds: number | null;
  usersPerCell: number;
  userRate: number;
  events: ScenarioEvent[];
  replicasBefore: string[];
  replicasAfter: string[];
  /** Swarm: app tasks per node before and after. */
  tasksPerNodeBefore?: Record<string, number>;
  tasksPerNodeAfter?: Record<string, number>;
  cells: ReplacementCellResult[];
  /** What did not go as planned (a bound reached, a step that failed), in words. */
  notes: string[];
}

/** Where a swarm run's numbers come from: the nodes as the swarm describes them. */
export interface SwarmSettings {
  stack: string;
  nodes: { hostname: string; role: string; availability: string; state: string; address: string; cpus: number; memoryBytes: number; engine: string; self: boolean }[];
  /** Every node reports this machine's CPU count and memory: most likely namespaces of one machine (as on the development pair). */
  nodesLookLikeThisMachine: boolean;
}

export interface MemoryModeResult {
  mode: string;
  users: number;
  heapBeforeBytes: number;
  heapAfterBytes: number;
  bytesPerUser: number;
  /** Logins refused by admission control (503 login_overloaded) and retried during the measured batch. */
  loginsRefused?: number;
  /** Noise per measured user: two heap readings with nothing in between, or the rounds' disagreement when larger. */
  noiseBytesPerUser?: number | null;
  /** Growth of Redis used_memory per user, when the bench could read it. */
  redisBytesPerUser: number | null;
}

export interface MemoryResult {
  replica: string;
  /** How the bench reached the replica: straight, or through the proxy's admin-token direct route. */
  via?: 'direct' | 'proxy';
  /** Logins per second measured on the replica at the start; the batch size follows from it. */
  loginsPerSecond?: number;
  /** How heap was sampled: GC forced by the replica, or median of samples after a pause. */
  gc: 'forced' | 'not forced';
  modes: MemoryModeResult[];
}

export interface RevocationModeResult {
  mode: string;
  strategy: string;
  okBeforeLogout: boolean;
  logoutStatus: number;
  probes: number;
  okAfterLogout: number;
  /** ms from the logout to the first 401; null when it was never refused in the window. */
  firstRefusedAfterMs: number | null;
  /** For a JWT: when the server says the token stops working. */
  validUntil: string | null;
  /** Redis commands per probe (INFO commandstats around the probes); null when the bench cannot reach Redis. */
  redisCommandsPerRequest?: number | null;
}

export interface RevocationResult {
  probeSeconds: number;
  modes: RevocationModeResult[];
}

/** One part's CPU during a scaling point's measured window (cgroup accounting). */
export interface ScalingPartUse {
  /** proxy, redis, app1..app4 (serving ones), docker-proxy, load generator. */
  part: string;
  cpuSeconds: number;
  cores: number;
  cpuMsPerRequest: number | null;
  quotaCores: number | null;
  /** Share of CFS periods throttled; null without a quota. */
  throttledShare: number | null;
}

export interface ScalingPoint {
  mode: string;
  strategy: string;
  replicas: number;
  users: number;
  /** Wall seconds of the measured window. */
  seconds: number;
  okPerSec: number;
  /** Responses in the window (ok, logouts, errors, logins, other). */
  requests: number;
  counts: Counts;
  errorRate: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Responses per replica over the whole cell (warm-up included). */
  shares: Record<string, number>;
  redisCommandsPerRequest: number | null;
  /** CPU seconds of redis-server itself in the window (INFO cpu), without the probes that share its container. */
  redisServerCpuSeconds: number | null;
  parts: ScalingPartUse[];
  /** Parts at their limit: quota throttled ≥ half the periods, or ≥ 90 % of a core without one. */
  limits: string[];
  /** Every serving replica, and no other part, at its limit: the point the model describes. */
  replicasLimit: boolean;
  limitNote: string;
  loadAverage1: number;
  /** The whole cell's counts, warm-up included. */
  totals: Counts;
}

export interface ScalingModeModel {
  mode: string;
  /** Parameters: CPU seconds per request of each part at N = 1, and the cores one instance may use. */
  parts: { part: string; cpuSecondsPerRequest: number; coresPerInstance: number | null; scalesWithReplicas: boolean }[];
  hostCores: number;
  predictions: { replicas: number; okPerSec: number; limit: string }[];
  checks: { replicas: number; measured: number; predicted: number; error: number; replicasLimit: boolean }[];
  /** Mean |error| over the measured N ≥ 2 points; null when only N = 1 was measured. */
  meanAbsError: number | null;
  /** The same over the N ≥ 2 points the replicas limited (the others measured the host or a shared part); null when none. */
  meanAbsErrorReplicasLimit: number | null;
  /** Least-squares slope of the measured ok req/s per added replica. */
  slope: number | null;
}

export interface ScalingPaper {
  loggedInUsers: number;
  requestsPerUserPerSec: number;
  servers: number;
  coresPerServer: number;
  redisCommandsPerCoreSec: number | null;
  /** Per mode: the measured inputs, then the model's answer. */
  modes: ({ mode: string; redisCommandsPerRequest: number; redisBytesPerUser: number; replicaRequestsPerCoreSec: number } & PaperResult)[];
}

export interface ScalingResult {
  replicaQuotaCores: number;
  proxyQuotaCores: number | null;
  redisQuotaCores: number | null;
  usersPerReplica: number;
  cellSeconds: number;
  warmSeconds: number;
  /** Seconds of each mode's load on all four replicas before the first point. */
  warmAllSeconds: number;
  budgetCores: number;
  hostCores: number;
  /** How each part's CPU was read. */
  accounting: string;
  loadAverage: { start: number[]; end: number[] };
  /** Redis per user after its logins: keys and MEMORY USAGE bytes of per-user state (sessions, refresh families, denylists). */
  logins: { mode: string; users: number; attempts: number; refusedOrFailed: number; seconds: number; redisKeysPerUser: number | null; redisBytesPerUser: number | null }[];
  points: ScalingPoint[];
  skipped: { mode: string; replicas: number; reason: string }[];
  models: ScalingModeModel[];
  /** Where the shared parts saturate: Redis commands/s per core (measured), requests/s per core of proxy, replica, generator per mode. */
  shared: {
    redisCommandsPerCoreSec: number | null;
    perMode: { mode: string; proxyRequestsPerCoreSec: number | null; replicaRequestsPerCoreSec: number | null; generatorRequestsPerCoreSec: number | null }[];
  };
  /** Model, not measurement: the seed's "100 servers" from the measured costs. */
  paper: ScalingPaper;
}

/** One mode at one delay of the distance scenario. */
export interface DistanceModeResult {
  mode: string;
  /** Closed loop at fixed concurrency: authenticated 2xx answers per second. */
  okPerSec: number;
  /** At the fixed rate (below saturation, so queueing does not hide the round trip): latency of every answer. */
  latencyP50Ms: number;
  latencyP99Ms: number;
  /**
   * p50 here less p50 at 0 ms through the injector, both from the same fixed-rate cells (the delay
   * alternates with 0 ms in short phases, so both halves meet the same background load); null at 0 ms.
   */
  addedP50Ms: number | null;
  /** Redis commands per request in the closed-loop cell (INFO commandstats); null when Redis was not reachable. */
  redisCommandsPerRequest: number | null;
  /** Errors and logouts in both cells: a delay must slow requests down, not fail them. */
  errors: number;
  logouts: number;
  /** Step by step, one user at a time: median ms of a login, a /me and a logout. */
  steps: { loginP50Ms: number | null; meP50Ms: number | null; logoutP50Ms: number | null };
}

export interface DistancePoint {
  /** Which path was delayed: replicas→Redis, or proxy→replicas. */
  axis: 'redis' | 'replicas';
  /** The round trip asked of the injector (ms). */
  nominalRttMs: number;
  /** Timed through the injector (PINGs to Redis, GET /health to a replica) and straight to the target: medians. */
  throughRttMs: number | null;
  directRttMs: number | null;
  /** throughRttMs - directRttMs: the round trip the injector really added (timers overshoot a little). */
  measuredAddedRttMs: number | null;
  modes: DistanceModeResult[];
}

/** The price of distance for one mode on one axis: the least-squares slope over the sweep. */
export interface DistancePrice {
  axis: 'redis' | 'replicas';
  mode: string;
  /** ms of p50 per ms of measured added round trip: about the round trips a request waits for in sequence. */
  p50MsPerMs: number | null;
  /** ok req/s at the largest delay / at 0 ms (through the injector). */
  okPerSecRatioAtMax: number | null;
  /** p50 at the point nearest 1 ms nominal, less p50 at 0 ms: what a team should expect at 1 ms. */
  addedP50AtOneMs: number | null;
}

export interface DistanceResult {
  strategy: string;
  connections: number;
  /** Requests per second offered in each fixed-rate cell (users × per-user rate). */
  fixedRate: number;
  /** Seconds of each closed-loop and each fixed-rate measurement, summed over its rounds. */
  secondsPerCell: number;
  /** The sweep ran this many times, each in a rotated order; a point pools its rounds. */
  rounds?: number;
  /** Login → /me → logout walks per (path, delay, mode), all rounds (fewer than planned when logins are costly). */
  walks: number;
  /** Walks planned per (path, delay, mode); absent in older results. */
  walksPlanned?: number;
  /** Median login time over every walk (what decided the number of walks). */
  loginP50Ms?: number | null;
  /** How the nominal round trip is laid out: all of it on the request path, none on the answer path (see docs/distance.md). */
  delayLayout: string;
  /** Replica settings the sweep ran with (they change what a round trip costs). */
  replicaSettings: { autoPipelining: string; sessionTouch: string };
  points: DistancePoint[];
  prices: DistancePrice[];
}

export interface PublishedPortRun {
  requestsPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  errors: number;
}

/** /health through the compose stack's published port against a local cluster, same run (--compose only). */
export interface PublishedPortResult {
  composeUrl: string;
  localUrl: string;
  seconds: number;
  rounds: number;
  connections: number;
  compose: PublishedPortRun;
  local: PublishedPortRun;
  runs: { compose: PublishedPortRun[]; local: PublishedPortRun[] };
  /** compose req/s ÷ local req/s. */
  ratio: number | null;
}

/** /health through one balancer's round-robin frontend, its rounds pooled (the balancers scenario). */
export interface BalancerThroughput {
  balancer: string;
  requestsPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  errors: number;
  /** CPU of the balancer's own processes (workers included) per answered request; null when the bench cannot see them. */
  cpuMicrosPerRequest: number | null;
  /** req/s of each round, in the order the rounds ran. */
  perRound: number[];
}

/** The proxy, HAProxy and nginx in front of the same replicas, measured in one run. */
export interface BalancersResult {
  balancers: { name: string; frontends: { port: number; strategy: string; url: string }[]; cpuCounts: string }[];
  health: { connections: number; secondsPerRound: number; rounds: number; cells: BalancerThroughput[] };
  /** Memory and JWT users behind every balancer × strategy at once, one replica killed (then started), then paused (then unpaused). */
  killReplica: FaultScenarioResult;
  pauseReplica: FaultScenarioResult;
}

export interface BenchSettings {
  target: string;
  /** The balancer the scenarios went through (--lb; absent in results from before it existed: the proxy). */
  balancer?: string;
  localCluster: boolean;
  /** own cluster, docker compose, or target (--target). */
  targetKind?: TargetKind;
  replicas: string[];
  frontends: { port: number; strategy: string; url: string }[];
  versions: Record<string, string>;
  passwordHashCost: string;
  sessionTouch: string;
  /** REDIS_AUTO_PIPELINING of the replicas, as the bench set it (absent in older results). */
  redisAutoPipelining?: string;
  redisPersistence: boolean;
  /** What the replicas' Redis reports (INFO persistence aof_enabled), read at run time. */
  redisAppendonly?: string;
  /** Each replica's GET /settings at the start of the run. */
  replicaSettings?: { replica: string; passwordHashCost: number | null; sessionTouch: string | null; redisAppendonly: boolean | null }[];
  quick: boolean;
  connections: number;
  cellSeconds: number;
  fault: { beforeSeconds: number; faultSeconds: number; afterSeconds: number; usersPerCell: number; userRate: number };
  memoryUsers: number;
  cpus: number;
  platform: string;
  /** --swarm: the stack and its nodes. */
  swarm?: SwarmSettings;
  /** 1-minute load average when the run began and ended (absolute figures drift with it on shared cores). */
  loadAverage?: { atStart: number; atEnd: number };
}

export type VerdictValue = 'holds' | 'does not hold' | 'holds with caveat' | 'not measured';

export interface Verdict {
  claim: number;
  text: string;
  verdict: VerdictValue;
  /** The measured numbers behind the verdict, as sentences. */
  evidence: string[];
  /** The documented threshold the verdict applied. */
  rule: string;
}

/** Latencies of one probe during the login storm (successful answers; failures counted). */
export interface ProbeLatency {
  count: number;
  failed: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

/** CPU of each replica (percent of one core) over a window after the last storm client left. */
export interface CpuWindow {
  fromMs: number;
  toMs: number;
  percent: Record<string, number>;
}

/** login-storm: many impatient logins at the target's hash cost; what they cost and who suffers. */
export interface LoginStormResult {
  /** The replicas' own authscale_password_hash_cost (null when they do not report it). */
  hashCost: number | null;
  clients: number;
  stormSeconds: number;
  clientTimeoutMs: number;
  /** CPU (ms, summed over replicas, idle subtracted) of one login, from sequential logins before the storm. */
  loginCpuMs: number | null;
  loginCpuSamples: number;
  /** Client-side outcomes of the storm's login attempts. */
  logins: { ok: number; refused: number; abandoned: number; throttled: number; errors: number };
  /** The replicas' own counters over the storm (null when they do not report them). */
  replicaCounters: { refused: number; abandonedClientGone: number; abandonedQueueTimeout: number } | null;
  probes: { health: ProbeLatency; me: ProbeLatency };
  /** p99 of the bench's main event-loop delay during the storm (the probes run in processes of their own). */
  benchLoopDelayP99Ms: number;
  cpuDuringStorm: Record<string, number>;
  /** 500 ms windows from the moment the last client left. */
  cpuAfter: CpuWindow[];
  /** Every replica's CPU over [2 s, 3 s] after the last client left (the target: < 5 %). */
  cpuAt2s: Record<string, number> | null;
  /** When every replica stayed under 5 % from (ms after the last client left); null if not within the watch. */
  quietAfterMs: number | null;
  loadAverage: { before: number[]; after: number[] };
}

export interface BenchResults {
  schema: 1;
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  settings: BenchSettings;
  scenarios: {
    throughput?: ThroughputResult;
    killReplica?: FaultScenarioResult;
    killRedis?: FaultScenarioResult[];
    pauseReplica?: FaultScenarioResult;
    scaleOut?: ScaleOutResult;
    memory?: MemoryResult;
    revocation?: RevocationResult;
    /** Docker's own cost (--compose): not one of the seven scenarios and not judged. */
    publishedPort?: PublishedPortResult;
    loginStorm?: LoginStormResult;
    failoverRedis?: FailoverRedisResult;
    distance?: DistanceResult;
    balancers?: BalancersResult;
    rollingDeploy?: ReplacementScenarioResult;
    nodeDrain?: ReplacementScenarioResult;
    nodeCrash?: ReplacementScenarioResult;
    /** Evidence only (run by name, never by `all`): ok req/s against replica count. */
    scaling?: ScalingResult;
  };
  /** Wall-clock seconds each scenario took (waits for the cluster to recover included). */
  scenarioSeconds: Record<string, number>;
  /** Things that make figures of this run doubtful (e.g. the services were rebuilt mid-run). */
  warnings: string[];
  /** Scenarios asked for that could not run, and why (e.g. no fault command given). */
  skipped: { scenario: string; reason: string }[];
  verdicts: Verdict[];
}

export function emptyCounts(): Counts {
  return { ok: 0, logouts: 0, errors: 0, logins: 0, other: 0, refused: 0 };
}
