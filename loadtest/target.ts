import { spawn } from 'node:child_process';
import type { LoadBalancerName } from '../common/vocabulary';

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
  lastCheck?: { at: string; ok: boolean } | null;
}

export interface ProxyStatus {
  upstreams: UpstreamStatus[];
  frontends: { port: number; strategy: string }[];
  control?: 'local' | null;
}

export type FaultVerb = 'kill' | 'start' | 'stop' | 'pause' | 'unpause';

export interface FaultActions {
  /** Why `verb` on `service` cannot be done here, or undefined when it can. */
  unavailable(service: string, verb: FaultVerb): string | undefined;
  run(service: string, verb: FaultVerb): Promise<void>;
}

export interface BenchTarget {
  url: string;
  local: boolean;
  /** The frontends every scenario goes through: the chosen balancer's (--lb). */
  frontends: Frontend[];
  /** The balancer those frontends belong to. */
  balancer: LoadBalancerName;
  /** Every balancer in front of the replicas (the proxy always; HAProxy and nginx when they run): the `balancers` scenario. */
  balancers: BalancerAccess[];
  adminToken: string;
  redisUrl?: string;
  /** An INFO section of the target's Redis when the bench cannot connect to it (e.g. through docker compose exec). */
  redisInfo?(section: 'commandstats' | 'memory'): Promise<string | undefined>;
  /** The latency injector's control API, when the target has one in its paths (distance scenario). */
  latencyControlUrl?: string;
  faults: FaultActions;
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

export function runShell(command: string, timeoutMs = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-2000); });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => { clearTimeout(timer); reject(error); });
    child.on('exit', (code, signal) => {
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
    frontends,
    balancer: 'node',
    // A cluster reached by URL: the bench cannot see its processes, and knows only the proxy's frontends.
    balancers: [{ name: 'node', frontends, cpuMicros: async () => undefined, cpuCounts: 'not visible from the bench' }],
    adminToken: options.adminToken,
    faults: shellFaults(options.commands, relay ?? noFaults),
    status: () => fetchProxyStatus(options.url),
    close: async () => undefined,
  };
}
