import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { containerBalancerFrontends } from '../cluster/compose-balancers';
import { DEFAULT_PORT_BASE, FRONTENDS, SCALE_ONLY } from '../cluster/topology';
import { pollUntil } from '../common/poll';
import { cpuMicros, processVisible } from '../common/process-cpu';
import { EXTERNAL_BALANCERS, type ExternalBalancerName, type LoadBalancerName } from '../common/vocabulary';
import type { BalancerAccess, BenchTarget, FaultActions, FaultVerb, Frontend } from './target';
import { fetchProxyStatus, withoutNodes } from './target';
import { composeContainers } from './containers';
import { RedisCliSession } from './redis-cli-session';

/**
 * `npm run bench -- --compose [-p NAME]`: a running `docker compose up` stack of this repo. The
 * frontends' host ports come from `docker compose port`, faults are docker compose verbs on the
 * services, garbage collection is `docker compose kill -s SIGUSR2`. Replicas are not published:
 * the memory scenario reaches one through the proxy's admin-token route (/_proxy/upstreams/{id}/direct).
 */
export interface ComposeOptions {
  project?: string;
  /** Where docker-compose.yml is: the current directory when it has one, else the repository. */
  cwd: string;
  root: string;
  adminToken: string;
  /** The balancer the scenarios go through (--lb): HAProxy and nginx run from their compose profiles. */
  lb?: LoadBalancerName;
}

/** Compose needs the balancers' profiles to address their services. */
const BALANCER_PROFILES = EXTERNAL_BALANCERS.flatMap((name) => ['--profile', name]);

export interface Compose {
  /** e.g. ["docker", "compose"] or ["docker-compose"] */
  readonly command: readonly string[];
  readonly dir: string;
  readonly project?: string;
  run(args: readonly string[], timeoutMs?: number): Promise<string>;
}

/** Runs a command (no shell); its stdout, or an error quoting the last lines of its stderr. */
export const execCommand = (file: string, args: readonly string[], options: { cwd: string; timeoutMs: number }): Promise<string> =>
  new Promise((resolve, reject) => {
    execFile(file, [...args], { cwd: options.cwd, timeout: options.timeoutMs }, (error, stdout, stderr) => {
      if (error) reject(new Error(`\`${file} ${args.join(' ')}\` failed: ${(stderr || error.message).trim().split('\n').slice(-3).join(' ')}`));
      else resolve(stdout.trim());
    });
  });

/** The compose file's directory: the current one when it holds a docker-compose.yml, else the repository root (pure but for fs). */
export function composeDir(cwd: string, root: string): string {
  for (const dir of [cwd, root]) {
    if (['docker-compose.yml', 'compose.yml', 'docker-compose.yaml', 'compose.yaml'].some((f) => fs.existsSync(path.join(dir, f)))) return dir;
  }
  throw new Error(`no docker-compose.yml in ${cwd} or ${root}: run the bench from this repository`);
}

/** `docker compose` (v2, or v1.29 behind the plugin name) when it answers, else `docker-compose`. */
export async function findCompose(options: { project?: string; dir: string }): Promise<Compose> {
  const candidates: string[][] = [['docker', 'compose'], ['docker-compose']];
  for (const command of candidates) {
    const works = await execCommand(command[0], [...command.slice(1), 'version'], { cwd: options.dir, timeoutMs: 15_000 }).then(() => true, () => false);
    if (!works) continue;
    const projectArgs = options.project ? ['-p', options.project] : [];
    return {
      command,
      dir: options.dir,
      project: options.project,
      run: (args, timeoutMs = 90_000) => execCommand(command[0], [...command.slice(1), ...projectArgs, ...args], { cwd: options.dir, timeoutMs }),
    };
  }
  throw new Error('neither `docker compose` nor `docker-compose` is installed or answering (is DOCKER_HOST set?)');
}

/** "127.0.0.1:18080" or "0.0.0.0:8080" or "[::]:8080" → a loopback URL (pure); undefined when not published. */
export function publishedUrl(portOutput: string): string | undefined {
  const line = portOutput.split('\n').map((l) => l.trim()).find((l) => /:\d+$/.test(l));
  if (!line) return undefined;
  const port = Number(line.slice(line.lastIndexOf(':') + 1));
  return port > 0 ? `http://127.0.0.1:${port}` : undefined;
}

/** The compose verb for each fault (pure): app4 comes from the `scale` profile. */
export function composeFaultArgs(service: string, verb: FaultVerb): string[] {
  if (service === SCALE_ONLY) {
    if (verb === 'start') return ['--profile', 'scale', 'up', '-d', '--no-deps', SCALE_ONLY];
    if (verb === 'stop') return ['--profile', 'scale', 'stop', SCALE_ONLY];
  }
  return [verb, service];
}

