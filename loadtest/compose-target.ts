import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { containerBalancerFrontends } from '../cluster/compose-balancers';
import { COMPOSE, DEFAULT_PORT_BASE, FRONTENDS, REDIS_NODES, SCALE_ONLY, SENTINEL, SENTINEL_NAMES } from '../cluster/topology';
import { pollUntil } from '../common/poll';
import { cpuMicros, processVisible } from '../common/process-cpu';
import { EXTERNAL_BALANCERS, type ExternalBalancerName, type LoadBalancerName } from '../common/vocabulary';
import type { BalancerAccess, BenchTarget, FaultActions, FaultVerb, Frontend } from './target';
import { LINK_VERBS, fetchProxyStatus, withoutNodes } from './target';
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
  /** The compose files the stack was started with (`-f` each), or none: compose's own default. */
  readonly files: readonly string[];
  /** The whole command line for `args` (project and files included), e.g. for a process kept open. */
  argv(args: readonly string[]): string[];
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
    if (works) return composeWith(command, options.dir, options.project, []);
  }
  throw new Error('neither `docker compose` nor `docker-compose` is installed or answering (is DOCKER_HOST set?)');
}

function composeWith(command: readonly string[], dir: string, project: string | undefined, files: readonly string[]): Compose {
  const argv = (args: readonly string[]): string[] => [
    ...command, ...(project ? ['-p', project] : []), ...files.flatMap((f) => ['-f', f]), ...args,
  ];
  return {
    command, dir, project, files,
    argv,
    run: (args, timeoutMs = 90_000) => {
      const [file, ...rest] = argv(args);
      return execCommand(file, rest, { cwd: dir, timeoutMs });
    },
  };
}

/**
 * The files a running stack was started with, from the label compose puts on its containers
 * ("docker-compose.yml,docker-compose.ha.yml"; v2 writes absolute paths), resolved against the
 * stack's working directory (pure). Every later command names the same files, so services of an
 * override (redis2, the Sentinels, the latency injector) are found, and nothing else is assumed.
 */
export function stackFiles(label: string | undefined, workingDir: string | undefined): string[] {
  if (!label || !label.trim() || label.trim() === '<no value>') return [];
  return label.split(',').map((f) => f.trim()).filter(Boolean).map((f) => (workingDir ? path.resolve(workingDir, f) : f));
}

/** The same compose, naming the files the running stack was started with (read from its proxy container). */
async function followStack(compose: Compose): Promise<Compose> {
  const format = '{{index .Config.Labels "com.docker.compose.project.config_files"}}|{{index .Config.Labels "com.docker.compose.project.working_dir"}}';
  const [files, workingDir] = ((await inspectService(compose, 'proxy', format)) ?? '').split('|');
  const resolved = stackFiles(files, workingDir?.trim() || undefined);
  if (resolved.length === 0 || !resolved.every((f) => fs.existsSync(f))) return compose;
  return composeWith(compose.command, compose.dir, compose.project, resolved);
}

/**
 * The first container of a service in the stack, and one field of its `docker inspect`; undefined
 * when there is none. With the balancers' profiles, so HAProxy and nginx are found too.
 */
async function inspectService(compose: Compose, service: string, format: string): Promise<string | undefined> {
  const withProfiles = { run: (args: readonly string[], timeoutMs?: number) => compose.run([...BALANCER_PROFILES, ...args], timeoutMs) };
  const id = await composeContainers(withProfiles, []).containerId(service);
  if (!id) return undefined;
  return execCommand('docker', ['inspect', '-f', format, id], { cwd: compose.dir, timeoutMs: 20_000 }).catch(() => undefined);
}

