import path from 'node:path';
import { findExecutable, isExecutable } from '../common/executables';
import type { LaunchConfig } from './launch-options';
import { entryPoints } from './paths';
import type { ProcessSpec } from './service-process';
import { DEV_AFFINITY_SECRET, affinityValue } from '../common/balancing';
import { clientAddressKey } from '../common/client-address';
import type { ExternalBalancerName } from '../common/vocabulary';
import { balancerFrontends, type BalancerConfigInput } from './balancers';
import { renderHaproxyConfig } from './haproxy-config';
import { renderNginxConfig } from './nginx-config';
import {
  APP_REPLICAS, SENTINEL_NAMES, appEnvironment, frontendsValue, haNodeArgs, latencyEnvironment, latencyLinks, localLatencyPorts, localPorts, proxyEnvironment, redisPersistenceArgs, sentinelConf,
  upstreamsValue,
} from './topology';

/**
 * What the launcher runs, as plain data: the redis-server to use (or why there is none) and the
 * command, arguments and environment of every service, from the topology with local values
 * (127.0.0.1, ports from the port base). Pure, so the local wiring is unit-tested.
 */

export const REDIS_INSTALL_HINT =
  'install it with `apt-get install redis-server` (Debian/Ubuntu) or `brew install redis` (macOS), ' +
  'or set REDIS_SERVER_BIN to the binary, or REDIS_URL to a running Redis';

export const SENTINEL_INSTALL_HINT =
  'install it with `apt-get install redis-sentinel` (Debian/Ubuntu; macOS: `brew install redis` has it), or set REDIS_SENTINEL_BIN';

export type RedisPlan =
  | { kind: 'spawn'; bin: string }
  | { kind: 'ha'; bin: string; sentinelBin: string }
  | { kind: 'missing'; message: string }
  | { kind: 'external'; url: string }
  | { kind: 'none' };

const findOnPath = (name: string, pathVariable: string | undefined): string | undefined => findExecutable(name, pathVariable, []);

export function planRedis(config: LaunchConfig, env: NodeJS.ProcessEnv): RedisPlan {
  if (config.redis === 'none') return { kind: 'none' };
  if (typeof config.redis === 'object') return { kind: 'external', url: config.redis.url };
  const configured = config.redisServerBin ?? env.REDIS_SERVER_BIN;
  const bin = configured ?? findOnPath('redis-server', env.PATH);
  const where = configured ? `REDIS_SERVER_BIN=${configured} is not an executable file` : 'redis-server is not on PATH';
  if (config.redis === 'ha') {
    // HA was asked for explicitly: no silent fallback to a single node or to none (the launcher refuses to start).
    if (!bin || !isExecutable(bin)) return { kind: 'missing', message: `redis (--redis ha): ${where}; ${REDIS_INSTALL_HINT}.` };
    const sentinelConfigured = config.redisSentinelBin ?? env.REDIS_SENTINEL_BIN;
    const sentinelBin = sentinelConfigured ?? findOnPath('redis-sentinel', env.PATH);
    if (!sentinelBin || !isExecutable(sentinelBin)) {
      const missing = sentinelConfigured ? `REDIS_SENTINEL_BIN=${sentinelConfigured} is not an executable file` : 'redis-sentinel is not on PATH';
      return { kind: 'missing', message: `redis (--redis ha): ${missing}; ${SENTINEL_INSTALL_HINT}.` };
    }
    return { kind: 'ha', bin, sentinelBin };
  }
  if (bin && isExecutable(bin)) return { kind: 'spawn', bin };
  return {
    kind: 'missing',
    message: `redis: ${where}; ${REDIS_INSTALL_HINT}. Starting without Redis: /memory and /jwt work, /redis answers 503.`,
  };
}

export interface LocalSpecInput {
  config: LaunchConfig;
  env: NodeJS.ProcessEnv;
  root: string;
  redisPlan: RedisPlan;
  redisDir: string;
  adminToken: string;
  controlUrl: string;
  logFile: (service: string) => string;
}

export function localRedisUrl(plan: RedisPlan, portBase: number): string | undefined {
  if (plan.kind === 'external') return plan.url;
  // HA: the initial primary; the replicas themselves find the current one through the Sentinels.
  return plan.kind === 'spawn' || plan.kind === 'ha' ? `redis://127.0.0.1:${localPorts(portBase).redis}` : undefined;
}

/** `host:port` of each local Sentinel, when the plan runs them. */
export function localSentinels(plan: RedisPlan, portBase: number): string[] | undefined {
  return plan.kind === 'ha' ? localPorts(portBase).sentinels.map((port) => `127.0.0.1:${port}`) : undefined;
}

/** Where each HA node keeps its data and each Sentinel its (rewritten) config, under the run's redis dir. */
export function haPaths(redisDir: string): { data: Record<string, string>; sentinelConf: (name: string) => string } {
  return {
    data: { redis: path.join(redisDir, 'redis'), redis2: path.join(redisDir, 'redis2') },
    sentinelConf: (name) => path.join(redisDir, `${name}.conf`),
  };
}

