import fs from 'node:fs';
import path from 'node:path';
import { DEVELOPMENT_SECRETS } from '../common/config';
import { AppError } from '../common/errors';
import { startControlApi, type ControlApi } from './control-api';
import { parseLaunchOptions, type LaunchConfig, type LaunchOptions } from './launch-options';
import { prefixedLine } from './log-format';
import { OrphanGuard } from './orphan-guard';
import { defaultRunDir, entryPoints, repoRoot } from './paths';
import { pollUntil } from '../common/poll';
import { portInUse } from '../common/ports';
import { httpOk, redisCommand, redisPing } from '../common/probes';
import { ServiceProcess, type ServiceState } from './service-process';
import {
  ALL_SERVICE_NAMES, APP_REPLICAS, BALANCER_SERVICES, HEALTH_PATHS, REDIS_NODES, SENTINEL, SENTINEL_NAMES, SERVICE_NAMES, localLatencyPorts, localPorts, portsToCheck, serviceSpec,
} from './topology';
import {
  BALANCER_RELOAD_SIGNAL, balancerConfigFile, balancerProcessSpec, haPaths, localBalancerConfig, localProcessSpecs, localRedisUrl, localSentinels, planBalancers,
  planRedis, sentinelConfFiles, type RedisPlan,
} from './local-services';
import { balancerFrontends } from './balancers';
import type { ExternalBalancerName } from '../common/vocabulary';
import { TERMINATING, VERBS, normaliseSignal, type Verb } from './verbs';

export type { LaunchOptions } from './launch-options';
export type { ServiceState } from './service-process';
export { REDIS_INSTALL_HINT } from './local-services';
export { VERBS, normaliseSignal, type Verb } from './verbs';

export interface RunningFrontend {
  port: number;
  strategy: string;
  url: string;
}

export interface RunningCluster {
  /** The proxy's frontends. */
  frontends: RunningFrontend[];
  /** HAProxy and nginx, when asked for (`balancers`): each one's frontends, one per strategy. */
  balancers: readonly { name: ExternalBalancerName; frontends: RunningFrontend[] }[];
  controlUrl: string;
  adminToken: string;
  redisUrl?: string;
  /** HA (`redis: 'ha'`): `host:port` of each Sentinel; the replicas find the primary through them. */
  sentinels?: readonly string[];
  /** 'single', 'ha', 'external' or 'none': which Redis set-up this cluster runs. */
  redisTopology: RedisTopology;
  /** Where logs/<service>.log and the redis data live. */
  runDir: string;
  /** Things the user should know (e.g. redis-server missing), already printed to the logs. */
  warnings: readonly string[];
  services(): Promise<ServiceState[]>;
  act(service: string, verb: Verb, signal?: string): Promise<void>;
  close(): Promise<void>;
  /** With the `latency` option: the injector's control API (docs/distance.md), behind the admin token. */
  latency?: { controlUrl: string };
  /** Settles once the cluster is closed (by close() or by `POST /cluster/down` on the control API). */
  closed: Promise<void>;
}

export type RedisTopology = 'single' | 'ha' | 'external' | 'none';

export interface LaunchDeps {
  /** Base environment of the services (secrets, APP_ENV, PATH); default: this process's. */
  env?: NodeJS.ProcessEnv;
}

/** Start-up failed: names the service and says what to do. Nothing is left running. */
export class ClusterStartError extends Error {
  constructor(message: string, readonly service?: string) {
    super(message);
    this.name = 'ClusterStartError';
  }
}

function tail(file: string, lines = 12): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

class LocalCluster implements RunningCluster {
  readonly frontends: RunningCluster['frontends'];
  readonly balancers: RunningCluster['balancers'];
  readonly controlUrl: string;
  readonly adminToken: string;
  readonly redisUrl?: string;
  readonly sentinels?: readonly string[];
  readonly redisTopology: RedisTopology;
  readonly runDir: string;
  readonly warnings: string[] = [];
  readonly closed: Promise<void>;
  readonly latency?: { controlUrl: string };

  private readonly ports: ReturnType<typeof localPorts>;
  private readonly processes = new Map<string, ServiceProcess>();
  private readonly guard = OrphanGuard.start();
  private readonly logDir: string;
  private readonly clusterLog: fs.WriteStream;
  private control: ControlApi | undefined;
  private closing: Promise<void> | undefined;
  private resolveClosed!: () => void;
  private readonly busy = new Map<string, Promise<void>>();
  /** Replicas in the balancers' configs: app1..app3 from the start, app4 once started (then the configs are reloaded). */
  private readonly balanced = new Set<string>();