export async function connectCompose(options: ComposeOptions): Promise<BenchTarget & { compose: Compose }> {
  const compose = await findCompose({ project: options.project, dir: composeDir(options.cwd, options.root) });
  const named = `compose project ${compose.project ? `"${compose.project}"` : '(compose\'s default name)'} in ${compose.dir}`;
  const hostUrl = new Map<number, string>();
  for (const frontend of FRONTENDS) {
    const containerPort = DEFAULT_PORT_BASE + frontend.offset;
    const out = await compose.run(['port', 'proxy', String(containerPort)], 20_000).catch((error: Error) => {
      throw new Error(`${named}: the proxy's port ${containerPort} is not published (${error.message}); start the stack first: docker compose${compose.project ? ` -p ${compose.project}` : ''} up --build -d`);
    });
    const url = publishedUrl(out);
    if (!url) throw new Error(`${named}: the proxy is not running or its port ${containerPort} is not published; start the stack first: docker compose${compose.project ? ` -p ${compose.project}` : ''} up --build -d`);
    hostUrl.set(containerPort, url);
  }
  const first = hostUrl.get(DEFAULT_PORT_BASE)!;
  const status = await fetchProxyStatus(first);
  // The proxy reports its container ports; the bench reaches them through the published ones.
  const frontends: Frontend[] = status.frontends.map((f) => {
    const url = hostUrl.get(f.port);
    if (!url) throw new Error(`${named}: the proxy serves port ${f.port}, which docker-compose.yml does not publish`);
    return { port: Number(new URL(url).port), strategy: f.strategy, url };
  });
  const proxy: BalancerAccess = { name: 'node', frontends: frontends.map((f) => ({ ...f, balancer: 'node' })), cpuMicros: () => containerCpu(compose, 'proxy'), cpuCounts: 'the proxy container\'s processes' };
  const external = (await Promise.all(EXTERNAL_BALANCERS.map((name) => balancerAccess(compose, name)))).filter((b): b is BalancerAccess => b !== undefined);
  const balancers = [proxy, ...external];
  const lb = options.lb ?? 'node';
  const chosen = balancers.find((b) => b.name === lb);
  if (!chosen) throw new Error(`${named}: ${lb} is not running or not published; start it with its profile: docker compose${compose.project ? ` -p ${compose.project}` : ''} --profile ${lb} up --build -d`);
  const redisCli = new RedisCliSession([...compose.command, ...(compose.project ? ['-p', compose.project] : []), 'exec', '-T', 'redis', 'redis-cli'], compose.dir);
  const faults: FaultActions = withoutNodes({
    unavailable: () => undefined,
    run: async (service, verb) => {
      await compose.run(composeFaultArgs(service, verb));
      // Open-source nginx learns of a new replica only by reloading its config (cluster/balancer-entry.ts re-resolves on SIGHUP).
      if (service === SCALE_ONLY && verb === 'start' && external.some((b) => b.name === 'nginx')) {
        await pollUntil(async () => (await containerHealth(compose, SCALE_ONLY)) === 'healthy', { timeoutMs: 120_000, stepMs: 1000 });
        await compose.run([...BALANCER_PROFILES, 'kill', '-s', 'SIGHUP', 'nginx']);
      }
    },
  }, 'a compose stack');
  return {
    url: first,
    local: false,
    kind: 'docker compose',
    frontends: chosen.frontends,
    balancer: lb,
    balancers,
    adminToken: options.adminToken,
    faults,
    compose,
    containers: composeContainers(compose, [...hostUrl.values()].map((url) => Number(new URL(url).port))),
    // Redis is not published: its INFO comes through one redis-cli kept open in its container.
    redisInfo: (section) => redisCli.info(section),
    collectGarbage: async (replica) => {
      await compose.run(['kill', '-s', 'SIGUSR2', replica]);
    },
    status: () => fetchProxyStatus(first),
    close: async () => redisCli.close(),
  };
}

/** HAProxy or nginx of the stack, when its profile runs: its published frontends and its container's CPU. */
async function balancerAccess(compose: Compose, name: ExternalBalancerName): Promise<BalancerAccess | undefined> {
  const frontends: Frontend[] = [];
  for (const f of containerBalancerFrontends(name)) {
    const url = publishedUrl(await compose.run([...BALANCER_PROFILES, 'port', name, String(f.port)], 20_000).catch(() => ''));
    if (!url) return undefined;
    frontends.push({ port: Number(new URL(url).port), strategy: f.strategy, url, balancer: name });
  }
  return { name, frontends, cpuMicros: () => containerCpu(compose, name), cpuCounts: `the ${name} container's processes (its entry, the master and its worker)` };
}

async function containerId(compose: Compose, service: string): Promise<string> {
  return (await compose.run([...BALANCER_PROFILES, 'ps', '-q', service], 20_000)).split('\n')[0]?.trim() ?? '';
}

async function containerHealth(compose: Compose, service: string): Promise<string> {
  const id = await containerId(compose, service).catch(() => '');
  return id ? dockerInspect(id, '{{if .State.Health}}{{.State.Health.Status}}{{end}}').catch(() => '') : '';
}

/** CPU µs of a container's processes, read from /proc when this machine shares the engine's kernel and sees them. */
async function containerCpu(compose: Compose, service: string): Promise<number | undefined> {
  const id = await containerId(compose, service).catch(() => '');
  const pid = id ? Number(await dockerInspect(id, '{{.State.Pid}}').catch(() => '0')) : 0;
  return pid > 0 && processVisible(pid) ? cpuMicros(pid) : undefined;
}

function dockerInspect(id: string, format: string): Promise<string> {
  return execCommand('docker', ['inspect', '-f', format, id], { cwd: process.cwd(), timeoutMs: 20_000 });
}