/** The initial Sentinel config files of a local HA cluster: path → content (written once per cluster). */
export function sentinelConfFiles(redisDir: string, portBase: number): Record<string, string> {
  const ports = localPorts(portBase);
  const paths = haPaths(redisDir);
  return Object.fromEntries(SENTINEL_NAMES.map((name, i) => [
    paths.sentinelConf(name),
    sentinelConf({ port: ports.sentinels[i], bind: '127.0.0.1', dir: redisDir, primaryHost: '127.0.0.1', primaryPort: ports.redis }),
  ]));
}

/** Where a replica reaches Redis: straight, or through the injector's Redis link (same credentials, other port). */
function replicaRedisUrl(config: LaunchConfig, plan: RedisPlan): string {
  const ports = localPorts(config.portBase);
  // Without a Redis the apps still get a URL; nothing answers there, so /redis says 503 and the rest works.
  const direct = localRedisUrl(plan, config.portBase) ?? `redis://127.0.0.1:${ports.redis}`;
  if (!config.latency?.paths.includes('redis')) return direct;
  const url = new URL(direct);
  url.hostname = '127.0.0.1';
  url.port = String(localLatencyPorts(config.portBase).redis);
  return url.toString().replace(/\/$/, '');
}

export function localProcessSpecs(input: LocalSpecInput): ProcessSpec[] {
  const { config, env, root, redisPlan } = input;
  const ports = localPorts(config.portBase);
  const injector = localLatencyPorts(config.portBase);
  const appEnv = env.APP_ENV || 'development';
  const redisUrl = replicaRedisUrl(config, redisPlan);
  const throughInjector = config.latency?.paths.includes('replicas') === true;
  const entries = entryPoints(root);
  const specs: ProcessSpec[] = [];
  if (redisPlan.kind === 'spawn') {
    specs.push({
      name: 'redis', command: redisPlan.bin, cwd: input.redisDir, port: ports.redis, logFile: input.logFile('redis'), env,
      args: ['--port', String(ports.redis), '--bind', '127.0.0.1', '--dir', input.redisDir, '--protected-mode', 'no',
        ...redisPersistenceArgs(config.redisAppendonly)],
    });
  }
  if (redisPlan.kind === 'ha') {
    const paths = haPaths(input.redisDir);
    const node = (name: 'redis' | 'redis2', port: number, extra: string[]): ProcessSpec => ({
      name, command: redisPlan.bin, cwd: paths.data[name], port, logFile: input.logFile(name), env,
      args: ['--port', String(port), '--bind', '127.0.0.1', '--dir', paths.data[name], '--protected-mode', 'no',
        ...redisPersistenceArgs(config.redisAppendonly), ...haNodeArgs(), ...extra],
    });
    // Both start as configured here; after a failover the Sentinels re-point whichever comes back.
    specs.push(node('redis', ports.redis, []));
    specs.push(node('redis2', ports.redis2, ['--replicaof', '127.0.0.1', String(ports.redis)]));
    SENTINEL_NAMES.forEach((name, i) => specs.push({
      name, command: redisPlan.sentinelBin, args: [paths.sentinelConf(name)], cwd: input.redisDir, port: ports.sentinels[i],
      logFile: input.logFile(name), env,
    }));
  }
  if (config.latency) {
    const redisTarget = new URL(localRedisUrl(redisPlan, config.portBase) ?? `redis://127.0.0.1:${ports.redis}`);
    const links = latencyLinks(config.latency.paths, {
      redisListen: injector.redis,
      redis: { host: redisTarget.hostname, port: Number(redisTarget.port || 6379) },
      appListen: (name) => injector.apps[name],
      app: (name) => ({ host: '127.0.0.1', port: ports.apps[name] }),
    });
    specs.push({
      name: 'latency', command: process.execPath, args: [entries.latency], cwd: root, port: injector.control, logFile: input.logFile('latency'),
      env: {
        ...env,
        ...latencyEnvironment({ host: '127.0.0.1', controlPort: injector.control, links }),
        LATENCY_UP_MS: String(config.latency.upMs), LATENCY_DOWN_MS: String(config.latency.downMs), LATENCY_JITTER_MS: String(config.latency.jitterMs),
        APP_ENV: appEnv,
        ADMIN_TOKEN: input.adminToken,
      },
    });
  }
  const sentinels = localSentinels(redisPlan, config.portBase);
  for (const name of APP_REPLICAS) {
    const port = ports.apps[name];
    specs.push({
      name, command: process.execPath, args: [entries.app], cwd: root, port, logFile: input.logFile(name),
      env: { ...env, ...appEnvironment({ instance: name, host: '127.0.0.1', port, redisUrl, ...(sentinels ? { sentinels } : {}) }), APP_ENV: appEnv, ...config.env },
    });
  }
  specs.push({
    name: 'proxy', command: process.execPath, args: [entries.proxy], cwd: root, port: ports.frontends[0].port,
    logFile: input.logFile('proxy'),
    env: {
      ...env,
      ...proxyEnvironment({
        host: '127.0.0.1',
        frontends: frontendsValue(ports.frontends),
        upstreams: upstreamsValue((name) => `http://127.0.0.1:${throughInjector ? injector.apps[name] : ports.apps[name]}`),
        controlUrl: input.controlUrl,
      }),
      APP_ENV: appEnv,
      ADMIN_TOKEN: input.adminToken,
      ...config.proxyEnv,
    },
  });
  return specs;
}