  constructor(
    private readonly config: LaunchConfig,
    private readonly env: NodeJS.ProcessEnv,
    private readonly root: string,
    private readonly redisPlan: RedisPlan,
    runDir: string,
    private readonly balancerBins: readonly { name: ExternalBalancerName; bin: string }[] = [],
  ) {
    this.ports = localPorts(config.portBase);
    this.frontends = this.ports.frontends.map((f) => ({ ...f, url: `http://127.0.0.1:${f.port}` }));
    this.balancers = balancerBins.map(({ name }) => ({
      name, frontends: balancerFrontends(name, config.portBase).map((f) => ({ ...f, url: `http://127.0.0.1:${f.port}` })),
    }));
    for (const name of APP_REPLICAS) if (serviceSpec(name)?.profile === undefined || config.withApp4) this.balanced.add(name);
    this.controlUrl = `http://127.0.0.1:${this.ports.control}`;
    this.adminToken = env.ADMIN_TOKEN || DEVELOPMENT_SECRETS.admin;
    this.redisUrl = localRedisUrl(redisPlan, config.portBase);
    if (config.latency) this.latency = { controlUrl: `http://127.0.0.1:${localLatencyPorts(config.portBase).control}` };
    this.sentinels = localSentinels(redisPlan, config.portBase);
    this.redisTopology = redisPlan.kind === 'ha' ? 'ha' : redisPlan.kind === 'spawn' ? 'single' : redisPlan.kind === 'external' ? 'external' : 'none';
    this.runDir = runDir;
    this.logDir = path.join(runDir, 'logs');
    this.closed = new Promise((resolve) => { this.resolveClosed = resolve; });
    fs.mkdirSync(this.logDir, { recursive: true });
    // A fresh cluster starts with fresh logs and an empty Redis (kept across kill/start within a run).
    for (const name of [...ALL_SERVICE_NAMES, 'latency', 'cluster']) fs.rmSync(this.logFile(name), { force: true });
    fs.rmSync(this.redisDir, { recursive: true, force: true });
    fs.mkdirSync(this.redisDir, { recursive: true });
    if (redisPlan.kind === 'ha') {
      // Written once: Sentinels rewrite their file with what they learn, and keep it across a restart.
      for (const dir of Object.values(haPaths(this.redisDir).data)) fs.mkdirSync(dir, { recursive: true });
      for (const [file, content] of Object.entries(sentinelConfFiles(this.redisDir, config.portBase))) fs.writeFileSync(file, content);
    }
    this.clusterLog = fs.createWriteStream(this.logFile('cluster'), { flags: 'a' });
    this.clusterLog.on('error', () => undefined);
    this.createProcesses();
  }

  private get redisDir(): string {
    return path.join(this.runDir, 'redis-data');
  }

  logFile(name: string): string {
    return path.join(this.logDir, `${name}.log`);
  }

  private show(service: string, line: string): void {
    const logs = this.config.logs;
    if (logs === 'silent') return;
    const index = ALL_SERVICE_NAMES.indexOf(service);
    const stream = logs === 'inherit' ? process.stdout : logs;
    const colour = logs === 'inherit' && process.stdout.isTTY === true;
    stream.write(`${prefixedLine(service, line, { width: 7, colour, index: index < 0 ? 6 : index })}\n`);
  }

  say(message: string): void {
    this.clusterLog.write(`${new Date().toISOString()} ${message}\n`);
    this.show('cluster', message);
  }

  private createProcesses(): void {
    const onLine = (service: string, line: string): void => this.show(service, line);
    // One line per state change: an exit is news whether someone asked for it or not.
    const onExit = (service: string, how: string): void => this.say(`${service} ${how.startsWith('killed') || how.startsWith('exited') ? how : `failed: ${how}`}`);
    const specs = localProcessSpecs({
      config: this.config, env: this.env, root: this.root, redisPlan: this.redisPlan, redisDir: this.redisDir,
      adminToken: this.adminToken, controlUrl: this.controlUrl, logFile: (name) => this.logFile(name),
    });
    for (const plan of this.balancerBins) {
      const dir = this.balancerDir(plan.name);
      specs.push(balancerProcessSpec(plan, { portBase: this.config.portBase, dir, env: this.env, logFile: this.logFile(plan.name) }));
    }
    for (const spec of specs) this.processes.set(spec.name, new ServiceProcess(spec, this.guard, onLine, onExit));
  }

