import { AFFINITY_COOKIE, BALANCING, IDEMPOTENT_METHODS } from '../common/balancing';
import { CLIENT_ADDRESS_HEADER, CLIENT_KEY_HEADER } from '../common/client-address';
import { ERRORS } from '../common/errors';
import type { StrategyName } from '../common/vocabulary';
import { PROXY_ROUTES, affinityEnvName, plainToken, strategyKey, type BalancerConfigInput, type BalancedReplica } from './balancers';

/**
 * haproxy.cfg from the topology (HAProxy 2.6, Debian bookworm): three frontends, one per strategy,
 * over backends that copy the Node proxy's rules (docs/proxy.md):
 * - round-robin: `balance roundrobin`;
 * - sticky-cookie: `cookie lb insert indirect nocache`, each server's value the Node proxy's own
 *   HMAC of its id, so the two balancers read each other's cookies; a cookie naming a down server
 *   is re-dispatched (`option redispatch`) and re-set;
 * - hash-ip: `balance hash` of the client address with `hash-type consistent`;
 * - health: active `GET /health` every second, fall 2 / rise 2, plus passive ejection on a
 *   connection error (`observe layer4 … on-error mark-down`);
 * - retries: a refused connection on another server for any method (`retries`, `redispatch`); a
 *   reset or a timeout after sending, for idempotent methods only (`retry-on`, `disable-l7-retry`).
 */

const ms = (value: number): string => `${value}ms`;

function quoted(value: { value: string } | { env: string }, what: string): string {
  return 'value' in value ? `"${plainToken(value.value, what)}"` : `"\${${value.env}}"`;
}

function cookieValue(input: BalancerConfigInput, id: string): string {
  const affinity = input.affinity;
  if (!affinity) throw new Error('HAProxy needs an affinity value per replica');
  if ('values' in affinity) {
    const value = affinity.values[id];
    if (value === undefined) throw new Error(`no affinity value for ${id}`);
    return quoted({ value }, `the affinity value of ${id}`);
  }
  return quoted({ env: affinityEnvName(affinity.envPrefix, id) }, id);
}

function server(input: BalancerConfigInput, replica: BalancedReplica, withCookie: boolean): string {
  const resolve = input.dnsResolver ? ' resolvers docker resolve-prefer ipv4 init-addr last,libc,none' : '';
  return `  server ${replica.id} ${replica.host}:${replica.port}${withCookie ? ` cookie ${cookieValue(input, replica.id)}` : ''}${resolve}`;
}

const BALANCE: Readonly<Record<StrategyName, string[]>> = {
  'round-robin': ['  balance roundrobin'],
  'sticky-cookie': [
    '  # The cookie names a server; one naming a server that is down is re-dispatched and re-set.',
    '  balance roundrobin',
    `  cookie ${AFFINITY_COOKIE} insert indirect nocache httponly attr "SameSite=Lax"`,
  ],
  'hash-ip': [
    '  # Consistent hashing of the client address (the verified claim, else the peer): adding a server',
    '  # moves only the keys it now wins.',
    '  balance hash var(txn.client)',
    '  hash-type consistent sdbm avalanche',
  ],
};

/** One JSON error body per status HAProxy answers itself, in the catalogue's shape (docs/errors.md). */
function httpError(status: number, code: keyof typeof ERRORS): string {
  const body = JSON.stringify({ error: code, message: ERRORS[code].message });
  return `  http-error status ${status} content-type application/json string '${body}'`;
}

