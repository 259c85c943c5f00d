import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { COMPOSE, SWARM } from './topology';
import { cliMessage } from '../common/cli-message';
import { repoRoot } from './paths';
import { SWARM_USAGE, SwarmUsageError, parseSwarmArgs, type SwarmCommand } from './swarm-args';
import { fetchProxyStatus } from '../loadtest/target';
import { localProxyUrl } from '../loadtest/swarm-target';

/**
 * `npm run swarm -- deploy|rm|ps|scale N`: thin wrapper around `docker stack deploy` and friends
 * for docker-stack.yml, run on a swarm manager (DOCKER_HOST may point at one).
 */

function docker(args: readonly string[], options: { capture?: boolean; env?: NodeJS.ProcessEnv } = {}): string {
  const result = spawnSync('docker', args, {
    cwd: repoRoot(),
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    stdio: options.capture ? ['ignore', 'pipe', 'pipe'] : 'inherit',
  });
  if (result.error) throw new Error(`docker ${args[0]}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`docker ${args.join(' ')} exited ${result.status}${options.capture ? `: ${result.stderr.trim()}` : ''}`);
  return result.stdout ?? '';
}

function stackServices(stack: string): { name: string; running: number; wanted: number; updating: boolean }[] {
  const out = docker(['service', 'ls', '--filter', `label=com.docker.stack.namespace=${stack}`, '--format', '{{.Name}} {{.Replicas}}'], { capture: true });
  return out.trim().split('\n').filter(Boolean).map((line) => {
    const [name, replicas] = line.split(' ');
    const [running, wanted] = replicas.split('/').map((n) => Number.parseInt(n, 10));
    // A rolling update shows n/n between two of its steps: converged only once it has completed.
    const update = docker(['service', 'inspect', name, '--format', '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}'], { capture: true }).trim();
    return { name, running, wanted, updating: update === 'updating' || update === 'rollback_started' };
  });
}

async function waitConverged(stack: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const services = stackServices(stack);
    const pending = services.filter((s) => s.running !== s.wanted || s.updating);
    if (services.length > 0 && pending.length === 0) {
      process.stdout.write(`swarm: ${services.map((s) => `${s.name} ${s.running}/${s.wanted}`).join(', ')}: all tasks running\n`);
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`not converged after ${timeoutMs / 1000} s: ${pending.map((s) => `${s.name} ${s.running}/${s.wanted}${s.updating ? ' (updating)' : ''}`).join(', ')} (see npm run swarm -- ps)`);
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/**
 * Tasks "running" is not yet serving: the proxy finds new tasks by DNS (every 2 s) and checks them
 * before it routes to them. When the proxy publishes its ports on this node, wait until it reports
 * as many healthy replicas as the service wants, so a request right after deploy is served.
 */
async function waitServing(stack: string, timeoutMs: number): Promise<void> {
  const local = await localProxyUrl(stack);
  if (typeof local === 'string') {
    process.stdout.write(`swarm: ${local}: not waiting for the proxy to report healthy replicas\n`);
    return;
  }
  const { url } = local;
  const wanted = Number(docker(['service', 'inspect', `${stack}_${SWARM.appService}`, '--format', '{{.Spec.Mode.Replicated.Replicas}}'], { capture: true }).trim());
  const deadline = Date.now() + timeoutMs;
  let healthy = 0;
  while (Date.now() < deadline) {
    const status = await fetchProxyStatus(url).catch(() => undefined);
    healthy = status?.upstreams.filter((u) => u.healthy && u.lastCheck?.ok).length ?? 0;
    if (healthy >= wanted) {
      process.stdout.write(`swarm: the proxy at ${url} routes to ${healthy} healthy replicas\n`);
      return;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`the proxy reports ${healthy} of ${wanted} replicas healthy after ${timeoutMs / 1000} s (see npm run swarm -- ps, and docker service logs ${stack}_proxy)`);
}

function ps(stack: string): void {
  docker(['stack', 'ps', stack, '--filter', 'desired-state=running', '--format', 'table {{.Name}}\t{{.Node}}\t{{.CurrentState}}\t{{.Error}}']);
}

async function run(command: SwarmCommand): Promise<void> {
  const image = process.env.AUTHSCALE_IMAGE ?? COMPOSE.image;
  switch (command.verb) {
    case 'deploy': {
      if (command.build) docker(['build', '-t', image, '.']);
      if (command.ship) {
        // No registry: the command copies the image to the other nodes (docs/swarm.md gives examples).
        const shipped = spawnSync('sh', ['-c', command.ship], { stdio: 'inherit', env: { ...process.env, AUTHSCALE_IMAGE: image } });
        if (shipped.status !== 0) throw new Error(`--ship command exited ${shipped.status ?? shipped.signal}`);
      } else {
        process.stdout.write(`swarm: ${image} exists on this node only; other nodes need it from a registry or --ship (docs/swarm.md)\n`);
      }
      docker(['stack', 'deploy', '-c', path.join(repoRoot(), 'docker-stack.yml'), command.stack], { env: { AUTHSCALE_IMAGE: image } });
      await waitConverged(command.stack, 240_000);
      await waitServing(command.stack, 120_000);
      ps(command.stack);
      return;
    }
    case 'rm':
      docker(['stack', 'rm', command.stack]);
      return;
    case 'ps':
      ps(command.stack);
      return;
    case 'scale':
      docker(['service', 'scale', '--detach=false', `${command.stack}_${SWARM.appService}=${command.replicas}`]);
      ps(command.stack);
      return;
  }
}

try {
  const command = parseSwarmArgs(process.argv.slice(2), process.env.AUTHSCALE_STACK ?? SWARM.stack);
  run(command).catch((err: unknown) => {
    process.stderr.write(`${cliMessage('swarm', err)}\n`);
    process.exit(1);
  });
} catch (err) {
  if (!(err instanceof SwarmUsageError)) throw err;
  process.stderr.write(`${cliMessage('swarm', err)}\n${SWARM_USAGE}\n`);
  process.exit(2);
}
