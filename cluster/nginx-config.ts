import { AFFINITY_COOKIE, BALANCING } from '../common/balancing';
import { CLIENT_ADDRESS_HEADER, CLIENT_KEY_HEADER } from '../common/client-address';
import { ERRORS } from '../common/errors';
import type { StrategyName } from '../common/vocabulary';
import { PROXY_ROUTES, plainToken, strategyKey, type BalancerConfigInput } from './balancers';

/**
 * nginx.conf from the topology (open-source nginx 1.22, Debian bookworm): three servers, one per
 * strategy, each over its own upstream block of the same replicas. What open-source nginx has, and
 * where it differs from the Node proxy (docs/proxy.md, "HAProxy and nginx"):
 * - round-robin: the upstream default;
 * - sticky-cookie: open-source nginx has no `sticky cookie` (NGINX Plus only). It gets a cookie
 *   anyway: the first response sets `lb` to a random value ($request_id) and the upstream hashes it
 *   (`hash $cookie consistent`). The cookie names a client, not a server: while its server is down
 *   the client goes to the next one on the ring, and when that server is back the client goes back
 *   to it; adding a server moves the clients it now wins. The Node proxy's and HAProxy's cookie
 *   names the server, so neither happens there;
 * - hash-ip: `hash <client address> consistent` (ketama);
 * - health: passive only (`max_fails=1 fail_timeout`): a server that failed is skipped for
 *   fail_timeout, then tried again with a live request. Active checks are NGINX Plus only;
 * - retries: `proxy_next_upstream error timeout`: a refused connection goes to the next server for
 *   any method; a POST already sent is never retried (nginx's own rule since 1.9.13).
 */

const seconds = (ms: number): string => `${Math.max(1, Math.round(ms / 1000))}s`;
/** How long a server that failed is skipped before a live request tries it again. */
export const NGINX_FAIL_TIMEOUT_SECONDS = 2;
const KEEPALIVE_CONNECTIONS = 64;

const UPSTREAM_POLICY: Readonly<Record<StrategyName, string[]>> = {
  'round-robin': [],
  'sticky-cookie': ['    hash $authscale_affinity consistent;'],
  'hash-ip': ['    hash $authscale_client consistent;'],
};

/** nginx's own 502/504 (no server answered) in the catalogue's JSON shape; the replicas' own answers pass through. */
function errorLocation(status: number, code: keyof typeof ERRORS): string[] {
  const body = JSON.stringify({ error: code, message: ERRORS[code].message });
  return [
    `    location @${code} {`,
    '      default_type application/json;',
    `      return ${status} '${body}';`,
    '    }',
  ];
}

