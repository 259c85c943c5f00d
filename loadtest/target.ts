import { spawn } from 'node:child_process';
import type { LoadBalancerName } from '../common/vocabulary';
import type { ContainerAccess } from './containers';

/**
 * What the bench drives: the frontends (found from /_proxy/status), the replicas behind them,
 * and how to inflict a fault. Faults come from the local launcher, from its control API relayed
 * by the proxy (`control: "local"`), or from shell commands the user gives (docker compose).
 */
export interface Frontend {
  port: number;
  strategy: string;
  url: string;
  /** Which balancer serves it (node when absent: the proxy). */
  balancer?: LoadBalancerName;
}

/** One balancer of the target, for the side-by-side scenario: its frontends and the CPU time of its processes. */
export interface BalancerAccess {
  name: LoadBalancerName;
  frontends: Frontend[];
  /** CPU µs used so far by the balancer's processes (with their workers); undefined when this machine cannot see them. */
  cpuMicros(): Promise<number | undefined>;
  /** What that CPU figure counts, for the report. */
  cpuCounts: string;
}

export interface UpstreamStatus {
  id: string;
  url: string;
  healthy: boolean;
  /** Leaving the pool (discovery saw it vanish): no new requests. */
  draining?: boolean;
  lastCheck?: { at: string; ok: boolean } | null;
}

export interface ProxyStatus {
  upstreams: UpstreamStatus[];
  frontends: { port: number; strategy: string }[];
  control?: 'local' | null;
  /** No replica passes its checks: the proxy routes across every reachable one (docs/proxy.md, panic routing). */
  panic?: boolean;
}

/**
 * What a fault does to a service; drain/activate and crash/restore act on a swarm node;
 * isolate/rejoin on a Redis replica's replication link (docker compose with docker-compose.ha.yml).
 */
export type FaultVerb = 'kill' | 'start' | 'stop' | 'pause' | 'unpause' | 'drain' | 'activate' | 'crash' | 'restore' | 'isolate' | 'rejoin';

/** The verbs that act on a swarm node rather than on a service. */
export const NODE_VERBS: readonly FaultVerb[] = Object.freeze(['drain', 'activate', 'crash', 'restore']);

/** The verbs on a Redis replica's replication link: refused while it keeps answering everyone else, and let back in. */
export const LINK_VERBS: readonly FaultVerb[] = Object.freeze(['isolate', 'rejoin']);

export interface FaultActions {
  /** Why `verb` on `service` cannot be done here, or undefined when it can. */
  unavailable(service: string, verb: FaultVerb): string | undefined;
  run(service: string, verb: FaultVerb): Promise<void>;
  /** How the target says what `verb` on `service` does (e.g. the swarm's `docker service scale h14_app=4`); default "verb service". */
  describe?(service: string, verb: FaultVerb): string;
}

/** A swarm node as `docker node inspect` describes it. */
export interface SwarmNode {
  id: string;
  hostname: string;
  role: string;
  availability: string;
  state: string;
  address: string;
  cpus: number;
  memoryBytes: number;
  engine: string;
  /** The node whose engine the bench talks to (and where the proxy's ports are). */
  self: boolean;
}

/** A task of the app service that swarm wants running. */
export interface SwarmTask {
  id: string;
  /** e.g. h14_app.2 */
  name: string;
  node: string;
  /** e.g. "Running 3 minutes ago", "Starting 2 seconds ago" */
  state: string;
}

export interface SwarmControl {
  stack: string;
  /** `<stack>_app` */
  appService: string;
  /** The app tasks' count when the bench connected (scale-out returns to it). */
  replicas: number;
  /** The node node-drain and node-crash act on (--node, else a worker running app tasks); undefined on a one-node swarm. */
  node: string | undefined;
  nodes(): Promise<SwarmNode[]>;
  appTasks(): Promise<SwarmTask[]>;
  /** `docker service update --force` of the app service, until it has converged. */
  rollingUpdate(): Promise<void>;
  /** The command a user would type for it. */
  readonly rollingUpdateCommand: string;
}

export type TargetKind = 'own cluster' | 'docker compose' | 'docker swarm' | 'target';

export interface BenchTarget {
  url: string;
  local: boolean;
  /** What the bench drives: its own cluster, a compose stack, a swarm stack, or --target. */
  kind: TargetKind;
  /** The frontends every scenario goes through: the chosen balancer's (--lb). */
  frontends: Frontend[];
  /** The balancer those frontends belong to. */
  balancer: LoadBalancerName;
  /** Every balancer in front of the replicas (the proxy always; HAProxy and nginx when they run): the `balancers` scenario. */
  balancers: BalancerAccess[];
  adminToken: string;
  redisUrl?: string;
  /** An INFO section of the target's Redis when the bench cannot connect to it (e.g. through docker compose exec). */
  redisInfo?(section: 'commandstats' | 'memory' | 'cpu'): Promise<string | undefined>;
  /** The latency injector's control API, when the target has one in its paths (distance scenario). */
  latencyControlUrl?: string;
  faults: FaultActions;
  /** A docker swarm stack (--swarm): its nodes, tasks and rolling update. */
  swarm?: SwarmControl;
  /** Replicas only through the proxy's direct route: their addresses are container addresses the bench never uses. */
  replicasThroughProxyOnly?: boolean;
  /** Docker targets only: the containers behind the services (cgroup CPU accounting, redis-cli). */
  containers?: ContainerAccess;
  /** Local cluster only: ask a replica to collect garbage (SIGUSR2, see gc-on-signal.ts). */
  collectGarbage?(replica: string): Promise<void>;
  status(): Promise<ProxyStatus>;
  close(): Promise<void>;
}