export function renderHaproxyConfig(input: BalancerConfigInput): string {
  const clientKey = input.clientKey;
  if ('include' in clientKey) throw new Error('HAProxy reads the client-address key from a value or its environment, not from a file');
  const key = quoted(clientKey, 'the client-address key');
  const idempotent = IDEMPOTENT_METHODS.join(' ');
  const frontends = input.frontends.flatMap((f) => [
    `frontend ${strategyKey(f.strategy)}`,
    `  bind ${input.bind}:${f.port}`,
    '  # The bench\'s keyed client-address claim (docs/security.md): believed only with the key, stripped either way.',
    `  acl claim_key req.hdr(${CLIENT_KEY_HEADER}) -m str ${key}`,
    `  http-request set-var(txn.client) req.hdr_ip(${CLIENT_ADDRESS_HEADER}) if claim_key`,
    '  http-request set-var(txn.client) src unless { var(txn.client) -m found }',
    `  http-request del-header ${CLIENT_ADDRESS_HEADER}`,
    `  http-request del-header ${CLIENT_KEY_HEADER}`,
    '  # Set, never appended: a client\'s own X-Forwarded-For is not believed.',
    '  http-request set-header X-Forwarded-For %[var(txn.client)]',
    '  http-request set-header X-Forwarded-Proto http',
    '  http-request set-header X-Forwarded-Host %[req.hdr(host)]',
    `  http-request disable-l7-retry unless { method ${idempotent} }`,
    '  # The proxy\'s own routes (status, dashboard, control relay) are answered by the Node proxy.',
    `  use_backend node_proxy if { path_beg ${PROXY_ROUTES.join(' ')} }`,
    `  default_backend ${strategyKey(f.strategy)}`,
    '',
  ]);
  const backends = input.frontends.flatMap((f) => [
    `backend ${strategyKey(f.strategy)}`,
    ...BALANCE[f.strategy],
    ...input.replicas.map((r) => server(input, r, f.strategy === 'sticky-cookie')),
    '',
  ]);
  return [
    'global',
    '  log stderr format raw local0 notice',
    '  # One thread, like the Node proxy\'s one event loop and nginx\'s one worker: compared per core.',
    '  nbthread 1',
    '  maxconn 4096',
    '',
    ...(input.dnsResolver ? [
      '# Replica names are resolved at run time: a replica started later (app4) joins when its name resolves.',
      'resolvers docker',
      `  nameserver dns ${input.dnsResolver}`,
      '  hold valid 1s',
      '  hold nx 1s',
      '',
    ] : []),
    'defaults',
    '  mode http',
    '  log global',
    '  option dontlognull',
    '  # Connections to the replicas are kept alive and reused (http-reuse safe, HAProxy\'s default).',
    `  timeout connect ${ms(BALANCING.connectTimeoutMs)}`,
    `  timeout server ${ms(BALANCING.upstreamTimeoutMs)}`,
    `  timeout client ${ms(BALANCING.clientKeepAliveMs)}`,
    `  timeout http-keep-alive ${ms(BALANCING.clientKeepAliveMs)}`,
    `  timeout http-request ${BALANCING.headersTimeoutSeconds}s`,
    `  timeout check ${ms(BALANCING.healthTimeoutMs)}`,
    '  # A refused connection goes to another server (any method: nothing was sent); a reset or a',
    '  # timeout after sending is retried only for idempotent methods (disable-l7-retry in the frontends).',
    `  retries ${Math.max(1, input.replicas.length - 1)}`,
    '  option redispatch 1',
    '  retry-on conn-failure empty-response response-timeout',
    '  option httpchk',
    `  http-check send meth GET uri ${BALANCING.healthPath}`,
    '  http-check expect status 200',
    `  default-server check inter ${ms(BALANCING.healthIntervalMs)} fall ${BALANCING.healthFall} rise ${BALANCING.healthRise} observe layer4 error-limit 1 on-error mark-down`,
    httpError(502, 'bad_gateway'),
    httpError(503, 'no_healthy_upstream'),
    httpError(504, 'gateway_timeout'),
    '',
    ...frontends,
    ...backends,
    'backend node_proxy',
    `  server proxy ${input.proxy.host}:${input.proxy.port} no-check${input.dnsResolver ? ' resolvers docker resolve-prefer ipv4 init-addr last,libc,none' : ''}`,
    '',
  ].join('\n');
}
