import { DEVELOPMENT_SECRETS } from '../common/config';
import {
  APP_REPLICAS, COMPOSE, CPU_QUOTA_VARIABLES, FRONTENDS, DEFAULT_PORT_BASE, HEALTH_PATHS, SERVICES, appEnvironment, frontendsValue,
  proxyEnvironment, redisPersistenceArgs, upstreamsValue, type ServiceSpec,
} from './topology';
import { toYaml, type YamlValue } from './yaml';
import { portOf } from '../common/ports';

/**
 * docker-compose.yml as a pure function of the topology. Compose-only values (host names,
 * container ports, `${VAR:-default}` secrets from `.env`) are decided here; names, env keys,
 * dependencies and health probes come from topology.ts. Written for the subset of the Compose
 * Specification that docker-compose v1.29 and Compose v2 both accept (no top-level `version`).
 */

/** Defaults let `docker compose up` work on a clean clone; `APP_ENV=production` refuses every one of them. */
const SECRET_DEFAULTS = {
  SESSION_SECRET: DEVELOPMENT_SECRETS.session,
  JWT_SECRET: DEVELOPMENT_SECRETS.jwt,
  ADMIN_TOKEN: DEVELOPMENT_SECRETS.admin,
  AFFINITY_SECRET: 'dev-only-affinity-secret-change-me-0123456789',
  REDIS_PASSWORD: DEVELOPMENT_SECRETS.redisPassword,
} as const;

const fromEnv = (name: keyof typeof SECRET_DEFAULTS | string, fallback: string): string => `\${${name}:-${fallback}}`;
const secret = (name: keyof typeof SECRET_DEFAULTS): string => fromEnv(name, SECRET_DEFAULTS[name]);

/** Host ports are overridable so a second copy (e.g. the compose test) never clashes with a running one. */
export const HOST_PORT_VARIABLES = ['AUTHSCALE_PORT_ROUND_ROBIN', 'AUTHSCALE_PORT_STICKY', 'AUTHSCALE_PORT_HASH'] as const;

/**
 * Slim images have no curl: an HTTP/1.0 GET through bash's /dev/tcp, 200 or fail. Not a `node -e`
 * probe: starting Node costs ~0.2 s of CPU, which under a 0.2-CPU quota on a busy host outlasted
 * the timeout (measured 70 s against 0.4 s for this one), so a serving replica was marked unhealthy.
 */