  private balancerDir(name: ExternalBalancerName): string {
    return path.join(this.runDir, 'balancers', name);
  }

  /** Write a balancer's config from the topology and the replicas it should know now. */
  private writeBalancerConfig(name: ExternalBalancerName): void {
    const dir = this.balancerDir(name);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(balancerConfigFile(dir, name), localBalancerConfig({
      name, portBase: this.config.portBase, replicas: APP_REPLICAS.filter((id) => this.balanced.has(id)), adminToken: this.adminToken,
      affinitySecret: this.config.proxyEnv.AFFINITY_SECRET ?? this.env.AFFINITY_SECRET, dir,
    }));
  }

  /**
   * A replica the balancers do not know yet (app4) joins by a config reload, as it would in a
   * deployment of open-source nginx: HAProxy re-execs its worker (SIGUSR2), nginx re-reads (SIGHUP).
   */
  private async admitToBalancers(name: string): Promise<void> {
    if (this.balanced.has(name) || !APP_REPLICAS.includes(name)) return;
    this.balanced.add(name);
    for (const { name: balancer } of this.balancers) {
      const proc = this.processes.get(balancer);
      this.writeBalancerConfig(balancer);
      if (!proc?.alive) continue;
      proc.signal(BALANCER_RELOAD_SIGNAL[balancer], { group: false });
      this.say(`${balancer}: config reloaded with ${name}`);
    }
  }

  private healthy(name: string): Promise<boolean> {
    if (name === 'latency' && this.latency) return httpOk(`${this.latency.controlUrl}/health`);
    const kind = serviceSpec(name)?.kind;
    if (kind === 'balancer') {
      const balancer = this.balancers.find((b) => b.name === name);
      return balancer ? httpOk(`${balancer.frontends[0].url}${HEALTH_PATHS.app}`) : Promise.resolve(false);
    }
    if (kind === 'redis' || kind === 'sentinel') return redisPing(this.processes.get(name)?.spec.port ?? this.ports.redis);
    if (kind === 'app') return httpOk(`http://127.0.0.1:${this.ports.apps[name]}${HEALTH_PATHS.app}`);
    return Promise.all(this.frontends.map((f) => httpOk(`${f.url}${HEALTH_PATHS.proxy}`))).then((all) => all.every(Boolean));
  }

  /** Spawn one service and wait until it is healthy; on failure kill it and say why. */
  async startService(name: string): Promise<void> {
    const proc = this.processes.get(name);
    if (!proc || proc.alive) return;
    // A start queued behind close() must not spawn a process nobody will stop.
    if (this.closing) throw new ClusterStartError(`${name} not started: the cluster is shutting down.`, name);
    proc.spawn(await this.nodeArgs(proc));
    const ok = await pollUntil(() => this.healthy(name), { timeoutMs: this.config.startTimeoutMs, stop: () => !proc.alive });
    if (ok) {
      await this.waitForRedisConnection(name);
      proc.markRunning();
      this.say(`${name} is up (pid ${proc.pid}, port ${proc.spec.port})`);
      return;
    }
    const exited = !proc.alive;
    const why = exited ? proc.exitDescription() : `not healthy within ${this.config.startTimeoutMs} ms`;
    await proc.kill();
    const logTail = tail(this.logFile(name));
    const inUse = /EADDRINUSE|address already in use/i.test(logTail) ? ` Port ${proc.spec.port} is in use: free it or choose another --port-base.` : '';
    throw new ClusterStartError(
      `${name} failed to start (${why}).${inUse} Its log is ${this.logFile(name)}${logTail ? `:\n${logTail}` : ''}`,
      name,
    );
  }

  async up(): Promise<void> {
    if (this.redisPlan.kind === 'missing') {
      this.warnings.push(this.redisPlan.message);
      this.say(this.redisPlan.message);
    }
    if (this.processes.has('redis')) await this.startService('redis');
    if (this.redisPlan.kind === 'ha') await this.upSentinels();
    // Before the replicas: their Redis (and the proxy's route to them) may go through it.
    if (this.processes.has('latency')) await this.startService('latency');
    const apps = APP_REPLICAS.filter((name) => serviceSpec(name)?.profile === undefined || this.config.withApp4);
    await settleAll(apps.map((name) => this.startService(name)));
    this.control = await startControlApi({ cluster: this, port: this.ports.control, adminToken: this.adminToken, onDown: () => void this.close() });
    await this.startService('proxy');
    await this.waitForPool(10_000);
    for (const { name } of this.balancers) this.writeBalancerConfig(name);
    await settleAll(this.balancers.map(({ name }) => this.startService(name)));
  }