export function renderNginxConfig(input: BalancerConfigInput): string {
  const dir = input.stateDir;
  const key = input.clientKey;
  if ('env' in key) throw new Error('nginx cannot read its environment in a config: give the client-address key as a value or a file to include');
  const keyEntry = 'value' in key ? `    "${plainToken(key.value, 'the client-address key')}" 1;` : `    include ${key.include};`;
  const servers = input.serversInclude
    ? [`    include ${input.serversInclude};`]
    : input.replicas.map((r) => `    ${nginxServerLine(r.host, r.port)}`);
  const upstreams = input.frontends.flatMap((f) => [
    `  upstream ${strategyKey(f.strategy)} {`,
    ...UPSTREAM_POLICY[f.strategy],
    ...servers,
    `    keepalive ${KEEPALIVE_CONNECTIONS};`,
    '  }',
  ]);
  const serverBlocks = input.frontends.flatMap((f) => [
    '  server {',
    `    listen ${input.bind}:${f.port};`,
    '    location / {',
    `      proxy_pass http://${strategyKey(f.strategy)};`,
    ...(f.strategy === 'sticky-cookie' ? ['      add_header Set-Cookie $authscale_set_affinity always;'] : []),
    '    }',
    ...PROXY_ROUTES.flatMap((route) => [`    location ${route} {`, '      proxy_pass http://node_proxy;', '    }']),
    '    error_page 502 = @bad_gateway;',
    '    error_page 504 = @gateway_timeout;',
    ...errorLocation(502, 'bad_gateway'),
    ...errorLocation(504, 'gateway_timeout'),
    '  }',
  ]);
  return [
    '# One worker, like the Node proxy\'s one event loop and HAProxy\'s one thread: compared per core.',
    'worker_processes 1;',
    `pid ${dir}/nginx.pid;`,
    'error_log stderr warn;',
    'events { worker_connections 4096; }',
    'http {',
    '  access_log off;',
    '  server_tokens off;',
    `  client_body_temp_path ${dir}/body;`,
    `  proxy_temp_path ${dir}/proxy;`,
    `  fastcgi_temp_path ${dir}/fastcgi;`,
    `  uwsgi_temp_path ${dir}/uwsgi;`,
    `  scgi_temp_path ${dir}/scgi;`,
    `  keepalive_timeout ${seconds(BALANCING.clientKeepAliveMs)};`,
    `  client_header_timeout ${BALANCING.headersTimeoutSeconds}s;`,
    '  # Bodies are buffered (so a refused POST can go to the next server), up to the Node proxy\'s limit.',
    `  client_max_body_size ${BALANCING.maxBufferedBodyBytes / 1024}k;`,
    '',
    '  # The bench\'s keyed client-address claim (docs/security.md): believed only with the key, stripped either way.',
    `  map $http_${CLIENT_KEY_HEADER.replace(/-/g, '_')} $authscale_claim_ok {`,
    '    default 0;',
    keyEntry,
    '  }',
    `  map "$authscale_claim_ok:$http_${CLIENT_ADDRESS_HEADER.replace(/-/g, '_')}" $authscale_client {`,
    '    default $remote_addr;',
    '    "~^1:(?<claimed>[0-9A-Fa-f:.]+)$" $claimed;',
    '  }',
    '  # No sticky cookie in open-source nginx: a random client key in the `lb` cookie, hashed consistently.',
    `  map $cookie_${AFFINITY_COOKIE} $authscale_affinity {`,
    `    default $cookie_${AFFINITY_COOKIE};`,
    '    "" $request_id;',
    '  }',
    `  map $cookie_${AFFINITY_COOKIE} $authscale_set_affinity {`,
    '    default "";',
    `    "" "${AFFINITY_COOKIE}=$request_id; Path=/; HttpOnly; SameSite=Lax";`,
    '  }',
    '',
    '  # Passive health only (open-source nginx): a failed server is skipped for fail_timeout.',
    '  proxy_next_upstream error timeout;',
    `  proxy_connect_timeout ${seconds(BALANCING.connectTimeoutMs)};`,
    `  proxy_read_timeout ${seconds(BALANCING.upstreamTimeoutMs)};`,
    `  proxy_send_timeout ${seconds(BALANCING.upstreamTimeoutMs)};`,
    '  proxy_http_version 1.1;',
    '  proxy_set_header Connection "";',
    '  proxy_set_header Host $http_host;',
    '  # Set, never appended: a client\'s own X-Forwarded-For is not believed.',
    '  proxy_set_header X-Forwarded-For $authscale_client;',
    '  proxy_set_header X-Forwarded-Proto $scheme;',
    '  proxy_set_header X-Forwarded-Host $http_host;',
    `  proxy_set_header ${titleCase(CLIENT_ADDRESS_HEADER)} "";`,
    `  proxy_set_header ${titleCase(CLIENT_KEY_HEADER)} "";`,
    '',
    ...upstreams,
    '  # The proxy\'s own routes (status, dashboard, control relay) are answered by the Node proxy.',
    '  upstream node_proxy {',
    `    server ${input.proxy.host}:${input.proxy.port};`,
    '    keepalive 8;',
    '  }',
    '',
    ...serverBlocks,
    '}',
    '',
  ].join('\n');
}

/** One `server` line of an upstream block (also what the compose entry writes into its include file). */
export function nginxServerLine(host: string, port: number): string {
  return `server ${host}:${port} max_fails=1 fail_timeout=${NGINX_FAIL_TIMEOUT_SECONDS}s;`;
}

function titleCase(header: string): string {
  return header.split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('-');
}
