import { startCluster, type RunningCluster, type Verb } from '../cluster/launcher';
import type { BenchTarget, FaultActions } from './target';
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
  });
  return clusterTarget(cluster);
}

/** A running local cluster as the bench's target (faults through the launcher itself). */
export function clusterTarget(cluster: RunningCluster): BenchTarget {
  const url = cluster.frontends[0].url;
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
    frontends: cluster.frontends,
    adminToken: cluster.adminToken,
    redisUrl: cluster.redisUrl,
    latencyControlUrl: cluster.latency?.controlUrl,
    faults,
    collectGarbage: (replica) => cluster.act(replica, 'kill', 'SIGUSR2'),
    status: () => fetchProxyStatus(url),
    close: () => cluster.close(),
  };
}
