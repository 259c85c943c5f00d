import fs from 'node:fs';
import path from 'node:path';
import { accessibleFile } from '../common/files';
import type { LaunchConfig } from './launch-options';
import { entryPoints } from './paths';
import type { ProcessSpec } from './service-process';
import {
  APP_REPLICAS, appEnvironment, frontendsValue, localPorts, proxyEnvironment, redisPersistenceArgs, upstreamsValue,
} from './topology';

/**
 * What the launcher runs, as plain data: the redis-server to use (or why there is none) and the
 * command, arguments and environment of every service, from the topology with local values
 * (127.0.0.1, ports from the port base). Pure, so the local wiring is unit-tested.
 */

export const REDIS_INSTALL_HINT =
  'install it with `apt-get install redis-server` (Debian/Ubuntu) or `brew install redis` (macOS), ' +
  'or set REDIS_SERVER_BIN to the binary, or REDIS_URL to a running Redis';

export type RedisPlan =
  | { kind: 'spawn'; bin: string }
  | { kind: 'missing'; message: string }
  | { kind: 'external'; url: string }
  | { kind: 'none' };

function findOnPath(name: string, pathVariable: string | undefined): string | undefined {
  for (const dir of (pathVariable ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  return accessibleFile(file, fs.constants.X_OK);
}

export function planRedis(config: LaunchConfig, env: NodeJS.ProcessEnv): RedisPlan {
  if (config.redis === 'none') return { kind: 'none' };
  if (typeof config.redis === 'object') return { kind: 'external', url: config.redis.url };
  const configured = config.redisServerBin ?? env.REDIS_SERVER_BIN;
  const bin = configured ?? findOnPath('redis-server', env.PATH);
  if (bin && isExecutable(bin)) return { kind: 'spawn', bin };
  const where = configured ? `REDIS_SERVER_BIN=${configured} is not an executable file` : 'redis-server is not on PATH';
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
  return plan.kind === 'spawn' ? `redis://127.0.0.1:${localPorts(portBase).redis}` : undefined;
}

export function localProcessSpecs(input: LocalSpecInput): ProcessSpec[] {
  const { config, env, root, redisPlan } = input;
  const ports = localPorts(config.portBase);
  const appEnv = env.APP_ENV || 'development';
  // Without a Redis the apps still get a URL; nothing answers there, so /redis says 503 and the rest works.
  const redisUrl = localRedisUrl(redisPlan, config.portBase) ?? `redis://127.0.0.1:${ports.redis}`;
  const entries = entryPoints(root);
  const specs: ProcessSpec[] = [];
  if (redisPlan.kind === 'spawn') {
    specs.push({
      name: 'redis', command: redisPlan.bin, cwd: input.redisDir, port: ports.redis, logFile: input.logFile('redis'), env,
      args: ['--port', String(ports.redis), '--bind', '127.0.0.1', '--dir', input.redisDir, '--protected-mode', 'no',
        ...redisPersistenceArgs(config.redisAppendonly)],
    });
  }
  for (const name of APP_REPLICAS) {
    const port = ports.apps[name];
    specs.push({
      name, command: process.execPath, args: [entries.app], cwd: root, port, logFile: input.logFile(name),
      env: { ...env, ...appEnvironment({ instance: name, host: '127.0.0.1', port, redisUrl }), APP_ENV: appEnv, ...config.env },
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
        upstreams: upstreamsValue((name) => `http://127.0.0.1:${ports.apps[name]}`),
        controlUrl: input.controlUrl,
      }),
      APP_ENV: appEnv,
      ADMIN_TOKEN: input.adminToken,
      ...config.proxyEnv,
    },
  });
  return specs;
}
