/**
 * The words the parts share, each listed once: the app's auth modes, the proxy's strategies, the
 * launcher's verbs and the Redis keys. The proxy, launcher, bench and (checked by a unit test)
 * the dashboard read these lists, so adding a mode or a verb is one edit here.
 */

/** Path prefixes of the app's auth modes, e.g. POST /memory/login. */
export const AUTH_MODES = Object.freeze(['memory', 'redis', 'jwt', 'jwt-revocable'] as const);
export type AuthModeName = (typeof AUTH_MODES)[number];

/** Routing strategies of the proxy, one per frontend port. */
export const STRATEGIES = Object.freeze(['round-robin', 'sticky-cookie', 'hash-ip'] as const);
export type StrategyName = (typeof STRATEGIES)[number];

/**
 * Which balancer a client goes through: `node` is this repo's proxy; `haproxy` and `nginx` are the
 * Debian packages in front of the same replicas, their configs generated from the topology.
 */
export const LOAD_BALANCERS = Object.freeze(['node', 'haproxy', 'nginx'] as const);
export type LoadBalancerName = (typeof LOAD_BALANCERS)[number];
export type ExternalBalancerName = Exclude<LoadBalancerName, 'node'>;
export const EXTERNAL_BALANCERS: readonly ExternalBalancerName[] = Object.freeze(['haproxy', 'nginx'] as const);

/** What the launcher (and `docker compose`) can do to one service. */
export const CLUSTER_VERBS = Object.freeze(['kill', 'stop', 'start', 'restart', 'pause', 'unpause'] as const);
export type ClusterVerb = (typeof CLUSTER_VERBS)[number];

/** Key prefixes the replicas write in the shared Redis: what the bench counts and tests inspect. */
export const REDIS_KEY_PREFIXES = Object.freeze({
  /** express-session's sessions of /redis. */
  session: 'sess:',
  /** A refresh-token family (hash: current token, used tokens). */
  refreshFamily: 'authscale:refresh:',
  /** A revoked refresh family, kept until its last access token expires. */
  revokedFamily: 'authscale:revoked-family:',
  /** A revoked access token of /jwt-revocable, by jti. */
  deniedJti: 'authscale:denied-jti:',
  /** Failed-login counters of the login throttle. */
  loginFailures: 'login-fail:',
} as const);

export function isOneOf<T extends string>(list: readonly T[], value: string): value is T {
  return (list as readonly string[]).includes(value);
}
