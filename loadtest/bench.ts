import os from 'node:os';
import { EventEmitter, setMaxListeners } from 'node:events';
import { waitHealthy, type Progress, type RunContext } from './context';
import { connectCompose, publishedUrl, type ComposeTarget } from './compose-target';
import { FaultJournal } from './fault-journal';
import { startLocalTarget, type StartCluster } from './local-target';
import { PRODUCTION_HASH_COST, type BenchConfig } from './options';
import type { BenchResults, BenchSettings, SwarmSettings } from './results';
import type { ScenarioName } from './scenarios';
import { faultUnavailable, runFault, type FaultPlan } from './scenarios/fault';
import { prepareConcurrentCells, startConcurrentCells } from './scenarios/concurrent-cells';
import { agreed, agreedValue, readTargetSettings, type ReplicaSettingsReading } from './replica-access';
import { memoryReplicas, runMemory } from './scenarios/memory';
import { runLoginStorm, stormReplicas } from './scenarios/login-storm';
import { runRevocation } from './scenarios/revocation';
import { runScaleOut, scaleOutUnavailable } from './scenarios/scale-out';
import { nodeCrash, nodeDrain, nodeScenarioUnavailable, rollingDeploy, rollingDeployUnavailable, runReplacement, spreadOnto } from './scenarios/replacement';
import { connectSwarm } from './swarm-target';
import { servingSet } from './pool-watch';
import { runScaling, scalingUnavailable } from './scenarios/scaling';
import { runDistance } from './scenarios/distance';
import { LatencyControl } from './latency-control';
import { COMPOSE, SENTINEL_NAMES } from '../cluster/topology';
import { runThroughput } from './scenarios/throughput';
import { startCell } from './load';
import { BASELINE_MODE } from './modes';
import { balancersUnavailable, runBalancers } from './scenarios/balancers';
import { EXTERNAL_BALANCERS, type ExternalBalancerName } from '../common/vocabulary';
import { UserPool } from './user-pool';
import { chooseFailoverVariants, runFailoverRedis, type FailoverChoice, type FailoverDeps, type FailoverTarget } from './scenarios/failover-redis';
import { composeStage } from './scenarios/failover-stages';
import { runPublishedPort } from './scenarios/published-port';
import { startCluster } from '../cluster/launcher';
import { buildFingerprint, machine, packageVersions } from './settings';
import { connectTarget, type BenchTarget, type FaultVerb, type SwarmControl } from './target';
import { judgeClaims } from './verdicts';
import { pollUntil } from '../common/poll';
import { PORT_BLOCK } from '../common/ports';

/**
 * The programmatic bench: `runBench(config)` returns a run that emits `progress` and `log`
 * events and can be awaited for the results (plain JSON). The CLI is a thin shell over it.
 */
export interface BenchDeps {
  /** The local launcher (tests may hand in their own). */
  startCluster?: StartCluster;
  /** Repository root, for package versions (and docker-compose.yml when the cwd has none). */
  root: string;
  /** Where the bench was started (--compose looks for docker-compose.yml here first). */
  cwd?: string;
}

/** A scenario asked for that this target cannot run: the CLI exits with code 2 and says why. */
export class TargetCannotRun extends Error {}

export interface BenchEvents {
  progress: [Progress];
  log: [string];
}

export class BenchRun extends EventEmitter<BenchEvents> implements PromiseLike<BenchResults> {
  readonly result: Promise<BenchResults>;
  /** Aborted by abort(): the load stops, no further scenario starts, and the local cluster is closed. */
  readonly controller = new AbortController();
  target: BenchTarget | undefined;
  journal: FaultJournal | undefined;

  get aborted(): boolean {
    return this.controller.signal.aborted;
  }

  constructor(config: BenchConfig, deps: BenchDeps) {
    super();
    // Every running cell and login ramp listens for the abort: dozens at once in a fault scenario.
    setMaxListeners(200, this.controller.signal);
    // Started on the next tick so callers can attach listeners first.
    this.result = new Promise<void>((resolve) => setImmediate(resolve)).then(() => execute(config, deps, this));
  }

  /**
   * Stop: undo the faults the run caused (start what it killed, unpause what it paused, stop app4),
   * close the local cluster (the running scenario then ends with errors) and run no more.
   */
  async abort(): Promise<string[]> {
    this.controller.abort();
    const undone = await this.journal?.undo();
    await this.target?.close();
    return [...(undone?.done ?? []), ...(undone?.failed.map((f) => `FAILED ${f}`) ?? [])];
  }