  /**
   * HA: a node started again comes back as a replica of whichever node the Sentinels name as
   * primary now (after a failover, not necessarily the one it was configured with), so it never
   * serves its stale data as a second primary while the Sentinels catch up.
   */
  private async nodeArgs(proc: ServiceProcess): Promise<string[] | undefined> {
    if (this.redisPlan.kind !== 'ha' || !REDIS_NODES.includes(proc.name)) return undefined;
    const primary = await this.redisPrimary();
    const base = proc.spec.args.filter((_, i, all) => all[i] !== '--replicaof' && all[i - 1] !== '--replicaof' && all[i - 2] !== '--replicaof');
    if (primary === undefined || primary === proc.name) return primary === proc.name ? base : undefined;
    const port = this.processes.get(primary)?.spec.port;
    return port === undefined ? undefined : [...base, '--replicaof', '127.0.0.1', String(port)];
  }

  /** HA: the replica, then the Sentinels, then until every Sentinel knows the primary and its replica. */
  private async upSentinels(): Promise<void> {
    await this.startService('redis2');
    // Up means in sync: before that the replica holds nothing a failover could keep.
    const synced = await pollUntil(async () => (await redisCommand(this.ports.redis2, ['INFO', 'replication']))?.[0]?.includes('master_link_status:up') ?? false, { timeoutMs: this.config.startTimeoutMs });
    if (!synced) throw new ClusterStartError('redis2 did not finish its first sync with the primary in time: see logs/redis2.log.', 'redis2');
    await settleAll(SENTINEL_NAMES.map((name) => this.startService(name)));
    const ports = this.ports.sentinels;
    const ready = await pollUntil(async () => {
      const views = await Promise.all(ports.map((port) => redisCommand(port, ['SENTINEL', 'replicas', SENTINEL.masterName])));
      return views.every((view) => view !== null && view.length > 0);
    }, { timeoutMs: this.config.startTimeoutMs });
    if (!ready) throw new ClusterStartError('The Sentinels did not discover the replica redis2 in time: see the sentinel logs.', 'sentinel1');
    this.say(`sentinels watch ${SENTINEL.masterName}: primary redis, replica redis2 (quorum ${SENTINEL.quorum}, down-after ${SENTINEL.downAfterMs} ms)`);
  }

  /** HA: the node the Sentinels currently name as primary (the first Sentinel that answers), if any. */
  async redisPrimary(): Promise<string | undefined> {
    if (this.redisPlan.kind !== 'ha') return this.redisPlan.kind === 'spawn' ? 'redis' : undefined;
    for (const [i, port] of this.ports.sentinels.entries()) {
      if (this.processes.get(SENTINEL_NAMES[i])?.state !== 'running') continue;
      const address = await redisCommand(port, ['SENTINEL', 'get-master-addr-by-name', SENTINEL.masterName], '127.0.0.1', 500);
      if (address && address.length === 2) {
        return REDIS_NODES.find((name) => this.processes.get(name)?.spec.port === Number(address[1]));
      }
    }
    return undefined;
  }

  /**
   * /health is liveness only, so a replica can be up a moment before its Redis client has connected,
   * and its first /redis request would get 503. When a Redis should be there, wait (briefly, best
   * effort) for /ready as well; without one, /ready stays 503 by design and is not waited for.
   */
  private async waitForRedisConnection(name: string): Promise<void> {
    if (serviceSpec(name)?.kind !== 'app') return;
    const redis = this.processes.get('redis');
    const expected = this.redisPlan.kind === 'external' || (redis !== undefined && redis.alive && redis.state !== 'paused');
    if (!expected) return;
    const ready = await pollUntil(() => httpOk(`http://127.0.0.1:${this.ports.apps[name]}/ready`), { timeoutMs: 5000 });
    if (!ready) this.say(`warning: ${name} is up but not ready (its Redis does not answer yet)`);
  }