// ---- HAProxy and nginx in front of the local replicas (--lb) ----

export const BALANCER_INSTALL_HINTS: Readonly<Record<ExternalBalancerName, string>> = {
  haproxy: 'install it with `apt-get install haproxy` (Debian/Ubuntu) or `brew install haproxy` (macOS), or set HAPROXY_BIN',
  nginx: 'install it with `apt-get install nginx-light` (Debian/Ubuntu) or `brew install nginx` (macOS), or set NGINX_BIN',
};

export type BalancerPlan = { name: ExternalBalancerName; bin: string } | { name: ExternalBalancerName; missing: string };

/** The binary of each balancer asked for: $HAPROXY_BIN / $NGINX_BIN, else on PATH or in /usr/sbin. */
export function planBalancers(names: readonly ExternalBalancerName[], env: NodeJS.ProcessEnv): BalancerPlan[] {
  return names.map((name) => {
    const variable = `${name.toUpperCase()}_BIN`;
    const configured = env[variable];
    const bin = configured ?? findExecutable(name, env.PATH);
    if (bin && isExecutable(bin)) return { name, bin };
    const where = configured ? `${variable}=${configured} is not an executable file` : `${name} is not on PATH or in /usr/sbin`;
    return { name, missing: `${name} (--lb ${name}): ${where}; ${BALANCER_INSTALL_HINTS[name]}.` };
  });
}

export interface LocalBalancerInput {
  name: ExternalBalancerName;
  portBase: number;
  /** Replicas in the config: app1..app3, and app4 once it has been started (a reload adds it). */
  replicas: readonly string[];
  adminToken: string;
  /** The proxy's AFFINITY_SECRET: HAProxy's cookie values are the proxy's, so each reads the other's cookie. */
  affinitySecret: string | undefined;
  /** The balancer's own directory in the run dir (config, pid, nginx's temporary files). */
  dir: string;
}

/** A local balancer's config: 127.0.0.1, its frontends from the port base, the replicas on their local ports (pure). */
export function localBalancerConfig(input: LocalBalancerInput): string {
  const ports = localPorts(input.portBase);
  const secret = input.affinitySecret || DEV_AFFINITY_SECRET;
  const config: BalancerConfigInput = {
    bind: '127.0.0.1',
    frontends: balancerFrontends(input.name, input.portBase),
    replicas: input.replicas.map((id) => ({ id, host: '127.0.0.1', port: ports.apps[id] })),
    clientKey: { value: clientAddressKey(input.adminToken) },
    affinity: { values: Object.fromEntries(input.replicas.map((id) => [id, affinityValue(secret, id)])) },
    proxy: { host: '127.0.0.1', port: ports.frontends[0].port },
    stateDir: input.dir,
  };
  return input.name === 'haproxy' ? renderHaproxyConfig(config) : renderNginxConfig(config);
}

export function balancerConfigFile(dir: string, name: ExternalBalancerName): string {
  return path.join(dir, name === 'haproxy' ? 'haproxy.cfg' : 'nginx.conf');
}

/** How the launcher runs a balancer in the foreground (its log on stderr), and the signal that reloads its config. */
export function balancerProcessSpec(plan: { name: ExternalBalancerName; bin: string }, input: { portBase: number; dir: string; env: NodeJS.ProcessEnv; logFile: string }): ProcessSpec {
  const config = balancerConfigFile(input.dir, plan.name);
  const args = plan.name === 'haproxy'
    // -W: master-worker (a reload on SIGUSR2 keeps serving); -db: foreground.
    ? ['-W', '-db', '-f', config]
    : ['-e', 'stderr', '-p', input.dir, '-c', config, '-g', 'daemon off;'];
  return {
    name: plan.name, command: plan.bin, args, cwd: input.dir, env: input.env, logFile: input.logFile,
    port: balancerFrontends(plan.name, input.portBase)[0].port,
  };
}

export const BALANCER_RELOAD_SIGNAL: Readonly<Record<ExternalBalancerName, NodeJS.Signals>> = { haproxy: 'SIGUSR2', nginx: 'SIGHUP' };