  then<A = BenchResults, B = never>(
    onFulfilled?: ((value: BenchResults) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.result.then(onFulfilled, onRejected);
  }
}

export function runBench(config: BenchConfig, deps: BenchDeps): BenchRun {
  return new BenchRun(config, deps);
}

const RESULT_KEY: Readonly<Record<ScenarioName, keyof BenchResults['scenarios']>> = {
  memory: 'memory', revocation: 'revocation', throughput: 'throughput', 'kill-replica': 'killReplica',
  'kill-redis': 'killRedis', 'pause-replica': 'pauseReplica', 'scale-out': 'scaleOut', 'login-storm': 'loginStorm',
  'failover-redis': 'failoverRedis', distance: 'distance', scaling: 'scaling', 'rolling-deploy': 'rollingDeploy', 'node-drain': 'nodeDrain', 'node-crash': 'nodeCrash',
  balancers: 'balancers',
};

/** Scenario order: memory first on fresh replicas (the LRU store is not yet full of load-test sessions). */
const ORDER: readonly ScenarioName[] = [
  'memory', 'revocation', 'throughput', 'kill-replica', 'kill-redis', 'pause-replica', 'scale-out', 'login-storm', 'failover-redis', 'distance', 'scaling', 'balancers',
  // Replacements last, rolling-deploy after the node scenarios: a swarm's forced update spreads the tasks again.
  'node-drain', 'node-crash', 'rolling-deploy',
];

async function execute(config: BenchConfig, deps: BenchDeps, run: BenchRun): Promise<BenchResults> {
  const started = new Date();
  const loadAtStart = os.loadavg()[0];
  const buildAtStart = buildFingerprint(deps.root);
  const log = (message: string): void => void run.emit('log', message);
  const connected: BenchTarget = await openTarget(config, deps, log);
  const journal = new FaultJournal(connected.faults);
  const target: BenchTarget = { ...connected, faults: journal };
  // The compose stack itself (its services, docker compose), with faults through the same journal.
  const stack: ComposeTarget | undefined = 'compose' in connected ? { ...(connected as ComposeTarget), faults: journal } : undefined;
  run.journal = journal;
  run.target = target;
  try {
    const replicas = await servingReplicas(target);
    log(`replicas serving: ${replicas.join(', ')}`);
    const readings = await readTargetSettings(target, replicas);
    log(`target settings: hash cost ${agreed(readings, (x) => x.passwordHashCost)}, touch ${agreed(readings, (x) => x.sessionTouch)}, Redis appendonly ${agreed(readings, (x) => x.redisAppendonly)}`);
    const context: RunContext = {
      target, replicas, timing: config.timing, connections: config.connections, victim: config.victim,
      usernames: ['alice', 'bob', 'carol'], password: 'demo-password', users: new UserPool(),
      progress: (p) => void run.emit('progress', p), log, signal: run.controller.signal,
    };
    const failover: FailoverPlan = {
      deps: {
        startCluster: deps.startCluster ?? startCluster,
        // Its own clusters, one per variant, on the block after the bench's cluster.
        portBase: config.portBase + PORT_BLOCK,
        appEnv: benchAppEnv(config),
        logs: config.clusterLogs,
        loginPriceSeconds: config.quick ? 3 : 5,
      },
      stack,
      choice: chooseFailoverVariants(failoverTarget(target, stack, readings), config.failoverVariants),
    };
    const cannot = await preflight(config, context, failover.choice);
    if (cannot.length > 0) throw new TargetCannotRun(`this target cannot run ${cannot.map((c) => `${c.scenario} (${c.reason})`).join('; ')}; leave those out with --scenario`);
    const results: BenchResults = {
      schema: 1, startedAt: started.toISOString(), finishedAt: '', durationSeconds: 0,
      settings: { ...settings(config, target, replicas, readings, deps.root), ...(target.swarm ? { swarm: await swarmSettings(target.swarm) } : {}) }, scenarios: {}, skipped: [], warnings: [], scenarioSeconds: {}, verdicts: [],
    };
    for (const name of ORDER.filter((n) => config.scenarios.includes(n))) {
      if (run.aborted) {
        results.skipped.push({ scenario: name, reason: 'the run was interrupted' });
        continue;
      }
      const scenarioStarted = Date.now();
      try {
        const skipped = await runScenario(name, context, config, results, failover);
        if (skipped) results.skipped.push({ scenario: name, reason: skipped });
        if (run.aborted && !skipped) {
          // figures from a half-run scenario against a closing cluster are not evidence
          delete results.scenarios[RESULT_KEY[name]];
          results.skipped.push({ scenario: name, reason: 'the run was interrupted' });
        }
      } catch (error) {
        delete results.scenarios[RESULT_KEY[name]];
        const reason = run.aborted ? 'the run was interrupted' : `failed: ${(error as Error).message}`;
        results.skipped.push({ scenario: name, reason });
        log(`${name}: ${reason}`);
      }
      if (!run.aborted) await waitHealthy(context);
      results.scenarioSeconds[name] = Math.round((Date.now() - scenarioStarted) / 100) / 10;
    }
    if (config.compose && config.scenarios.includes('throughput') && !run.aborted) {
      try {
        results.scenarios.publishedPort = await runPublishedPort(context, {
          startCluster: deps.startCluster ?? startCluster, portBase: config.portBase, hashCost: PRODUCTION_HASH_COST,
          seconds: config.timing.cellSeconds, rounds: 2, connections: config.connections,
        });
      } catch (error) {
        results.warnings.push(`Docker's own cost (/health through the published port against a local cluster) was not measured: ${(error as Error).message}`);
      }
    }
    if (target.local && buildFingerprint(deps.root) !== buildAtStart) {
      results.warnings.push('dist/ (the built app or proxy) changed during the run: replicas started after that (a restart, app4) ran different code from the others, so cross-replica figures after a restart may reflect the change, not the scenario.');
    }
    const finished = new Date();
    results.finishedAt = finished.toISOString();
    results.durationSeconds = (finished.getTime() - started.getTime()) / 1000;
    results.settings.loadAverage = { atStart: loadAtStart, atEnd: os.loadavg()[0] };
    results.verdicts = judgeClaims(results);
    return results;
  } finally {
    // A scenario that failed half-way (or an interrupt) leaves no replica killed or paused behind.
    const undone = await journal.undo();
    if (undone.done.length > 0) log(`undid the faults left behind: ${undone.done.join(', ')}`);
    for (const failure of undone.failed) log(`warning: could not undo ${failure}`);
    log('closing');
    await target.close();
  }
}

async function openTarget(config: BenchConfig, deps: BenchDeps, log: (message: string) => void): Promise<BenchTarget> {
  if (config.compose) {
    log(`connecting to the docker compose stack${config.compose.project ? ` ${config.compose.project}` : ''}`);
    const stack = await connectCompose({ project: config.compose.project, cwd: deps.cwd ?? process.cwd(), root: deps.root, adminToken: config.adminToken, lb: config.lb });
    return config.scenarios.includes('distance') ? { ...stack, ...(await composeLatency(stack)) } : stack;
  }
  if (config.swarm) {
    log(`connecting to the swarm stack ${config.swarm.stack}`);
    return connectSwarm({ ...config.swarm, adminToken: config.adminToken });
  }
  if (config.target) {
    log(`connecting to ${config.target}`);
    return connectTarget({ url: config.target, adminToken: config.adminToken, commands: config.commands });
  }
  // HAProxy and nginx beside the proxy: the one --lb names, or both for the side-by-side scenario.
  const balancers: ExternalBalancerName[] = config.scenarios.includes('balancers') ? [...EXTERNAL_BALANCERS] : config.lb === 'node' ? [] : [config.lb];
  log(`starting a local cluster on ports ${config.portBase}-${config.portBase + PORT_BLOCK - 1} (password hash cost ${config.hashCost}${balancers.length ? `; ${balancers.join(' and ')} beside the proxy` : ''}; through ${config.lb})`);
  return startLocalTarget({
    balancers,
    lb: config.lb,
    portBase: config.portBase,
    redisAppendonly: config.redisPersistence,
    logs: config.clusterLogs,
    // distance runs alone (options.ts), so only its cluster has the injector in its paths.
    latency: config.scenarios.includes('distance') ? { paths: ['redis', 'replicas'] } : undefined,
    appEnv: benchAppEnv(config),
  }, deps.startCluster);
}

/** What failover-redis needs: its own clusters' settings, or the compose stack, and the variants this target runs. */
interface FailoverPlan {
  deps: FailoverDeps;
  stack: ComposeTarget | undefined;
  choice: FailoverChoice;
}

/** What the bench knows of its target for failover-redis: Sentinels in the stack, and its Redis persistence as the replicas report it. */
function failoverTarget(target: BenchTarget, stack: ComposeTarget | undefined, readings: readonly ReplicaSettingsReading[]): FailoverTarget {
  if (target.local) return { kind: 'own clusters' };
  if (!stack) return { kind: 'target' };
  return {
    kind: 'docker compose',
    sentinels: stack.services.includes(SENTINEL_NAMES[0]),
    appendonly: agreedValue(readings, (r) => r.redisAppendonly),
    // As the replicas run it (docker-compose.ha.yml passes it from the shell or .env).
    waitReplicas: agreedValue(readings, (r) => r.sessionWaitReplicas),
  };
}

/** Requested scenarios this target cannot run, and why, before anything is measured. */
async function preflight(config: BenchConfig, context: RunContext, failover: FailoverChoice): Promise<{ scenario: string; reason: string }[]> {
  const plan = (fault: FaultVerb, recover: FaultVerb, service: string) => context.target.faults.unavailable(service, fault) ?? context.target.faults.unavailable(service, recover);
  const reasons: Partial<Record<ScenarioName, string | undefined>> = {
    'kill-replica': plan('kill', 'start', config.victim),
    'pause-replica': plan('pause', 'unpause', config.victim),
    'kill-redis': plan('kill', 'start', 'redis'),
    'scale-out': scaleOutUnavailable(context),
    balancers: balancersUnavailable(context) ?? plan('kill', 'start', config.victim) ?? plan('pause', 'unpause', config.victim),
    'rolling-deploy': rollingDeployUnavailable(context),
    'failover-redis': failover.cannot.length > 0 ? failover.cannot.map((c) => `${c.variant}: ${c.reason}`).join('; ') : undefined,
    'node-drain': nodeScenarioUnavailable(context, 'drain'),
    'node-crash': nodeScenarioUnavailable(context, 'crash'),
    scaling: scalingUnavailable(context),
    distance: context.target.latencyControlUrl ?? config.distance.control
      ? undefined
      : 'no latency injector in the target\'s paths: start compose with -f docker-compose.yml -f docker-compose.distance.yml, or give --latency-control with --target (docs/distance.md)',
  };
  if (config.scenarios.includes('memory')) {
    const replicas = await memoryReplicas(context);
    if (typeof replicas === 'string') reasons.memory = replicas;
  }
  if (config.scenarios.includes('login-storm')) {
    const replicas = await stormReplicas(context);
    if (typeof replicas === 'string') reasons['login-storm'] = replicas;
  }
  return config.scenarios.filter((name) => reasons[name]).map((scenario) => ({ scenario, reason: reasons[scenario]! }));
}

/** The replica settings of every local cluster the bench starts (recorded in the report's settings). */
function benchAppEnv(config: BenchConfig): Record<string, string> {
  return {
    PASSWORD_HASH_COST: String(config.hashCost),
    LOG_LEVEL: 'warn',
    ...(config.sessionTouch ? { SESSION_TOUCH: config.sessionTouch } : {}),
    ...(config.redisAutoPipelining !== undefined ? { REDIS_AUTO_PIPELINING: String(config.redisAutoPipelining) } : {}),
  };
}

/** Runs one scenario into `results`; returns why it was skipped, if it was. */
async function runScenario(name: ScenarioName, context: RunContext, config: BenchConfig, results: BenchResults, failover: FailoverPlan): Promise<string | undefined> {
  const replicaFault = (scenario: FaultPlan['scenario'], fault: 'kill' | 'pause', recover: 'start' | 'unpause'): FaultPlan =>
    ({ scenario, service: config.victim, fault, recover, replica: true, redisPersistence: null });
  switch (name) {
    case 'memory': {
      const replicas = await memoryReplicas(context);
      if (typeof replicas === 'string') return replicas;
      results.scenarios.memory = await runMemory(context, replicas);
      return undefined;
    }
    case 'revocation':
      results.scenarios.revocation = await runRevocation(context);
      return undefined;
    case 'throughput':
      await warmUp(context);
      results.scenarios.throughput = await runThroughput(context);
      return undefined;
    case 'kill-replica':
      return runFaultInto(context, replicaFault('kill-replica', 'kill', 'start'), (r) => { results.scenarios.killReplica = r; });
    case 'pause-replica':
      return runFaultInto(context, replicaFault('pause-replica', 'pause', 'unpause'), (r) => { results.scenarios.pauseReplica = r; });
    case 'kill-redis': {
      const plan: FaultPlan = { scenario: 'kill-redis', service: 'redis', fault: 'kill', recover: 'start', replica: false, redisPersistence: config.redisPersistence };
      return runFaultInto(context, plan, (r) => { results.scenarios.killRedis = [r]; });
    }
    case 'distance': {
      const url = context.target.latencyControlUrl ?? config.distance.control;
      if (!url) return 'no latency injector: the bench\'s own cluster has one when distance runs; with --target give --latency-control <url>';
      const st = results.settings;
      results.scenarios.distance = await runDistance(context, new LatencyControl(url, config.adminToken), {
        rttsMs: config.distance.rttsMs, axes: config.distance.axes,
        replicaSettings: { autoPipelining: st.redisAutoPipelining ?? 'unknown', sessionTouch: st.sessionTouch },
      });
      return undefined;
    }
    case 'failover-redis': {
      if (!failover.stack) {
        results.scenarios.failoverRedis = await runFailoverRedis(context, { kind: 'own clusters', deps: failover.deps }, failover.choice);
        return undefined;
      }
      const stage = composeStage(failover.stack, context.replicas);
      try {
        results.scenarios.failoverRedis = await runFailoverRedis(context, { kind: 'docker compose', stage }, failover.choice);
      } finally {
        await stage.close();
      }
      return undefined;
    }
    case 'scale-out': {
      const why = scaleOutUnavailable(context);
      if (why) return why;
      results.scenarios.scaleOut = await runScaleOut(context, { app4Url: config.app4Url });
      // A swarm scales back by removing a task of its choice, not necessarily the new one.
      followReplacements(context, { replicasAfter: servingSet(await context.target.status()) });
      return undefined;
    }
    case 'balancers': {
      const why = balancersUnavailable(context);
      if (why) return why;
      results.scenarios.balancers = await runBalancers(context);
      return undefined;
    }
    case 'login-storm': {
      const replicas = await stormReplicas(context);
      if (typeof replicas === 'string') return replicas;
      results.scenarios.loginStorm = await runLoginStorm(context, replicas);
      return undefined;
    }
    case 'rolling-deploy': {
      const why = rollingDeployUnavailable(context);
      if (why) return why;
      results.scenarios.rollingDeploy = followReplacements(context, await runReplacement(context, rollingDeploy(context)));
      return undefined;
    }
    case 'node-drain':
    case 'node-crash': {
      const verb = name === 'node-drain' ? 'drain' : 'crash';
      const why = nodeScenarioUnavailable(context, verb);
      const swarm = context.target.swarm;
      if (why || !swarm?.node) return why ?? 'no node to act on';
      await spreadOnto(context, swarm, swarm.node);
      followReplacements(context, { replicasAfter: servingSet(await context.target.status()) });
      const operation = verb === 'drain' ? nodeDrain(context, swarm, swarm.node) : nodeCrash(context, swarm, swarm.node);
      const result = followReplacements(context, await runReplacement(context, operation));
      if (verb === 'drain') results.scenarios.nodeDrain = result;
      else results.scenarios.nodeCrash = result;
      return undefined;
    }
    case 'scaling': {
      const why = scalingUnavailable(context);
      if (why) return why;
      const result = await runScaling(context, { cellSeconds: config.timing.cellSeconds });
      if (typeof result === 'string') return result;
      results.scenarios.scaling = result;
      return undefined;
    }
  }
}

/**
 * On a swarm the replicas after a replacement are new tasks with new names: what the scenarios
 * after it count as "the replicas serving" follows them.
 */
function followReplacements<T extends { replicasAfter: string[] }>(context: RunContext, result: T): T {
  if (context.target.swarm && result.replicasAfter.length > 0) context.replicas = [...result.replicasAfter];
  return result;
}

/** A fault scenario: skipped with the reason when the target cannot take the fault, else run and kept. */
async function runFaultInto(context: RunContext, plan: FaultPlan, keep: (result: Awaited<ReturnType<typeof runFault>>) => void): Promise<string | undefined> {
  const why = faultUnavailable(context, plan);
  if (why) return why;
  keep(await runFault(context, plan));
  return undefined;
}

/** JIT, connection pools and the first logins before the first measured cell. */
async function warmUp(context: RunContext): Promise<void> {
  context.log('warming up');
  // Two users per cell: warming the code paths needs few logins, and each costs a password hash.
  const warm = { ...context, timing: { ...context.timing, faultUserRate: 50 } };
  const load = startConcurrentCells(warm, 2, 10, await prepareConcurrentCells(warm, 2));
  await load.done();
  // Then /health at the cells' concurrency through every frontend: the first measured cell must not
  // pay for opening the connections (docker's published port: 2899 against 6369 req/s, cold).
  for (const frontend of context.target.frontends) {
    if (context.signal.aborted) return;
    await startCell({
      mode: BASELINE_MODE, strategy: frontend.strategy, url: frontend.url, connections: context.connections, durationSeconds: 1, t0: Date.now(),
      firstUserIndex: 0, usernames: context.usernames, password: context.password, adminToken: context.target.adminToken, signal: context.signal,
    }).done;
  }
}

/**
 * Replicas the proxy has checked and found up. A pool entry starts out healthy before its first
 * check (app4 is listed before it runs), so wait until every entry has been checked once.
 */
async function servingReplicas(target: BenchTarget): Promise<string[]> {
  await pollUntil(async () => (await target.status()).upstreams.every((u) => u.lastCheck), { timeoutMs: 5000, stepMs: 200 });
  const status = await target.status();
  return status.upstreams.filter((u) => u.healthy && (u.lastCheck?.ok ?? true)).map((u) => u.id).sort();
}


/** The swarm's nodes as it describes them, and whether they look like this one machine (same CPUs and memory). */
async function swarmSettings(swarm: SwarmControl): Promise<SwarmSettings> {
  const nodes = await swarm.nodes();
  return {
    stack: swarm.stack,
    nodes: nodes.map(({ id: _id, ...node }) => node),
    nodesLookLikeThisMachine: nodes.length > 1 && nodes.every((n) => n.cpus === os.cpus().length && n.memoryBytes === os.totalmem()),
  };
}

function settings(config: BenchConfig, target: BenchTarget, replicas: string[], readings: ReplicaSettingsReading[], root: string): BenchSettings {
  const { cpus, platform } = machine();
  const t = config.timing;
  // Read from the replicas' /settings at run time; for the bench's own cluster, say when the cost is not production's.
  const cost = agreed(readings, (x) => x.passwordHashCost);
  const cheaper = target.local && config.hashCostChosen && config.hashCost !== PRODUCTION_HASH_COST
    ? ` (--hash-cost ${config.hashCost}: not production's ${PRODUCTION_HASH_COST})` : '';
  const appendonly = agreed(readings, (x) => x.redisAppendonly, (v) => (v ? 'on' : 'off'));
  return {
    target: target.url,
    balancer: target.balancer,
    localCluster: target.local,
    targetKind: target.kind,
    replicas,
    frontends: target.frontends,
    versions: packageVersions(root),
    passwordHashCost: `${cost}${cheaper}`,
    sessionTouch: agreed(readings, (x) => x.sessionTouch),
    redisPersistence: target.local ? config.redisPersistence : appendonly === 'on',
    redisAppendonly: appendonly,
    replicaSettings: readings,
    redisAutoPipelining: target.local
      ? config.redisAutoPipelining === undefined ? 'the app default' : config.redisAutoPipelining ? 'on' : 'off'
      : 'the target\'s own setting (not set by the bench)',
    quick: config.quick,
    connections: config.connections,
    cellSeconds: t.cellSeconds,
    fault: { beforeSeconds: t.beforeSeconds, faultSeconds: t.faultSeconds, afterSeconds: t.afterSeconds, usersPerCell: t.faultUsersPerCell, userRate: t.faultUserRate },
    memoryUsers: t.memoryUsers,
    cpus,
    platform,
  };
}

/**
 * distance against --compose: the injector's published control port (the stack must have been
 * started with docker-compose.distance.yml merged; the compose commands name the stack's own files).
 */
async function composeLatency(stack: ComposeTarget): Promise<Pick<BenchTarget, 'latencyControlUrl'>> {
  if (!stack.services.includes('latency')) return {};
  const out = await stack.compose.run(['port', 'latency', String(COMPOSE.latencyControlPort)], 20_000).catch(() => '');
  return { latencyControlUrl: publishedUrl(out) };
}