  /** Until the proxy's health checks have admitted every running replica (best effort: warn otherwise). */
  private async waitForPool(timeoutMs: number): Promise<void> {
    const running = APP_REPLICAS.filter((name) => this.processes.get(name)?.state === 'running');
    const admitted = await pollUntil(async () => {
      const response = await fetch(`${this.frontends[0].url}${HEALTH_PATHS.proxy}`, { signal: AbortSignal.timeout(1000) });
      const body = (await response.json()) as { upstreams?: { id: string; healthy: boolean }[] };
      return running.every((name) => body.upstreams?.some((u) => u.id === name && u.healthy));
    }, { timeoutMs, stepMs: 200 });
    if (!admitted) this.say(`warning: the proxy has not yet marked every replica healthy (${running.join(', ')})`);
  }

  async services(): Promise<ServiceState[]> {
    const primary = this.redisPlan.kind === 'ha' ? await this.redisPrimary() : undefined;
    // HA-only services are listed only when this cluster runs them.
    return ALL_SERVICE_NAMES.filter((name) => this.processes.has(name) || SERVICE_NAMES.includes(name)).map((name) => {
      const balancer = this.balancers.find((b) => b.name === name);
      const proc = this.processes.get(name);
      const role = this.redisPlan.kind === 'ha' && REDIS_NODES.includes(name) && proc?.alive ? { role: name === primary ? 'primary' as const : 'replica' as const } : {};
      if (proc) return { ...proc.snapshot(), ...role, ...(name === 'proxy' ? { url: this.frontends[0].url } : balancer ? { url: balancer.frontends[0].url } : {}) };
      // Only redis can lack a process: missing binary, external URL, or disabled.
      const plan = this.redisPlan;
      if (plan.kind === 'external') return { name, state: 'external' as const, pid: null, port: null, url: plan.url };
      return { name, state: 'unavailable' as const, pid: null, port: null, note: plan.kind === 'missing' ? plan.message : 'disabled (redis: none)' };
    });
  }

  async act(service: string, verb: Verb, signal?: string): Promise<void> {
    if (!ALL_SERVICE_NAMES.includes(service)) {
      throw new AppError('not_found', `No service "${service}". Services: ${ALL_SERVICE_NAMES.join(', ')}.`);
    }
    if (!(VERBS as readonly string[]).includes(verb)) {
      throw new AppError('bad_request', `Unknown verb "${verb}". Verbs: ${VERBS.join(', ')}.`);
    }
    const proc = this.processes.get(service);
    if (!proc) {
      const haOnly = service !== 'redis';
      const note = serviceSpec(service)?.kind === 'balancer' ? `${service} runs only when asked for (up --lb ${service})`
        : haOnly ? `${service} runs only in the HA Redis topology (up --redis ha)`
        : this.redisPlan.kind === 'missing' ? this.redisPlan.message : 'redis is not managed by this launcher';
      throw new AppError('conflict', note);
    }
    if (this.closing) throw new AppError('conflict', 'The cluster is shutting down.');
    // One action per service at a time, so `stop` and `start` clicked quickly do not interleave.
    const previous = this.busy.get(service) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.perform(proc, verb, signal));
    this.busy.set(service, next);
    try {
      await next;
    } finally {
      if (this.busy.get(service) === next) this.busy.delete(service);
    }
  }

  private async perform(proc: ServiceProcess, verb: Verb, signal?: string): Promise<void> {
    const name = proc.name;
    switch (verb) {
      case 'kill': {
        const sig = normaliseSignal(signal ?? 'SIGKILL');
        if (!proc.alive) return;
        this.say(`${name}: kill -s ${sig}`);
        proc.signal(sig);
        if (TERMINATING.has(sig)) await proc.waitExit(sig === 'SIGKILL' ? 2000 : this.config.stopGraceMs);
        return;
      }
      case 'stop':
        this.say(`${name}: stop (SIGTERM, graceful)`);
        await proc.stop(this.config.stopGraceMs);
        return;
      case 'start':
        if (proc.alive) return;
        this.say(`${name}: start`);
        await this.startService(name).catch((error: Error) => {
          throw new AppError('internal_error', error.message);
        });
        await this.admitToBalancers(name);
        return;
      case 'restart':
        this.say(`${name}: restart`);
        await proc.stop(this.config.stopGraceMs);
        await this.startService(name).catch((error: Error) => {
          throw new AppError('internal_error', error.message);
        });
        return;
      case 'pause':
        if (!proc.alive) throw new AppError('conflict', `${name} is not running.`);
        this.say(`${name}: pause (SIGSTOP: the process hangs, connections stay open)`);
        proc.signal('SIGSTOP');
        return;
      case 'unpause':
        if (!proc.alive) throw new AppError('conflict', `${name} is not running.`);
        this.say(`${name}: unpause (SIGCONT)`);
        proc.signal('SIGCONT');
        return;
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      // Front to back: the proxy stops taking requests first, Redis goes last (SIGTERM lets it fsync).
      const grace = this.config.stopGraceMs;
      await Promise.all(BALANCER_SERVICES.flatMap(({ name }) => this.processes.get(name)?.stop(grace) ?? []));
      await this.processes.get('proxy')?.stop(grace);
      await Promise.all(APP_REPLICAS.flatMap((name) => this.processes.get(name)?.stop(grace) ?? []));
      await this.processes.get('latency')?.stop(grace);
      // Sentinels before the nodes, so stopping the primary does not start a failover.
      await Promise.all(SENTINEL_NAMES.flatMap((name) => this.processes.get(name)?.stop(grace) ?? []));
      await this.processes.get('redis2')?.stop(grace);
      await this.processes.get('redis')?.stop(grace);
      await this.control?.close();
      this.guard.close();
      this.say('all services stopped');
      await new Promise<void>((resolve) => this.clusterLog.end(resolve));
      this.resolveClosed();
    })();
    return this.closing;
  }
}

