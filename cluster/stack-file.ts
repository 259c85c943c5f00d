import {
  APP_COMMAND, COMPOSE_SECRETS_NOTE, CONTAINER_FRONTENDS, HOST_PORT_VARIABLES, appContainerEnvironment, fromEnv, httpProbe,
  proxyContainerEnvironment, redisService,
} from './compose-file';
import { COMPOSE, HEALTH_PATHS, SERVICES, SWARM } from './topology';
import { toYaml, type YamlValue } from './yaml';

/**
 * docker-stack.yml as a pure function of the same topology as docker-compose.yml: one `app`
 * service with N replicas instead of app1..app4 (swarm schedules them), the proxy discovering
 * them by DNS (`tasks.app`: every healthy task's address), Redis, one overlay network. This
 * kernel-independent subset works without IPVS: `endpoint_mode: dnsrr` everywhere (no virtual
 * IP) and the proxy's ports published in host mode (no ingress routing mesh).
 */

const MANAGER = ['node.role == manager'];
/**
 * Swarm replaces a task whose health check fails `retries` times in a row (compose only marks it):
 * a probe took over 2 s on this 2-core host at load ~100 (when it still spawned `node`), so a 2 s
 * timeout got healthy tasks killed every few minutes. A minute of failures before a replacement.
 */
const SWARM_HEALTH_TIMING = { interval: '5s', timeout: '10s', retries: 6 };
const DNSRR = { endpoint_mode: 'dnsrr' };

function swarmRedis(): Record<string, YamlValue> {
  // Swarm ignores `restart:`; deploy.restart_policy says it instead.
  const redis = Object.fromEntries(Object.entries(redisService(SWARM_HEALTH_TIMING)).filter(([key]) => key !== 'restart'));
  return {
    ...redis,
    networks: ['cluster'],
    deploy: {
      ...DNSRR,
      '#': 'Pinned: its volume lives on the manager (a real swarm: a node label or an external Redis).',
      placement: { constraints: MANAGER },
      restart_policy: { condition: 'any' },
    },
  };
}

function swarmApp(): Record<string, YamlValue> {
  return {
    image: fromEnv('AUTHSCALE_IMAGE', COMPOSE.image),
    command: APP_COMMAND,
    '#1': 'The task is the replica: X-Instance and /_proxy/status name its node and task (name includes the task id).',
    environment: { ...appContainerEnvironment(SWARM.instanceTemplate) },
    '#2': 'Swarm replaces a task that turns unhealthy: hashing the demo users at the production cost takes',
    '#3': 'seconds (~40 s on a loaded 2-core host), so failures during start_period do not count.',
    healthcheck: { test: httpProbe(COMPOSE.appPort, HEALTH_PATHS.app), ...SWARM_HEALTH_TIMING, start_period: '180s' },
    '#4': 'SIGTERM, then this long to finish in-flight requests before SIGKILL.',
    stop_grace_period: SWARM.stopGracePeriod,
    networks: ['cluster'],
    deploy: {
      ...DNSRR,
      replicas: fromEnv('AUTHSCALE_REPLICAS', String(SWARM.replicas)),
      placement: { preferences: [{ spread: 'node.id' }] },
      restart_policy: { condition: 'any' },
      '#': 'Rolling deploy: one task at a time; the old one stops (gracefully) before its successor starts.',
      update_config: { parallelism: 1, delay: '2s', order: 'stop-first', failure_action: 'rollback' },
    },
  };
}

function swarmProxy(): Record<string, YamlValue> {
  return {
    image: fromEnv('AUTHSCALE_IMAGE', COMPOSE.image),
    command: ['node', 'dist/proxy/main.js'],
    environment: proxyContainerEnvironment({
      upstreamDns: { name: `tasks.${SWARM.appService}`, port: COMPOSE.appPort, intervalMs: SWARM.discoveryIntervalMs },
    }),
    '#1': 'Host mode: bound on the node that runs the proxy, on ALL its interfaces (swarm cannot bind 127.0.0.1);',
    '#2': 'restrict them with a firewall rule (docs/swarm.md).',
    ports: CONTAINER_FRONTENDS.map((f, i) => ({
      target: f.port,
      published: fromEnv(HOST_PORT_VARIABLES[i], String(f.port)),
      protocol: 'tcp',
      mode: 'host',
    })),
    healthcheck: { test: httpProbe(CONTAINER_FRONTENDS[0].port, HEALTH_PATHS.proxy), ...SWARM_HEALTH_TIMING },
    stop_grace_period: SWARM.stopGracePeriod,
    networks: ['cluster'],
    deploy: {
      ...DNSRR,
      replicas: 1,
      '#': 'Pinned: the host-mode ports must be on a known node (the one clients and the bench reach).',
      placement: { constraints: MANAGER },
      restart_policy: { condition: 'any' },
    },
  };
}

export function stackDocument(): Record<string, YamlValue> {
  const services: Record<string, YamlValue> = {};
  // Same services as the topology, with the app replicas folded into one scheduled service.
  for (const spec of SERVICES) {
    if (spec.kind === 'redis') services[spec.name] = swarmRedis();
    else if (spec.kind === 'app') services[SWARM.appService] ??= swarmApp();
    else if (spec.kind === 'proxy') services[spec.name] = swarmProxy();
  }
  return {
    version: '3.8',
    services,
    networks: { cluster: { driver: 'overlay', '#': 'Not encrypted: IPsec overlays need ESP (docs/swarm.md).' } },
    volumes: { 'redis-data': {} },
  };
}

const HEADER = [
  '# Generated from cluster/topology.ts by `npm run build && node dist/cluster/generate-compose.js`.',
  '# Do not edit by hand: tests/unit/cluster/stack-file.test.ts fails when this file and the topology differ.',
  '#',
  '# Deploy with `npm run swarm -- deploy` (builds the image, then `docker stack deploy`); docs/swarm.md.',
  COMPOSE_SECRETS_NOTE,
  `# Replicas: one service \`${SWARM.appService}\` with ${SWARM.replicas} tasks (AUTHSCALE_REPLICAS), spread over the nodes.`,
  '',
].join('\n');

export function renderStackFile(): string {
  return `${HEADER}${toYaml(stackDocument())}`;
}