/** When the service's container last died (docker's record, on the host's clock): the moment a kill landed. */
export async function diedAt(compose: Compose, service: string): Promise<number | undefined> {
  const ms = Date.parse((await inspectService(compose, service, '{{.State.FinishedAt}}')) ?? '');
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/** The service's container addresses on the stack's networks (read, never dialled: the bench stays on loopback). */
export async function containerAddresses(compose: Compose, service: string): Promise<string[]> {
  const out = await inspectService(compose, service, '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}');
  return out?.split(/\s+/).filter(Boolean) ?? [];
}

/** "127.0.0.1:18080" or "0.0.0.0:8080" or "[::]:8080" → a loopback URL (pure); undefined when not published. */
export function publishedUrl(portOutput: string): string | undefined {
  const line = portOutput.split('\n').map((l) => l.trim()).find((l) => /:\d+$/.test(l));
  if (!line) return undefined;
  const port = Number(line.slice(line.lastIndexOf(':') + 1));
  return port > 0 ? `http://127.0.0.1:${port}` : undefined;
}

/** A password no node has: a replica given it as masterauth cannot link to its primary. */
const ISOLATED_MASTERAUTH = 'authscale-replica-isolated';

/**
 * `isolate`: the replica's link to its primary is dropped and refused from then on (its masterauth
 * no longer matches), while it stays up and keeps answering the Sentinels and everyone else, as
 * with a partition of the replication path alone; it misses every write until `rejoin` restores
 * its masterauth (from its own environment, so the password never shows in a command line).
 */
async function replicationLink(compose: Compose, replica: string, verb: 'isolate' | 'rejoin'): Promise<void> {
  const cli = (node: string, command: string): Promise<string> => compose.run(['exec', '-T', node, 'sh', '-c', command], 30_000);
  if (verb === 'rejoin') {
    const answer = await cli(replica, 'redis-cli config set masterauth "$REDISCLI_AUTH"');
    if (answer.trim() !== 'OK') throw new Error(`rejoin ${replica}: CONFIG SET masterauth answered ${answer.trim() || 'nothing'}`);
    return;
  }
  const answer = await cli(replica, `redis-cli config set masterauth ${ISOLATED_MASTERAUTH}`);
  if (answer.trim() !== 'OK') throw new Error(`isolate ${replica}: CONFIG SET masterauth answered ${answer.trim() || 'nothing'}`);
  // Then the primary drops the link it holds; the replica's reconnections are refused from now on.
  for (const node of REDIS_NODES.filter((n) => n !== replica)) await cli(node, 'redis-cli client kill type replica').catch(() => '');
}

/** The compose verb for each fault (pure): app4 comes from the `scale` profile. */
export function composeFaultArgs(service: string, verb: FaultVerb): string[] {
  if (service === SCALE_ONLY) {
    if (verb === 'start') return ['--profile', 'scale', 'up', '-d', '--no-deps', SCALE_ONLY];
    if (verb === 'stop') return ['--profile', 'scale', 'stop', SCALE_ONLY];
  }
  return [verb, service];
}

export interface ComposeTarget extends BenchTarget {
  compose: Compose;
  /** The services of the stack's merged configuration (`docker compose config --services`). */
  services: readonly string[];
}

/**
 * A redis-cli on the Redis primary, run inside the stack: `redis` itself, or with Sentinels
 * (docker-compose.ha.yml) the node they name primary at the moment the session opens (after a
 * failover that is redis2, and a reopened session follows the next one).
 */
export function primaryCli(services: readonly string[]): string[] {
  if (!services.includes(SENTINEL_NAMES[0])) return ['redis', 'redis-cli'];
  const ask = `redis-cli -p ${COMPOSE.sentinelPort} sentinel get-master-addr-by-name ${SENTINEL.masterName}`;
  return [SENTINEL_NAMES[0], 'sh', '-c', `set -- $(${ask}); exec redis-cli -h "$1" -p "$2"`];
}

export async function connectCompose(options: ComposeOptions): Promise<ComposeTarget> {
  const compose = await followStack(await findCompose({ project: options.project, dir: composeDir(options.cwd, options.root) }));
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
  const services = (await compose.run(['config', '--services'], 30_000).catch(() => '')).split('\n').map((s) => s.trim()).filter(Boolean);
  const redisCli = new RedisCliSession(compose.argv(['exec', '-T', ...primaryCli(services)]), compose.dir);
  const faults: FaultActions = withoutNodes({
    unavailable: (service, verb) => LINK_VERBS.includes(verb) && !(REDIS_NODES.includes(service) && services.includes(service) && services.includes(SENTINEL_NAMES[0]))
      ? `${verb} ${service}: the stack has no Redis replica of that name (start it with -f docker-compose.yml -f docker-compose.ha.yml)` : undefined,
    run: async (service, verb) => {
      if (verb === 'isolate' || verb === 'rejoin') await replicationLink(compose, service, verb);
      else await compose.run(composeFaultArgs(service, verb));
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
    services,
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

async function containerHealth(compose: Compose, service: string): Promise<string> {
  return (await inspectService(compose, service, '{{if .State.Health}}{{.State.Health.Status}}{{end}}')) ?? '';
}

/** CPU µs of a container's processes, read from /proc when this machine shares the engine's kernel and sees them. */
async function containerCpu(compose: Compose, service: string): Promise<number | undefined> {
  const pid = Number((await inspectService(compose, service, '{{.State.Pid}}')) ?? 0);
  return pid > 0 && processVisible(pid) ? cpuMicros(pid) : undefined;
}