export async function fetchProxyStatus(url: string, timeoutMs = 3000): Promise<ProxyStatus> {
  const statusUrl = new URL('/_proxy/status', url);
  const response = await fetch(statusUrl, { signal: AbortSignal.timeout(timeoutMs) }).catch((error: Error & { cause?: { code?: string } }) => {
    throw new Error(`cannot reach the proxy at ${statusUrl.href} (${error.cause?.code ?? (error.cause as Error | undefined)?.message ?? error.message}): is the cluster up, and is --target one of its frontends?`);
  });
  if (!response.ok) throw new Error(`${url}/_proxy/status answered ${response.status}`);
  const body = (await response.json()) as Partial<ProxyStatus>;
  if (!Array.isArray(body.upstreams) || !Array.isArray(body.frontends)) {
    throw new Error(`${url}/_proxy/status is not a proxy status (no upstreams/frontends)`);
  }
  return body as ProxyStatus;
}

/** Frontend URLs on the target's host, from the ports the proxy reports (pure). */
export function frontendsFromStatus(targetUrl: string, status: ProxyStatus): Frontend[] {
  const base = new URL(targetUrl);
  return status.frontends.map((f) => ({ port: f.port, strategy: f.strategy, url: `${base.protocol}//${base.hostname}:${f.port}` }));
}

/**
 * A target without nodes (the bench's own cluster, a compose stack, --target): node verbs are refused
 * with the reason, everything else is left to `actions`.
 */
export function withoutNodes(actions: FaultActions, what: string): FaultActions {
  const why = `${what} has no swarm nodes to drain or crash (node-drain and node-crash run with --swarm)`;
  return {
    unavailable: (service, verb) => (NODE_VERBS.includes(verb) ? why : actions.unavailable(service, verb)),
    run: (service, verb) => (NODE_VERBS.includes(verb) ? Promise.reject(new Error(why)) : actions.run(service, verb)),
  };
}

/** Faults through the launcher's control API, relayed by the proxy at /_proxy/cluster/*. */
export function controlApiFaults(frontendUrl: string, adminToken: string): FaultActions {
  return {
    unavailable: () => undefined,
    async run(service, verb) {
      const url = new URL(`/_proxy/cluster/services/${encodeURIComponent(service)}/${verb}`, frontendUrl);
      const response = await fetch(url, { method: 'POST', headers: { Authorization: `Bearer ${adminToken}` }, signal: AbortSignal.timeout(30_000) });
      if (!response.ok) throw new Error(`control API: ${service} ${verb} answered ${response.status} ${await response.text()}`);
    },
  };
}

/** Shell commands per (service, verb), e.g. {"app2 kill": "docker compose kill app2"}; others fall back. */
export function shellFaults(commands: Readonly<Record<string, string>>, fallback?: FaultActions): FaultActions {
  const key = (service: string, verb: FaultVerb): string => `${service} ${verb}`;
  return {
    unavailable(service, verb) {
      if (commands[key(service, verb)]) return undefined;
      return fallback
        ? fallback.unavailable(service, verb)
        : `no command for "${verb} ${service}" (give it with the matching --kill/--restart/--kill-redis/--restart-redis/--pause/--unpause/--start-app4 option)`;
    },
    async run(service, verb) {
      const command = commands[key(service, verb)];
      if (command) return runShell(command);
      if (!fallback) throw new Error(`no command for ${verb} ${service}`);
      return fallback.run(service, verb);
    },
  };
}

export function runShell(command: string, timeoutMs = 60_000, env?: Readonly<Record<string, string>>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { stdio: ['ignore', 'ignore', 'pipe'], ...(env ? { env: { ...process.env, ...env } } : {}) });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-2000); });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => { clearTimeout(timer); reject(error); });
    // 'close', not 'exit': only then has stderr been read to its end (under load 'exit' came first
    // and the message lost its reason).
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`\`${command}\` failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`));
    });
  });
}

/** A target that is already running (docker compose, or `npm start`): nothing to close. */
export async function connectTarget(options: {
  url: string;
  adminToken: string;
  commands: Readonly<Record<string, string>>;
}): Promise<BenchTarget> {
  const status = await fetchProxyStatus(options.url);
  const frontends = frontendsFromStatus(options.url, status);
  const relay = status.control === 'local' ? controlApiFaults(frontends[0].url, options.adminToken) : undefined;
  const noFaults: FaultActions = {
    unavailable: (service, verb) => `the target has no control API (/_proxy/status control: null) and no command was given for "${verb} ${service}"`,
    run: () => Promise.reject(new Error('no fault action available')),
  };
  return {
    url: options.url,
    local: false,
    kind: 'target',
    frontends,
    balancer: 'node',
    // A cluster reached by URL: the bench cannot see its processes, and knows only the proxy's frontends.
    balancers: [{ name: 'node', frontends, cpuMicros: async () => undefined, cpuCounts: 'not visible from the bench' }],
    adminToken: options.adminToken,
    faults: withoutNodes(shellFaults(options.commands, relay ?? noFaults), 'a --target cluster'),
    status: () => fetchProxyStatus(options.url),
    close: async () => undefined,
  };
}
