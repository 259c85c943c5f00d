import { spawnSync } from 'node:child_process';
import { ControlUnreachableError } from './control-client';
import { controlClientOf } from './control-target';
import { ROLLING_RESTART_USAGE, RollingRestartUsageError, parseRollingRestartArgs, type RollingRestartCommand } from './rolling-restart-args';
import { admittedSince, restartInTurn, type RollingRestartSteps, type UpstreamView } from './rolling-restart';
import { DEFAULT_PORT_BASE, SWARM } from './topology';
import { composeDir, findCompose, publishedUrl } from '../loadtest/compose-target';
import { cliMessage } from '../common/cli-message';

/**
 * `npm run rolling-restart`: the routine deploy of docs/cluster.md on the local launcher, a docker
 * compose stack, or the swarm stack (there: `docker service update --force`, which swarm already
 * does one task at a time).
 */
const out = (text: string): boolean => process.stdout.write(text);

async function upstreams(proxyUrl: string): Promise<UpstreamView[]> {
  const response = await fetch(`${proxyUrl}/_proxy/status`, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`${proxyUrl}/_proxy/status answered ${response.status}`);
  return ((await response.json()) as { upstreams: UpstreamView[] }).upstreams;
}

/** The replicas the proxy serves from now, in name order: the ones a rolling restart goes through. */
async function servingReplicas(proxyUrl: string): Promise<string[]> {
  return (await upstreams(proxyUrl)).filter((u) => u.healthy && !u.draining).map((u) => u.id).sort();
}

const admittedBy = (proxyUrl: string) => async (replica: string, sinceMs: number): Promise<boolean> =>
  admittedSince(await upstreams(proxyUrl), replica, sinceMs);

const reportStep: RollingRestartSteps['onStep'] = (replica, step) => {
  out(`${new Date().toISOString().slice(11, 19)} ${replica}: ${step === 'stopping' ? 'stopping (SIGTERM, graceful)' : step === 'started' ? 'started' : 'admitted by the proxy'}\n`);
};

async function run(command: Exclude<RollingRestartCommand, { target: 'help' }>): Promise<void> {
  const started = Date.now();
  if (command.target === 'swarm') {
    // Swarm's own rolling update: update_config of docker-stack.yml (one task at a time, stop-first, 2 s apart).
    const service = `${command.stack}_${SWARM.appService}`;
    const result = spawnSync('docker', ['service', 'update', '--force', '--detach=false', service], { stdio: 'inherit' });
    if (result.error) throw new Error(`docker: ${result.error.message}`);
    if (result.status !== 0) throw new Error(`docker service update --force ${service} exited ${result.status}`);
  } else if (command.target === 'compose') {
    const compose = await findCompose({ project: command.project, dir: composeDir(process.env.INIT_CWD ?? process.cwd(), process.cwd()) });
    const proxyUrl = publishedUrl(await compose.run(['port', 'proxy', String(DEFAULT_PORT_BASE)], 20_000));
    if (!proxyUrl) throw new Error(`the compose stack's proxy is not running or does not publish port ${DEFAULT_PORT_BASE}: docker compose${command.project ? ` -p ${command.project}` : ''} up -d first`);
    const replicas = await servingReplicas(proxyUrl);
    out(`rolling restart of ${replicas.join(', ')} (docker compose stop, then start)\n`);
    await restartInTurn(replicas, {
      stop: async (replica) => void (await compose.run(['stop', replica], 120_000)),
      start: async (replica) => void (await compose.run(['start', replica], 120_000)),
      admitted: admittedBy(proxyUrl),
      onStep: reportStep,
    });
  } else {
    const client = controlClientOf(command);
    const info = await client.info(5000);
    const proxyUrl = info.frontends[0].url;
    const replicas = await servingReplicas(proxyUrl);
    out(`rolling restart of ${replicas.join(', ')} (the launcher's stop, then start)\n`);
    await restartInTurn(replicas, {
      stop: async (replica) => void (await client.act(replica, 'stop', undefined, 60_000)),
      start: async (replica) => void (await client.act(replica, 'start', undefined, 180_000)),
      admitted: admittedBy(proxyUrl),
      onStep: reportStep,
    });
  }
  out(`rolling restart done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

try {
  const command = parseRollingRestartArgs(process.argv.slice(2), { stack: process.env.AUTHSCALE_STACK ?? SWARM.stack, project: process.env.COMPOSE_PROJECT_NAME || undefined });
  if (command.target === 'help') {
    out(`${ROLLING_RESTART_USAGE}\n`);
  } else {
    run(command).catch((error: unknown) => {
      process.stderr.write(`${cliMessage('rolling-restart', error)}${error instanceof ControlUnreachableError ? '. Start one with `npm start` or `npm run cluster -- up -d` (or pass --port-base).' : ''}\n`);
      process.exit(1);
    });
  }
} catch (error) {
  if (!(error instanceof RollingRestartUsageError)) throw error;
  process.stderr.write(`${cliMessage('rolling-restart', error)}\n${ROLLING_RESTART_USAGE}\n`);
  process.exit(2);
}
