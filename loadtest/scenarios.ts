/**
 * The scenarios, as data: what each one is, which claims it informs, and how long it runs
 * in a full and in a `--quick` run. Runners live in scenarios/; the CLI lists names from here.
 */
export const SCENARIO_NAMES = Object.freeze([
  'throughput', 'kill-replica', 'kill-redis', 'pause-replica', 'scale-out', 'memory', 'revocation',
] as const);
/**
 * Extra scenarios, run only by name: evidence beside the claims, never part of `all` or `--quick`.
 * `distance` also runs alone: it puts a latency injector in the cluster's paths.
 */
export const EXTRA_SCENARIO_NAMES = Object.freeze(['login-storm', 'failover-redis', 'distance', 'scaling', 'rolling-deploy', 'node-drain', 'node-crash', 'balancers'] as const);
/** failover-redis's variants, by the names `--variants` takes (docs/redis-ha.md). */
export const FAILOVER_VARIANT_IDS = Object.freeze(['ha', 'ha-cut-off', 'ha-wait', 'single-aof', 'single-no-aof'] as const);
export type FailoverVariantId = (typeof FAILOVER_VARIANT_IDS)[number];
export type ScenarioName = (typeof SCENARIO_NAMES)[number] | (typeof EXTRA_SCENARIO_NAMES)[number];

export interface ScenarioTiming {
  /** Seconds of load per throughput cell, split over `throughputRounds` rounds of the matrix. */
  readonly cellSeconds: number;
  readonly throughputRounds: number;
  /** Fault scenarios: seconds before the fault, while it lasts, and after recovery. */
  readonly beforeSeconds: number;
  readonly faultSeconds: number;
  readonly afterSeconds: number;
  /** Users (connections) per cell in fault scenarios, and each user's request rate. */
  readonly faultUsersPerCell: number;
  readonly faultUserRate: number;
  /** memory: logins per measured batch (after an equal warm-up batch) per mode; revocation: seconds a logged-out credential is probed. */
  readonly memoryUsers: number;
  /** memory: seconds one batch of logins should take; its size follows from the login cost measured at the start (capped by memoryUsers). */
  readonly memoryBatchSeconds: number;
  readonly revocationSeconds: number;
  /** login-storm: concurrent impatient clients and how long they keep trying. */
  readonly stormClients: number;
  readonly stormSeconds: number;
  /** distance: seconds of each closed-loop and each fixed-rate cell (over its rounds), and login/me/logout walks per mode and delay. */
  readonly distanceSeconds: number;
  readonly distanceRounds: number;
  readonly distanceWalks: number;
}

export const FULL_TIMING: ScenarioTiming = Object.freeze({
  cellSeconds: 10, throughputRounds: 2, beforeSeconds: 5, faultSeconds: 8, afterSeconds: 7,
  faultUsersPerCell: 12, faultUserRate: 5, memoryUsers: 4000, memoryBatchSeconds: 40, revocationSeconds: 10, stormClients: 300, stormSeconds: 10,
  distanceSeconds: 4, distanceRounds: 2, distanceWalks: 20,
});

export const QUICK_TIMING: ScenarioTiming = Object.freeze({
  cellSeconds: 3, throughputRounds: 1, beforeSeconds: 3, faultSeconds: 5, afterSeconds: 4,
  faultUsersPerCell: 9, faultUserRate: 4, memoryUsers: 1000, memoryBatchSeconds: 8, revocationSeconds: 3, stormClients: 300, stormSeconds: 6,
  distanceSeconds: 2, distanceRounds: 1, distanceWalks: 10,
});

export const SCENARIO_DESCRIPTIONS: Readonly<Record<ScenarioName, string>> = Object.freeze({
  throughput: 'each mode × strategy alone at full load, plus a no-auth /health baseline per strategy',
  'kill-replica': 'users of every mode × strategy at once; SIGKILL one replica, later start it',
  'kill-redis': 'the same with Redis killed and restarted',
  'pause-replica': 'SIGSTOP one replica (hung, not dead), later SIGCONT',
  'scale-out': 'add app4 under load; who moves, and who is logged out by the move',
  memory: 'heap growth per logged-in user on one replica, per mode',
  revocation: 'how long a logged-out credential keeps working, per mode',
  'login-storm': 'extra, by name only: hundreds of logins at the target\'s hash cost, clients giving up after 3 s; /health and /me latency meanwhile, replica CPU after',
  'failover-redis': 'extra, by name only: kill the Redis primary under load; Sentinel failover vs single Redis restarted (AOF on/off), sessions lost, WAIT price',
  balancers: 'extra, by name only: the proxy, HAProxy and nginx in front of the same replicas in one run; /health throughput and CPU per request of each, then memory and JWT users behind each balancer × strategy while a replica is killed, then paused',
  'rolling-deploy': 'extra, by name only: every replica restarted in turn under load (graceful stop, start, admitted; swarm: docker service update --force); logouts, errors and users moved per mode',
  'node-drain': 'extra, by name only, --swarm: docker node update --availability drain on a second node under load; its tasks move',
  'node-crash': 'extra, by name only, --swarm: a second node\'s engine stopped the way a crash does (--crash-node), swarm replaces its tasks, then --restore-node',
  distance: 'extra, by name only and alone: added round trips (0, 1, 2, 5 ms) replicas→Redis and proxy→replicas through a latency injector; throughput, p50/p99 and login/me/logout per mode',
  scaling: 'extra, by name only: ok req/s and CPU per request per part for N = 1..4 CPU-quota replicas against a capacity model (docker targets)',
});
