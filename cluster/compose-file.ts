import { DEV_AFFINITY_SECRET } from '../common/balancing';
import { DEVELOPMENT_SECRETS } from '../common/config';
import {
  APP_REPLICAS, COMPOSE, CPU_QUOTA_VARIABLES, FRONTENDS, DEFAULT_PORT_BASE, HA_SERVICES, HEALTH_PATHS, REDIS_NODES, SENTINEL, SENTINEL_NAMES,
  SERVICES, appEnvironment, frontendsValue, haNodeArgs, proxyEnvironment, redisPersistenceArgs, sentinelConf, upstreamsValue,
  type ProxyEnvInput, type ServiceSpec,
} from './topology';
import { balancerServices } from './compose-balancers';
import { toYaml, type YamlValue } from './yaml';
import { portOf } from '../common/ports';
import { SESSION_WAIT_DEFAULTS } from '../services/app/config';

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
  AFFINITY_SECRET: DEV_AFFINITY_SECRET,
  REDIS_PASSWORD: DEVELOPMENT_SECRETS.redisPassword,
} as const;

export const fromEnv = (name: keyof typeof SECRET_DEFAULTS | string, fallback: string): string => `\${${name}:-${fallback}}`;
export const secret = (name: keyof typeof SECRET_DEFAULTS): string => fromEnv(name, SECRET_DEFAULTS[name]);

/** Host ports are overridable so a second copy (e.g. the compose test) never clashes with a running one. */
export const HOST_PORT_VARIABLES = ['AUTHSCALE_PORT_ROUND_ROBIN', 'AUTHSCALE_PORT_STICKY', 'AUTHSCALE_PORT_HASH'] as const;

/**
 * Slim images have no curl: an HTTP/1.0 GET through bash's /dev/tcp, 200 or fail. Not a `node -e`
 * probe: starting Node costs ~0.2 s of CPU, which under a 0.2-CPU quota on a busy host outlasted
 * the timeout (measured 70 s against 0.4 s for this one), so a serving replica was marked unhealthy.
 */
