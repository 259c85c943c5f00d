import { HEALTH_TIMING, composeRedisUrl, fromEnv, httpProbe, secret } from './compose-file';
import { APP_REPLICAS, COMPOSE, latencyEnvironment, latencyLinks, upstreamsValue } from './topology';
import { toYaml, type YamlValue } from './yaml';

/**
 * docker-compose.distance.yml: an override that puts the latency injector (docs/distance.md)
 * between the replicas and Redis and between the proxy and the replicas. A profile could add the
 * service but not re-point the replicas' REDIS_URL or the proxy's UPSTREAMS, so this is a second
 * file, merged with `-f docker-compose.yml -f docker-compose.distance.yml`. Generated from the
 * topology like docker-compose.yml, and checked against it by the same test.
 */
export const DISTANCE_COMPOSE_FILE = 'docker-compose.distance.yml';
export const LATENCY_PORT_VARIABLE = 'AUTHSCALE_PORT_LATENCY';

const appLinkPort = (name: string): number => COMPOSE.latencyFirstAppPort + APP_REPLICAS.indexOf(name);

function latencyService(): Record<string, YamlValue> {
  const links = latencyLinks(['redis', 'replicas'], {
    redisListen: COMPOSE.latencyRedisPort,
    redis: { host: 'redis', port: 6379 },
    appListen: appLinkPort,
    app: (name) => ({ host: name, port: COMPOSE.appPort }),
  });
  const control = COMPOSE.latencyControlPort;
  return {
    build: '.',
    image: fromEnv('AUTHSCALE_IMAGE', COMPOSE.image),
    command: ['node', 'dist/latency/main.js'],
    environment: {
      ...latencyEnvironment({ host: '0.0.0.0', controlPort: control, links }),
      APP_ENV: fromEnv('APP_ENV', 'development'),
      LOG_LEVEL: fromEnv('LOG_LEVEL', 'info'),
      '#1': 'Start-up delay per direction (ms); the bench changes it at run time through the control API.',
      LATENCY_UP_MS: fromEnv('AUTHSCALE_LATENCY_UP_MS', '0'),
      LATENCY_DOWN_MS: fromEnv('AUTHSCALE_LATENCY_DOWN_MS', '0'),
      LATENCY_JITTER_MS: fromEnv('AUTHSCALE_LATENCY_JITTER_MS', '0'),
      ADMIN_TOKEN: secret('ADMIN_TOKEN'),
    },
    '#1': 'Only the control API is published, on loopback, behind ADMIN_TOKEN; the links stay on the compose network.',
    ports: [`127.0.0.1:${fromEnv(LATENCY_PORT_VARIABLE, String(control))}:${control}`],
    depends_on: { redis: { condition: 'service_healthy' } },
    healthcheck: { test: httpProbe(control, '/health'), ...HEALTH_TIMING },
    restart: 'no',
  };
}

function appOverride(): Record<string, YamlValue> {
  return {
    environment: { REDIS_URL: composeRedisUrl('latency', COMPOSE.latencyRedisPort) },
    depends_on: { latency: { condition: 'service_healthy' } },
  };
}

export function distanceComposeDocument(): Record<string, YamlValue> {
  return {
    services: {
      latency: latencyService(),
      ...Object.fromEntries(APP_REPLICAS.map((name) => [name, appOverride()])),
      proxy: {
        environment: { UPSTREAMS: upstreamsValue((name) => `http://latency:${appLinkPort(name)}`) },
        depends_on: { latency: { condition: 'service_healthy' } },
      },
    },
  };
}

const HEADER = [
  '# Generated from cluster/topology.ts by `npm run build && node dist/cluster/generate-compose.js`.',
  '# Do not edit by hand: tests/unit/cluster/compose-file.test.ts fails when this file and the topology differ.',
  '#',
  '# The price of distance (docs/distance.md): the latency injector between the replicas and Redis and',
  '# between the proxy and the replicas, merged over docker-compose.yml:',
  '#   docker compose -p authscale -f docker-compose.yml -f docker-compose.distance.yml up -d --build',
  '# At 0 ms (the default) it only forwards; set delays through its control API on 127.0.0.1:8095.',
  '',
].join('\n');

export function renderDistanceComposeFile(): string {
  return `${HEADER}${toYaml(distanceComposeDocument())}`;
}
