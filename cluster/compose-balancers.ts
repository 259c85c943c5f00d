import { affinityValue } from '../common/balancing';
import { clientAddressKey } from '../common/client-address';
import { DEFAULT_PORT_BASE } from '../common/ports';
import type { ExternalBalancerName } from '../common/vocabulary';
import { BALANCER_FILES, affinityEnvName, balancerFrontends, plainToken, type BalancerConfigInput } from './balancers';
import { HEALTH_TIMING, HOST_PORT_VARIABLES, fromEnv, httpProbe, secret } from './compose-file';
import { renderHaproxyConfig } from './haproxy-config';
import { nginxServerLine, renderNginxConfig } from './nginx-config';
import { APP_REPLICAS, BALANCER_SERVICES, COMPOSE, HEALTH_PATHS, type ServiceSpec } from './topology';
import type { YamlValue } from './yaml';

/**
 * HAProxy and nginx in docker compose (`--profile haproxy`, `--profile nginx`): the services in
 * docker-compose.yml, and the committed configs under balancers/ they run. The configs hold no
 * secret: HAProxy reads the client-address key and its cookie values from its environment, nginx
 * includes two files the container's entry writes at start (cluster/balancer-entry.ts).
 */

/** Where the balancer containers keep what they write at start (their pid, nginx's include files and temporary files). */
export const COMPOSE_BALANCER_STATE = '/tmp/authscale-lb';
export const NGINX_INCLUDES = Object.freeze({
  clientKey: `${COMPOSE_BALANCER_STATE}/client-key.map`,
  servers: `${COMPOSE_BALANCER_STATE}/servers.conf`,
});
/** HAProxy's environment names (set by the entry): the client-address key, and one cookie value per replica. */
export const HAPROXY_ENV = Object.freeze({ clientKey: 'AUTHSCALE_CLIENT_KEY', affinityPrefix: 'AUTHSCALE_AFFINITY_' });
/** Docker's embedded DNS server, which knows the compose services by name. */
const DOCKER_DNS = '127.0.0.11:53';

/** The balancers' frontends inside their containers: the ports table's ranges at the default base (haproxy 8083-8085, nginx 8086-8088). */
export function containerBalancerFrontends(name: ExternalBalancerName): ReturnType<typeof balancerFrontends> {
  return balancerFrontends(name, DEFAULT_PORT_BASE);
}

/** Host port variables in strategy order, e.g. AUTHSCALE_PORT_HAPROXY_ROUND_ROBIN (defaults: the container ports). */
export function balancerPortVariables(name: ExternalBalancerName): string[] {
  return HOST_PORT_VARIABLES.map((variable) => variable.replace('AUTHSCALE_PORT_', `AUTHSCALE_PORT_${name.toUpperCase()}_`));
}

function composeInput(name: ExternalBalancerName): BalancerConfigInput {
  return {
    bind: '0.0.0.0',
    frontends: containerBalancerFrontends(name),
    replicas: APP_REPLICAS.map((id) => ({ id, host: id, port: COMPOSE.appPort })),
    proxy: { host: 'proxy', port: DEFAULT_PORT_BASE },
    stateDir: COMPOSE_BALANCER_STATE,
    ...(name === 'haproxy'
      ? { clientKey: { env: HAPROXY_ENV.clientKey }, affinity: { envPrefix: HAPROXY_ENV.affinityPrefix }, dnsResolver: DOCKER_DNS }
      : { clientKey: { include: NGINX_INCLUDES.clientKey }, serversInclude: NGINX_INCLUDES.servers }),
  };
}

const HEADER = (name: ExternalBalancerName): string => [
  `# Generated from cluster/topology.ts by \`npm run compose:generate\` (${name} of docker-compose.yml, \`--profile ${name}\`).`,
  '# Do not edit by hand: tests/unit/cluster/balancer-configs.test.ts fails when this file and the topology differ.',
  '# Secrets are not here: cluster/balancer-entry.ts derives them from ADMIN_TOKEN and AFFINITY_SECRET at start.',
  '# The local launcher renders the same config with local ports (npm start -- --lb ' + name + ').',
  '',
].join('\n');

export function renderComposeBalancerConfig(name: ExternalBalancerName): string {
  const input = composeInput(name);
  return `${HEADER(name)}${name === 'haproxy' ? renderHaproxyConfig(input) : renderNginxConfig(input)}`;
}

/** The image of the balancer services: the app image plus Debian's haproxy and nginx-light (Dockerfile target `balancers`). */
export const BALANCER_IMAGE = 'authscale-lb:local';

export function balancerService(spec: ServiceSpec): Record<string, YamlValue> {
  const name = spec.name as ExternalBalancerName;
  const frontends = containerBalancerFrontends(name);
  return {
    '#0': `Only with \`--profile ${name}\`: ${name} in front of the same replicas as the proxy (docs/proxy.md).`,
    profiles: [name],
    build: { context: '.', target: 'balancers' },
    image: fromEnv('AUTHSCALE_LB_IMAGE', BALANCER_IMAGE),
    command: ['node', 'dist/cluster/balancer-entry.js', name],
    environment: {
      APP_ENV: fromEnv('APP_ENV', 'development'),
      ADMIN_TOKEN: secret('ADMIN_TOKEN'),
      AFFINITY_SECRET: secret('AFFINITY_SECRET'),
    },
    ports: frontends.map((f, i) => `127.0.0.1:${fromEnv(balancerPortVariables(name)[i], String(f.port))}:${f.port}`),
    depends_on: Object.fromEntries([...spec.dependsOn, 'proxy'].map((dep) => [dep, { condition: 'service_healthy' }])),
    healthcheck: { test: httpProbe(frontends[0].port, HEALTH_PATHS.app), ...HEALTH_TIMING },
    restart: 'no',
  };
}

export function balancerServices(): Record<string, YamlValue> {
  return Object.fromEntries(BALANCER_SERVICES.map((spec) => [spec.name, balancerService(spec)]));
}

export { BALANCER_FILES };

/** HAProxy's environment in its container: what its committed config expands (pure). */
export function haproxyEnvironment(adminToken: string, affinitySecret: string): Record<string, string> {
  return {
    [HAPROXY_ENV.clientKey]: clientAddressKey(adminToken),
    ...Object.fromEntries(APP_REPLICAS.map((id) => [affinityEnvName(HAPROXY_ENV.affinityPrefix, id), affinityValue(affinitySecret, id)])),
  };
}

/** nginx's two include files in its container: the client-address key's map entry, and a server line per replica that resolves now (pure). */
export function nginxIncludes(adminToken: string, resolvable: readonly string[]): Record<string, string> {
  return {
    [NGINX_INCLUDES.clientKey]: `"${plainToken(clientAddressKey(adminToken), 'the client-address key')}" 1;\n`,
    [NGINX_INCLUDES.servers]: `${APP_REPLICAS.filter((id) => resolvable.includes(id)).map((id) => nginxServerLine(id, COMPOSE.appPort)).join('\n')}\n`,
  };
}
