import { startCluster, type RunningCluster, type Verb } from '../cluster/launcher';
import { cpuMicros } from '../common/process-cpu';
import type { ExternalBalancerName, LoadBalancerName } from '../common/vocabulary';
import type { BalancerAccess, BenchTarget, FaultActions } from './target';
import { LINK_VERBS, fetchProxyStatus, withoutNodes } from './target';

/**
 * A local cluster started by the bench on its own port base (so it never clashes with a running
 * `npm start`), with the replica settings the run records (password-hash cost, touch policy).
 */
export interface LocalTargetOptions {
  portBase: number;
  appEnv: Record<string, string>;
  redisAppendonly: boolean;
  logs: 'silent' | 'inherit';
  /** Put the latency injector on these paths (the distance scenario). */
  latency?: { paths: ('redis' | 'replicas')[] };
  /** HAProxy and/or nginx beside the proxy (--lb, the balancers scenario). */
  balancers?: ExternalBalancerName[];
  /** The balancer the scenarios go through. */
  lb?: LoadBalancerName;
}

export type StartCluster = typeof startCluster;

export async function startLocalTarget(options: LocalTargetOptions, start: StartCluster = startCluster): Promise<BenchTarget> {
  const cluster: RunningCluster = await start({
    portBase: options.portBase,
    redis: 'spawn',
    redisAppendonly: options.redisAppendonly,
    // --expose-gc: a replica collects garbage on SIGUSR2 (services/app/gc-on-signal.ts) for the memory scenario.
    env: { ...options.appEnv, NODE_OPTIONS: '--expose-gc' },
    logs: options.logs,
    ...(options.latency ? { latency: options.latency } : {}),
    balancers: options.balancers ?? [],
  });
  return clusterTarget(cluster, options.lb);
}

/** A running local cluster as the bench's target (faults through the launcher itself), through balancer `lb`. */
export function clusterTarget(cluster: RunningCluster, lb: LoadBalancerName = 'node'): BenchTarget {
  const url = cluster.frontends[0].url;
  const pidOf = async (service: string): Promise<number | undefined> => (await cluster.services()).find((s) => s.name === service)?.pid ?? undefined;
  const access = (name: LoadBalancerName, frontends: RunningCluster['frontends']): BalancerAccess => ({
    name,
    frontends: frontends.map((f) => ({ ...f, balancer: name })),
    cpuMicros: async () => {
      const pid = await pidOf(name === 'node' ? 'proxy' : name);
      return pid === undefined ? undefined : cpuMicros(pid);
    },
    cpuCounts: name === 'node' ? 'the proxy process' : name === 'haproxy' ? 'HAProxy\'s master and its worker (1 thread)' : 'nginx\'s master and its worker (1 process)',
  });
  const balancers = [access('node', cluster.frontends), ...cluster.balancers.map((b) => access(b.name, b.frontends))];
  const chosen = balancers.find((b) => b.name === lb);
  if (!chosen) throw new Error(`the cluster runs no ${lb} (balancers: ${balancers.map((b) => b.name).join(', ')})`);
  const faults: FaultActions = withoutNodes({
    unavailable: (_service, verb) => (LINK_VERBS.includes(verb) ? `${verb} is a docker compose fault (a Redis replica's replication link); the local launcher has no such verb` : undefined),
    run: (service, verb) => (LINK_VERBS.includes(verb)
      ? Promise.reject(new Error(`${verb} ${service}: not a local launcher verb`))
      : cluster.act(service, verb as Verb)),
  }, 'the bench\'s own cluster');
  return {
    url,
    local: true,
    kind: 'own cluster',
    frontends: chosen.frontends,
    balancer: lb,
    balancers,
    adminToken: cluster.adminToken,
    redisUrl: cluster.redisUrl,
    latencyControlUrl: cluster.latency?.controlUrl,
    faults,
    collectGarbage: (replica) => cluster.act(replica, 'kill', 'SIGUSR2'),
    status: () => fetchProxyStatus(url),
    close: () => cluster.close(),
  };
}
