/**
 * The shape of results.json: plain data, every figure measured in the run, plus the settings
 * it was measured under. Reports are pure functions of this object.
 */

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
  kind: 'fault' | 'recover' | 'scale';
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
  /** HA: ms from the kill until a Sentinel named the replica primary. */
  promotedAfterMs: number | null;
  /** Single: ms from the kill until redis-server, started again at once, answered PING. */
  restartedAfterMs: number | null;
  /** ms from the kill until every app replica answered /ready connected to a live primary; null when not within 20 s. */
  clientsFollowAfterMs: number | null;
  /** /redis users who logged in during the last seconds before the kill, each asked afterwards whether its session survived. */
  cohort: { users: number; survived: number; lost: number; unknown: number; failedLogins: number; lostLoginOffsetsMs: number[] };
  /** Closed-loop /redis logins on the fresh cluster (HA variants): what WAIT costs per login. */
  loginPrice: LoginPrice | null;
  modes: FailoverModeResult[];
  events: ScenarioEvent[];
  cells: FaultCellResult[];
}

export interface FailoverRedisResult {
  variants: FailoverVariantResult[];
  seconds: number;
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

export interface ScaleOutResult {
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
  walks: number;
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
  targetKind?: 'own cluster' | 'docker compose' | 'target';
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
  /** p99 of the bench process's own event-loop delay during the storm: part of every probe's latency. */
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