/** Wait for every start even when one fails (so none is left half-started), then throw the first error. */
async function settleAll(tasks: Promise<void>[]): Promise<void> {
  const results = await Promise.allSettled(tasks);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * Start the local cluster: redis, app1..app3 (+ app4), the control API, then the proxy, each
 * waited on until healthy. Any failure stops what was started and throws a ClusterStartError
 * that names the service and what to do.
 */
export async function startCluster(options: LaunchOptions = {}, deps: LaunchDeps = {}): Promise<RunningCluster> {
  const config = parseLaunchOptions(options);
  const env = deps.env ?? process.env;
  const root = repoRoot();
  const entries = entryPoints(root);
  const missing = Object.entries(entries).filter(([name, file]) => (name !== 'latency' || config.latency) && !fs.existsSync(file));
  if (missing.length > 0) {
    throw new ClusterStartError(
      `${missing.map(([name, file]) => `${name === 'app' ? 'app replica' : name}: ${path.relative(root, file)} not found`).join('; ')}. ` +
      'Run `npm run build` first.',
      missing[0][0] === 'app' ? 'app1' : 'proxy',
    );
  }
  const redisPlan = planRedis(config, env);
  if (config.redis === 'ha' && redisPlan.kind === 'missing') throw new ClusterStartError(`${redisPlan.message} Nothing was started.`, 'redis');
  const balancerPlans = planBalancers(config.balancers, env);
  const missingBalancers = balancerPlans.flatMap((p) => ('missing' in p ? [p.missing] : []));
  if (missingBalancers.length > 0) throw new ClusterStartError(`${missingBalancers.join(' ')} Nothing was started.`, balancerPlans.find((p) => 'missing' in p)?.name);
  const busy: string[] = [];
  const spawnsRedis = redisPlan.kind === 'spawn' || redisPlan.kind === 'ha';
  for (const { port, owner } of portsToCheck(config.portBase, config.latency !== undefined, config.balancers)) {
    if (owner === 'redis' && !spawnsRedis) continue;
    if ((owner === 'redis2' || SENTINEL_NAMES.includes(owner)) && redisPlan.kind !== 'ha') continue;
    if (await portInUse(port)) busy.push(`${port} (${owner})`);
  }
  if (busy.length > 0) {
    throw new ClusterStartError(
      `Port${busy.length > 1 ? 's' : ''} already in use: ${busy.join(', ')}. Stop what uses ${busy.length > 1 ? 'them' : 'it'} ` +
      `(another cluster? \`npm run cluster -- down\`) or choose another port base (--port-base N or AUTHSCALE_PORT_BASE). Nothing was started.`,
      busy[0].match(/\((\S+)/)?.[1],
    );
  }
  const bins = balancerPlans.flatMap((p) => ('bin' in p ? [p] : []));
  const cluster = new LocalCluster(config, env, root, redisPlan, config.runDir ?? defaultRunDir(root, config.portBase), bins);
  try {
    await cluster.up();
  } catch (error) {
    await cluster.close();
    throw error;
  }
  return cluster;
}
