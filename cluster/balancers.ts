import { portOf, type PortRange } from '../common/ports';
import { STRATEGIES, type ExternalBalancerName, type LoadBalancerName, type StrategyName } from '../common/vocabulary';

/**
 * HAProxy and nginx in front of the same replicas as the Node proxy (docs/proxy.md, "HAProxy and
 * nginx"): which ports their frontends take, and what a generated config is made from. The configs
 * themselves are pure functions of a BalancerConfigInput (haproxy-config.ts, nginx-config.ts), so
 * the local launcher (127.0.0.1, ports from the port base) and compose (service names, committed
 * files under balancers/) render the same thing from different values.
 */

/** Each balancer's three frontends, one per strategy, in the ports table's order. */
const FRONTEND_RANGE: Readonly<Record<LoadBalancerName, PortRange>> = {
  node: 'frontends',
  haproxy: 'haproxyFrontends',
  nginx: 'nginxFrontends',
};

export interface BalancerFrontend {
  readonly port: number;
  readonly strategy: StrategyName;
}

/** The frontends of one balancer for a cluster at `portBase` (node: +0..2, haproxy: +3..5, nginx: +6..8). */
export function balancerFrontends(balancer: LoadBalancerName, portBase: number): BalancerFrontend[] {
  return STRATEGIES.map((strategy, i) => ({ port: portOf(portBase, FRONTEND_RANGE[balancer], i), strategy }));
}

export interface BalancedReplica {
  readonly id: string;
  readonly host: string;
  readonly port: number;
}

export interface BalancerConfigInput {
  /** Address the frontends bind (127.0.0.1 locally, 0.0.0.0 in a container). */
  readonly bind: string;
  readonly frontends: readonly BalancerFrontend[];
  readonly replicas: readonly BalancedReplica[];
  /**
   * The bench's client-address key (common/client-address.ts), or where to read it: HAProxy expands
   * `${VAR}` from its environment; nginx cannot, so compose gives it a file to include.
   */
  readonly clientKey: { value: string } | { env: string } | { include: string };
  /** HAProxy's cookie value per replica (common/balancing.ts affinityValue), or the environment variable holding it. */
  readonly affinity?: { values: Readonly<Record<string, string>> } | { envPrefix: string };
  /** nginx: read the server list from this file (compose: the entry writes the replicas that resolve). */
  readonly serversInclude?: string;
  /** HAProxy in compose: resolve replica names at run time (a replica not started yet has no address). */
  readonly dnsResolver?: string;
  /**
   * The Node proxy: the routes it serves itself (/_proxy/*, /_dashboard) go to it from every
   * balancer frontend, so the dashboard opened on an HAProxy or nginx port drives that balancer.
   */
  readonly proxy: { host: string; port: number };
  /** Where nginx keeps its pid and temporary files. */
  readonly stateDir: string;
}

/** The environment variable of one replica's HAProxy cookie value (compose): AUTHSCALE_AFFINITY_APP1. */
export function affinityEnvName(prefix: string, id: string): string {
  return `${prefix}${id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** Values written into a config file: base64url tokens only, so nothing needs escaping. */
export function plainToken(value: string, what: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(value)) throw new Error(`${what} must be base64url characters, got ${JSON.stringify(value)}`);
  return value;
}

/** What each external balancer's config is called, and where the committed (compose) copy lives. */
export const BALANCER_FILES: Readonly<Record<ExternalBalancerName, string>> = {
  haproxy: 'balancers/haproxy.cfg',
  nginx: 'balancers/nginx.conf',
};

/** Paths the Node proxy answers itself (proxy/routes/internal.ts): every balancer sends them to it. */
export const PROXY_ROUTES: readonly string[] = Object.freeze(['/_proxy/', '/_dashboard']);

/** Upstream and frontend names in the generated configs: one per strategy. */
export function strategyKey(strategy: StrategyName): string {
  return strategy.replace(/-/g, '_');
}
