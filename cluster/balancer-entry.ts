import { spawn, type ChildProcess } from 'node:child_process';
import dns from 'node:dns/promises';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DEV_AFFINITY_SECRET } from '../common/balancing';
import { DEVELOPMENT_SECRETS, appEnv, parseConfig, secretWeakness, type Env } from '../common/config';
import { createLogger, type Logger } from '../common/logger';
import { runServiceMain } from '../common/service-main';
import { EXTERNAL_BALANCERS, type ExternalBalancerName } from '../common/vocabulary';
import { BALANCER_FILES, COMPOSE_BALANCER_STATE, haproxyEnvironment, nginxIncludes } from './compose-balancers';
import { APP_REPLICAS } from './topology';

/**
 * The entry of the compose services `haproxy` and `nginx`: `node dist/cluster/balancer-entry.js haproxy|nginx`.
 * It derives what the committed config (balancers/) reads, runs the balancer in the foreground and
 * passes signals on. HAProxy expands its secrets from the environment and resolves replica names
 * itself at run time. nginx resolves names only when it loads its config, so the entry writes the
 * server list of the replicas whose names resolve now, and on SIGHUP writes it again and reloads
 * nginx: how app4 joins (`docker compose kill -s SIGHUP nginx`).
 */
const schema = z.object({
  BALANCER: z.enum(EXTERNAL_BALANCERS as [ExternalBalancerName, ...ExternalBalancerName[]]),
  APP_ENV: appEnv,
  ADMIN_TOKEN: z.string().optional(),
  AFFINITY_SECRET: z.string().optional(),
}).superRefine((env, ctx) => {
  if (env.APP_ENV !== 'production') return;
  for (const name of ['ADMIN_TOKEN', 'AFFINITY_SECRET'] as const) {
    const weakness = secretWeakness(env[name]);
    if (weakness) ctx.addIssue({ code: 'custom', path: [name], message: weakness });
  }
}).transform((env) => ({
  balancer: env.BALANCER,
  adminToken: env.ADMIN_TOKEN ?? DEVELOPMENT_SECRETS.admin,
  affinitySecret: env.AFFINITY_SECRET ?? DEV_AFFINITY_SECRET,
  config: path.resolve(__dirname, '..', '..', BALANCER_FILES[env.BALANCER]),
}));
type EntryConfig = Readonly<z.infer<typeof schema>>;

async function resolvable(): Promise<string[]> {
  const found = await Promise.all(APP_REPLICAS.map((id) => dns.lookup(id).then(() => id, () => undefined)));
  return found.filter((id): id is string => id !== undefined);
}

async function writeNginxIncludes(config: EntryConfig, logger: Logger): Promise<void> {
  const replicas = await resolvable();
  for (const [file, content] of Object.entries(nginxIncludes(config.adminToken, replicas))) fs.writeFileSync(file, content, { mode: 0o600 });
  logger.info({ replicas }, 'nginx servers');
}

async function start(config: EntryConfig, logger: Logger): Promise<{ close(): Promise<void> }> {
  fs.mkdirSync(COMPOSE_BALANCER_STATE, { recursive: true, mode: 0o700 });
  let child: ChildProcess;
  if (config.balancer === 'haproxy') {
    child = spawn('haproxy', ['-W', '-db', '-f', config.config], { stdio: 'inherit', env: { ...process.env, ...haproxyEnvironment(config.adminToken, config.affinitySecret) } });
  } else {
    await writeNginxIncludes(config, logger);
    child = spawn('nginx', ['-e', 'stderr', '-p', COMPOSE_BALANCER_STATE, '-c', config.config, '-g', 'daemon off;'], { stdio: 'inherit' });
  }
  let stopping = false;
  const exited = new Promise<void>((resolve) => child.once('exit', (code, signal) => {
    if (!stopping) {
      logger.error({ code, signal }, `${config.balancer} exited`);
      process.exit(code ?? 1);
    }
    resolve();
  }));
  process.on('SIGHUP', () => {
    // HAProxy re-execs its worker on SIGUSR2 (it re-resolves names anyway); nginx re-reads its config on SIGHUP.
    const reload = config.balancer === 'haproxy' ? Promise.resolve() : writeNginxIncludes(config, logger);
    void reload.then(() => child.kill(config.balancer === 'haproxy' ? 'SIGUSR2' : 'SIGHUP'), (err: Error) => logger.error({ err: err.message }, 'reload failed'));
  });
  logger.info({ config: config.config }, `${config.balancer} started`);
  return {
    close: async () => {
      stopping = true;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

runServiceMain({
  service: 'balancer',
  loadConfig: (env: Env) => parseConfig('balancer', schema, { ...env, BALANCER: process.argv[2] }),
  configErrorExitCode: 2,
  createLogger: (config) => createLogger({ service: config.balancer }),
  start,
});