export function httpProbe(port: number, path: string): string[] {
  const request = `GET ${path} HTTP/1.0\\r\\nHost: 127.0.0.1\\r\\n\\r\\n`;
  return ['CMD', 'bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${port} && printf '${request}' >&3 && head -n 1 <&3 | grep -q ' 200 '`];
}

/**
 * Failures in the start period do not count: a replica hashes its demo users before it listens, which
 * at production cost (2^17) took 35 s under heavy load, and 51 s under a 0.2-CPU quota on a busy host.
 * A passing probe still marks it healthy at once; the timeout allows for a busy host.
 */
export const HEALTH_TIMING = { interval: '2s', timeout: '10s', retries: 15, start_period: '180s' };

export function redisService(timing: Record<string, string | number> = HEALTH_TIMING): Record<string, YamlValue> {
  return {
    image: COMPOSE.redisImage,
    command: ['redis-server', '--requirepass', secret('REDIS_PASSWORD'), ...redisPersistenceArgs(true)],
    '#1': 'redis-cli reads the password from REDISCLI_AUTH, so it never shows in `ps`.',
    environment: { REDISCLI_AUTH: secret('REDIS_PASSWORD') },
    '#2': 'Not published to the host: only the replicas reach it, on the compose network.',
    volumes: ['redis-data:/data'],
    healthcheck: { test: ['CMD-SHELL', 'redis-cli ping | grep -q PONG'], ...timing },
    restart: 'no',
  };
}

/** The replicas' Redis URL in the compose network (the password from `.env`). */
export function composeRedisUrl(host: string, port: number): string {
  return `redis://:${secret('REDIS_PASSWORD')}@${host}:${port}`;
}

function dependsOn(spec: ServiceSpec): Record<string, YamlValue> {
  return Object.fromEntries(spec.dependsOn.map((name) => [name, { condition: 'service_healthy' }]));
}

/** A replica's environment in a container (compose and swarm): secrets and levels from the shell or `.env`. */
export function appContainerEnvironment(instance: string): Record<string, string> {
  const env = appEnvironment({
    instance,
    host: '0.0.0.0',
    port: COMPOSE.appPort,
    redisUrl: composeRedisUrl('redis', 6379),
  });
  return {
    ...env,
    APP_ENV: fromEnv('APP_ENV', 'development'),
    LOG_LEVEL: fromEnv('LOG_LEVEL', 'info'),
    SESSION_SECRET: secret('SESSION_SECRET'),
    JWT_SECRET: secret('JWT_SECRET'),
    DEMO_PASSWORD: fromEnv('DEMO_PASSWORD', 'demo-password'),
    // The app's own defaults (production scrypt cost 17, rolling touch) unless .env says otherwise.
    PASSWORD_HASH_COST: fromEnv('PASSWORD_HASH_COST', '17'),
    SESSION_TOUCH: fromEnv('SESSION_TOUCH', 'rolling'),
  };
}

/** --expose-gc: SIGUSR2 makes a replica collect garbage (the bench's memory scenario, `docker compose kill -s SIGUSR2`). */
export const APP_COMMAND = ['node', '--expose-gc', 'dist/services/app/main.js'];

/** The proxy's environment in a container: FRONTENDS on the container ports, secrets from the shell or `.env`. */
export function proxyContainerEnvironment(input: Omit<ProxyEnvInput, 'host' | 'frontends'>): Record<string, string> {
  return {
    ...proxyEnvironment({ host: '0.0.0.0', frontends: frontendsValue(CONTAINER_FRONTENDS), ...input }),
    APP_ENV: fromEnv('APP_ENV', 'development'),
    LOG_LEVEL: fromEnv('LOG_LEVEL', 'info'),
    ADMIN_TOKEN: secret('ADMIN_TOKEN'),
    AFFINITY_SECRET: secret('AFFINITY_SECRET'),
  };
}

/** Frontend ports inside the proxy container (published on the host as HOST_PORT_VARIABLES). */
export const CONTAINER_FRONTENDS = FRONTENDS.map((f) => ({ port: portOf(DEFAULT_PORT_BASE, 'frontends', f.offset), strategy: f.strategy }));

function appService(spec: ServiceSpec): Record<string, YamlValue> {
  return {
    ...(spec.profile ? { '#0': 'Only with `--profile scale`: the fourth replica of the scale-out scenario.', profiles: [spec.profile] } : {}),
    build: '.',
    image: fromEnv('AUTHSCALE_IMAGE', COMPOSE.image),
    command: APP_COMMAND,
    environment: appContainerEnvironment(spec.name),
    depends_on: dependsOn(spec),
    healthcheck: { test: httpProbe(COMPOSE.appPort, HEALTH_PATHS.app), ...HEALTH_TIMING },
    '#1': 'Never restarted automatically: a killed replica must stay dead until `docker compose start`,',
    '#2': 'or the logout experiment (kill app2, watch its sticky in-memory users) would show nothing.',
    restart: 'no',
  };
}

function proxyService(spec: ServiceSpec): Record<string, YamlValue> {
  const containerPorts = CONTAINER_FRONTENDS;
  return {
    build: '.',
    image: fromEnv('AUTHSCALE_IMAGE', COMPOSE.image),
    command: ['node', 'dist/proxy/main.js'],
    environment: proxyContainerEnvironment({
      upstreams: upstreamsValue((name) => `http://${name}:${COMPOSE.appPort}`),
    }),
    '#1': 'Published on loopback only. Every client arrives from the network gateway (docker-proxy), so no',
    '#2': 'peer is trusted: a client cannot choose its address (the bench uses the keyed claim, docs/security.md).',
    ports: containerPorts.map((f, i) => `127.0.0.1:${fromEnv(HOST_PORT_VARIABLES[i], String(f.port))}:${f.port}`),
    depends_on: dependsOn(spec),
    healthcheck: { test: httpProbe(containerPorts[0].port, HEALTH_PATHS.proxy), ...HEALTH_TIMING },
    restart: 'no',
  };
}

/** A CPU quota from the environment, 0 (none) unless set: the same key in Compose v2 and swarm stack files. */
function cpuQuota(spec: ServiceSpec): Record<string, YamlValue> {
  // Sentinels only live in docker-compose.ha.yml, and take no part in the scaling curve; nor do HAProxy and nginx (profiles).
  if (spec.kind === 'sentinel' || spec.kind === 'balancer') return {};
  return { deploy: { resources: { limits: { cpus: fromEnv(CPU_QUOTA_VARIABLES[spec.kind], '0') } } } };
}

function service(spec: ServiceSpec): Record<string, YamlValue> {
  const body = spec.kind === 'redis' ? redisService() : spec.kind === 'app' ? appService(spec) : proxyService(spec);
  return { ...body, ...cpuQuota(spec) };
}

export function composeDocument(): Record<string, YamlValue> {
  return {
    services: { ...Object.fromEntries(SERVICES.map((spec) => [spec.name, service(spec)])), ...balancerServices() },
    networks: {
      default: {
        '#': 'Pinned subnet, so the replicas trust the proxy network only (TRUST_PROXY) and tests know the gateway.',
        ipam: { config: [{ subnet: fromEnv('AUTHSCALE_SUBNET', COMPOSE.subnet), gateway: fromEnv('AUTHSCALE_GATEWAY', COMPOSE.gateway) }] },
      },
    },
    volumes: { 'redis-data': {} },
  };
}

export const COMPOSE_SECRETS_NOTE = [
  '# Beyond a laptop, put APP_ENV=production and real secrets in .env (see README, "The cluster"): production',
  '# refuses to start with any of the defaults below.',
].join('\n');

const HEADER = [
  '# Generated from cluster/topology.ts by `npm run build && node dist/cluster/generate-compose.js`.',
  '# Do not edit by hand: tests/unit/cluster/compose-file.test.ts fails when this file and the topology differ.',
  '#',
  '# `docker compose up --build` works with no .env (APP_ENV=development, built-in development secrets).',
  COMPOSE_SECRETS_NOTE,
  `# Replicas: ${APP_REPLICAS.join(', ')} (app4 with --profile scale).`,
  '# HAProxy and nginx in front of the same replicas: --profile haproxy (ports 8083-8085), --profile nginx (8086-8088).',
  `# CPU quotas in cores (0 = none, the default): ${Object.entries(CPU_QUOTA_VARIABLES).map(([kind, name]) => `${name} (${kind})`).join(', ')}.`,
  '',
].join('\n');

export function renderComposeFile(): string {
  return `${HEADER}${toYaml(composeDocument())}`;
}

// ---- Production: docker-compose.production.yml, layered over docker-compose.yml ----

/** Where the proxy container reads the certificate the user supplies (AUTHSCALE_TLS_DIR on the host). */
const TLS_MOUNT = '/run/authscale-tls';

/** The proxy answers HTTPS in production: probe it over TLS (its own loopback, so its certificate is not checked). */
function httpsProbe(port: number, pathname: string): string[] {
  return ['CMD', 'node', '-e',
    `require('node:https').get({ host: '127.0.0.1', port: ${port}, path: '${pathname}', rejectUnauthorized: false }, (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))`];
}

export function productionOverride(): Record<string, YamlValue> {
  const firstPort = DEFAULT_PORT_BASE + FRONTENDS[0].offset;
  const services = Object.fromEntries(SERVICES.filter((spec) => spec.kind !== 'redis').map((spec) => {
    if (spec.kind === 'app') return [spec.name, { environment: { APP_ENV: 'production' } }];
    return [spec.name, {
      environment: { APP_ENV: 'production', TLS_CERT_FILE: `${TLS_MOUNT}/cert.pem`, TLS_KEY_FILE: `${TLS_MOUNT}/key.pem` },
      '#': 'cert.pem and key.pem from AUTHSCALE_TLS_DIR (default ./tls), readable by uid 1000 (the image user).',
      volumes: [`${fromEnv('AUTHSCALE_TLS_DIR', './tls')}:${TLS_MOUNT}:ro`],
      healthcheck: { test: httpsProbe(firstPort, HEALTH_PATHS.proxy), ...HEALTH_TIMING },
    }];
  }));
  return { services };
}

const PRODUCTION_HEADER = [
  '# Generated from cluster/topology.ts by `npm run build && node dist/cluster/generate-compose.js`.',
  '# Do not edit by hand: tests/unit/cluster/compose-file.test.ts fails when this file and the topology differ.',
  '#',
  '# Production, layered over docker-compose.yml (docs/security.md, "Production"):',
  '#   docker compose -f docker-compose.yml -f docker-compose.production.yml up --build -d',
  '# Every service runs with APP_ENV=production, so each refuses the development defaults of docker-compose.yml',
  '# (put real secrets in .env), and the proxy terminates TLS with the certificate in ./tls.',
  '',
].join('\n');

export function renderProductionOverride(): string {
  return `${PRODUCTION_HEADER}${toYaml(productionOverride())}`;
}

// ---- docker-compose.ha.yml: the HA Redis topology as an override of docker-compose.yml ----

const SENTINEL_PORT = COMPOSE.sentinelPort;
const HA_HEADER = [
  '# Generated from cluster/topology.ts by `npm run build && node dist/cluster/generate-compose.js`.',
  '# Do not edit by hand: tests/unit/cluster/compose-file.test.ts fails when this file and the topology differ.',
  '#',
  '# HA Redis (docs/redis-ha.md): `redis` starts as the primary, `redis2` as its replica, and three Sentinels',
  '# promote the replica when the primary dies; the app replicas ask the Sentinels where the primary is.',
  '#   docker compose -f docker-compose.yml -f docker-compose.ha.yml up --build',
  '# An override file, not a profile: a profile can add services but cannot re-point the replicas at the Sentinels.',
  `# Failover settings: quorum ${SENTINEL.quorum} of ${SENTINEL_NAMES.length}, down-after ${SENTINEL.downAfterMs} ms, failover-timeout ${SENTINEL.failoverTimeoutMs} ms.`,
  '# Synchronous session writes: SESSION_WAIT_REPLICAS=1 (shell or .env) makes each one WAIT for the replica.',
  '',
].join('\n');

/**
 * A Redis node of the HA pair, started the way the Sentinels see the pair now: it asks them
 * which node is primary and starts as that node's replica (or as the primary, when it is the one
 * they name); with no Sentinel answering (the first `up`), `redis` starts as the primary and
 * redis2 as its replica. A fixed `--replicaof` would bring redis2 back as a replica even when it
 * is the primary (no failover happened meanwhile), and the pair would have no primary at all.
 * Password for clients and for its own link from the container's environment; it announces
 * itself by its service name, as the Sentinels name it (see sentinelConf).
 */
function haNodeCommand(name: string, firstPrimary: string | undefined): string[] {
  const nodes = REDIS_NODES.join('|');
  const ask = SENTINEL_NAMES.map((s) => `"${s}"`).join(' ');
  const script = [
    'primary=""',
    `for s in ${ask}; do primary=$$(timeout 2 redis-cli --no-auth-warning -h "$$s" -p ${SENTINEL_PORT} sentinel get-master-addr-by-name ${SENTINEL.masterName} 2>/dev/null | head -n 1); case "$$primary" in ${nodes}) break ;; *) primary="" ;; esac; done`,
    `[ -n "$$primary" ] || primary=${firstPrimary ?? name}`,
    `if [ "$$primary" = ${name} ]; then set --; else set -- --replicaof "$$primary" 6379; fi`,
    `exec redis-server --requirepass "$$REDISCLI_AUTH" --masterauth "$$REDISCLI_AUTH" ${[...redisPersistenceArgs(true), ...haNodeArgs()].map((a) => (a === '' ? '""' : a)).join(' ')} --replica-announce-ip ${name} "$$@"`,
  ].join('; ');
  return ['sh', '-c', script];
}

function sentinelService(name: string): Record<string, YamlValue> {
  // Sentinel rewrites its config file, so the container writes a fresh one at start. `$$` is a literal
  // `$` for compose: the password is expanded by the container's shell from its environment.
  const conf = sentinelConf({
    port: SENTINEL_PORT, dir: '/data', primaryHost: 'redis', primaryPort: 6379, password: '$$REDIS_PASSWORD', hostnames: { announce: name },
  }).trimEnd().split('\n');
  return {
    image: COMPOSE.redisImage,
    command: ['sh', '-c', `printf '%s\\n' ${conf.map((line) => `"${line}"`).join(' ')} > /data/sentinel.conf && exec redis-server /data/sentinel.conf --sentinel`],
    environment: { REDIS_PASSWORD: secret('REDIS_PASSWORD'), REDISCLI_AUTH: secret('REDIS_PASSWORD') },
    depends_on: { redis: { condition: 'service_healthy' }, redis2: { condition: 'service_healthy' } },
    healthcheck: { test: ['CMD-SHELL', `redis-cli -p ${SENTINEL_PORT} ping | grep -q PONG`], ...HEALTH_TIMING },
    restart: 'no',
  };
}

/**
 * The WAIT settings of the replicas with HA Redis (docs/redis-ha.md), from the shell or `.env` with
 * the app's own defaults: the launcher's replicas inherit them from its environment, as these do
 * from compose's. The command timeout comes along: WAIT's timeout must stay below it.
 */
function sessionWaitEnvironment(): Record<string, string> {
  return {
    SESSION_WAIT_REPLICAS: fromEnv('SESSION_WAIT_REPLICAS', String(SESSION_WAIT_DEFAULTS.replicas)),
    SESSION_WAIT_TIMEOUT_MS: fromEnv('SESSION_WAIT_TIMEOUT_MS', String(SESSION_WAIT_DEFAULTS.timeoutMs)),
    REDIS_COMMAND_TIMEOUT_MS: fromEnv('REDIS_COMMAND_TIMEOUT_MS', String(SESSION_WAIT_DEFAULTS.redisCommandTimeoutMs)),
  };
}

export function haComposeDocument(): Record<string, YamlValue> {
  const sentinels = SENTINEL_NAMES.map((name) => `${name}:${SENTINEL_PORT}`);
  const apps = Object.fromEntries(APP_REPLICAS.map((name) => [name, {
    environment: { REDIS_SENTINELS: sentinels.join(','), REDIS_SENTINEL_MASTER: SENTINEL.masterName, ...sessionWaitEnvironment() },
    depends_on: Object.fromEntries(SENTINEL_NAMES.map((s) => [s, { condition: 'service_healthy' }])),
  }]));
  return {
    services: {
      redis: { command: haNodeCommand('redis', undefined), environment: { REDISCLI_AUTH: secret('REDIS_PASSWORD') } },
      ...Object.fromEntries(HA_SERVICES.map((spec) => [spec.name, spec.kind === 'sentinel' ? sentinelService(spec.name) : {
        image: COMPOSE.redisImage,
        command: haNodeCommand(spec.name, 'redis'),
        environment: { REDISCLI_AUTH: secret('REDIS_PASSWORD') },
        volumes: ['redis2-data:/data'],
        depends_on: { redis: { condition: 'service_healthy' } },
        '#': 'Healthy once in sync with the primary: before that it holds nothing a failover could keep.',
        healthcheck: { test: ['CMD-SHELL', 'redis-cli info replication | grep -Eq "master_link_status:up|role:master"'], ...HEALTH_TIMING },
        restart: 'no',
      }])),
      ...apps,
    },
    volumes: { 'redis2-data': {} },
  };
}

export function renderHaComposeFile(): string {
  return `${HA_HEADER}${toYaml(haComposeDocument())}`;
}