function httpProbe(port: number, path: string): string[] {
  return ['CMD', 'bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${port} && printf 'GET ${path} HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '`];
}

/**
 * Failures in the start period do not count: a replica hashes the demo passwords before it listens,
 * which at cost 17 under a 0.2-CPU quota on a busy host took 51 s (retries × interval is 30 s).
 * A passing probe still marks it healthy at once.
 */
const HEALTH_TIMING = { interval: '2s', timeout: '2s', retries: 15, start_period: '180s' };

function redisService(): Record<string, YamlValue> {
  return {
    image: COMPOSE.redisImage,
    command: ['redis-server', '--requirepass', secret('REDIS_PASSWORD'), ...redisPersistenceArgs(true)],
    '#1': 'redis-cli reads the password from REDISCLI_AUTH, so it never shows in `ps`.',
    environment: { REDISCLI_AUTH: secret('REDIS_PASSWORD') },
    '#2': 'Not published to the host: only the replicas reach it, on the compose network.',
    volumes: ['redis-data:/data'],
    healthcheck: { test: ['CMD-SHELL', 'redis-cli ping | grep -q PONG'], ...HEALTH_TIMING },
    restart: 'no',
  };
}

function dependsOn(spec: ServiceSpec): Record<string, YamlValue> {
  return Object.fromEntries(spec.dependsOn.map((name) => [name, { condition: 'service_healthy' }]));
}

function appService(spec: ServiceSpec): Record<string, YamlValue> {
  const env = appEnvironment({
    instance: spec.name,
    host: '0.0.0.0',
    port: COMPOSE.appPort,
    redisUrl: `redis://:${secret('REDIS_PASSWORD')}@redis:6379`,
  });
  return {
    ...(spec.profile ? { '#0': 'Only with `--profile scale`: the fourth replica of the scale-out scenario.', profiles: [spec.profile] } : {}),
    build: '.',
    image: fromEnv('AUTHSCALE_IMAGE', COMPOSE.image),
    // --expose-gc: SIGUSR2 makes a replica collect garbage (the bench's memory scenario, `docker compose kill -s SIGUSR2`).
    command: ['node', '--expose-gc', 'dist/services/app/main.js'],
    environment: {
      ...env,
      APP_ENV: fromEnv('APP_ENV', 'development'),
      LOG_LEVEL: fromEnv('LOG_LEVEL', 'info'),
      SESSION_SECRET: secret('SESSION_SECRET'),
      JWT_SECRET: secret('JWT_SECRET'),
      DEMO_PASSWORD: fromEnv('DEMO_PASSWORD', 'demo-password'),
      // The app's own defaults (production scrypt cost 17, rolling touch) unless .env says otherwise.
      PASSWORD_HASH_COST: fromEnv('PASSWORD_HASH_COST', '17'),
      SESSION_TOUCH: fromEnv('SESSION_TOUCH', 'rolling'),
    },
    depends_on: dependsOn(spec),
    healthcheck: { test: httpProbe(COMPOSE.appPort, HEALTH_PATHS.app), ...HEALTH_TIMING },
    '#1': 'Never restarted automatically: a killed replica must stay dead until `docker compose start`,',
    '#2': 'or the logout experiment (kill app2, watch its sticky in-memory users) would show nothing.',
    restart: 'no',
  };
}

function proxyService(spec: ServiceSpec): Record<string, YamlValue> {
  const containerPorts = FRONTENDS.map((f) => ({ port: portOf(DEFAULT_PORT_BASE, 'frontends', f.offset), strategy: f.strategy }));
  const env = proxyEnvironment({
    host: '0.0.0.0',
    frontends: frontendsValue(containerPorts),
    upstreams: upstreamsValue((name) => `http://${name}:${COMPOSE.appPort}`),
    trustedProxies: `${fromEnv('AUTHSCALE_GATEWAY', COMPOSE.gateway)}/32`,
  });
  return {
    build: '.',
    image: fromEnv('AUTHSCALE_IMAGE', COMPOSE.image),
    command: ['node', 'dist/proxy/main.js'],
    environment: {
      ...env,
      APP_ENV: fromEnv('APP_ENV', 'development'),
      LOG_LEVEL: fromEnv('LOG_LEVEL', 'info'),
      ADMIN_TOKEN: secret('ADMIN_TOKEN'),
      AFFINITY_SECRET: secret('AFFINITY_SECRET'),
    },
    '#1': 'Published on loopback only. Connections arrive from the network gateway (docker-proxy),',
    '#2': 'the only address in TRUSTED_PROXIES, so X-Forwarded-For from the host is honoured.',
    ports: containerPorts.map((f, i) => `127.0.0.1:${fromEnv(HOST_PORT_VARIABLES[i], String(f.port))}:${f.port}`),
    depends_on: dependsOn(spec),
    healthcheck: { test: httpProbe(containerPorts[0].port, HEALTH_PATHS.proxy), ...HEALTH_TIMING },
    restart: 'no',
  };
}

/** A CPU quota from the environment, 0 (none) unless set: the same key in Compose v2 and swarm stack files. */
function cpuQuota(spec: ServiceSpec): Record<string, YamlValue> {
  return { deploy: { resources: { limits: { cpus: fromEnv(CPU_QUOTA_VARIABLES[spec.kind], '0') } } } };
}

function service(spec: ServiceSpec): Record<string, YamlValue> {
  const body = spec.kind === 'redis' ? redisService() : spec.kind === 'app' ? appService(spec) : proxyService(spec);
  return { ...body, ...cpuQuota(spec) };
}

export function composeDocument(): Record<string, YamlValue> {
  return {
    services: Object.fromEntries(SERVICES.map((spec) => [spec.name, service(spec)])),
    networks: {
      default: {
        '#': 'Pinned subnet: the proxy trusts its gateway only (docs/design.md, client address).',
        ipam: { config: [{ subnet: fromEnv('AUTHSCALE_SUBNET', COMPOSE.subnet), gateway: fromEnv('AUTHSCALE_GATEWAY', COMPOSE.gateway) }] },
      },
    },
    volumes: { 'redis-data': {} },
  };
}

const HEADER = [
  '# Generated from cluster/topology.ts by `npm run build && node dist/cluster/generate-compose.js`.',
  '# Do not edit by hand: tests/unit/cluster/compose-file.test.ts fails when this file and the topology differ.',
  '#',
  '# `docker compose up --build` works with no .env (APP_ENV=development, built-in development secrets).',
  '# Beyond a laptop, put APP_ENV=production and real secrets in .env (see README, "The cluster"): production',
  '# refuses to start with any of the defaults below.',
  `# Replicas: ${APP_REPLICAS.join(', ')} (app4 with --profile scale).`,
  `# CPU quotas in cores (0 = none, the default): ${Object.entries(CPU_QUOTA_VARIABLES).map(([kind, name]) => `${name} (${kind})`).join(', ')}.`,
  '',
].join('\n');

export function renderComposeFile(): string {
  return `${HEADER}${toYaml(composeDocument())}`;
}
