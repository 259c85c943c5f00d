import { countBetween, errorsStopAfter, mergeTimeline, movedUsers, okShare, totalCounts } from '../aggregate';
import { sleep, trackProgress, type RunContext } from '../context';
import type { UserLedger } from '../ledger';
import { servingSet, watchPool } from '../pool-watch';
import type { ReplacementCellResult, ReplacementScenarioResult, ScenarioEvent } from '../results';
import type { SwarmControl } from '../target';
import { prepareConcurrentCells, startConcurrentCells } from './concurrent-cells';
import { admittedSince, restartInTurn, RollingRestartStopped } from '../../cluster/rolling-restart';
import { pollUntil } from '../../common/poll';

/**
 * Replicas taken away and replaced under load — a rolling deploy, a drained node, a crashed node —
 * with users of every mode × strategy at once. The load runs open-ended: before, the operation for
 * as long as it takes (bounded), after; the proxy's serving set is watched meanwhile, so the report
 * shows second by second which replica left and joined beside what each mode's users saw.
 */
export interface ReplacementOperation {
  scenario: ReplacementScenarioResult['scenario'];
  /** What is done, as a user would type it. */
  action: string;
  node?: string;
  /**
   * Does it; `mark` puts an event on the timeline. Resolves once the cluster serves from a full set
   * again, or with notes when a bound was reached first. A failure to act throws (the scenario fails).
   */
  perform(mark: (label: string, kind: ScenarioEvent['kind']) => void): Promise<OperationOutcome>;
}

/** converged: the cluster served from a full new set of replicas again, at `at` (epoch ms; default: when perform resolved). */
export interface OperationOutcome {
  converged: boolean;
  notes: string[];
  at?: number;
}

/** The longest an operation may take under load before the scenario gives up waiting (seconds). */
export const OPERATION_BOUND_SECONDS = 600;

export async function runReplacement(context: RunContext, operation: ReplacementOperation): Promise<ReplacementScenarioResult> {
  const { beforeSeconds, afterSeconds } = context.timing;
  const swarm = context.target.swarm;
  const tasksPerNodeBefore = swarm ? await tasksPerNode(swarm) : undefined;
  const prepared = await prepareConcurrentCells(context);
  const load = startConcurrentCells(context, beforeSeconds + OPERATION_BOUND_SECONDS + afterSeconds, 15, prepared);
  const stopProgress = trackProgress(context, operation.scenario, beforeSeconds + 60 + afterSeconds, load.ledgers);
  const pool = await watchPool(context.target, load.t0);
  const replicasBefore = pool.current();
  const events: ScenarioEvent[] = [];
  const mark = (label: string, kind: ScenarioEvent['kind']): void => {
    events.push({ second: round((Date.now() - load.t0) / 1000), kind, label });
    context.log(`${operation.scenario}: ${label}`);
  };
  let startMs = 0;
  let endMs = 0;
  let outcome: OperationOutcome = { converged: false, notes: [] };
  try {
    await sleep(beforeSeconds * 1000);
    startMs = Date.now() - load.t0;
    outcome = await operation.perform(mark);
    endMs = Date.now() - load.t0;
    if (!context.signal.aborted) await sleep(afterSeconds * 1000);
  } finally {
    load.stop();
    stopProgress();
    await pool.stop();
  }
  const stoppedMs = Date.now() - load.t0;
  await load.done();
  const seconds = Math.ceil(stoppedMs / 1000);
  return {
    scenario: operation.scenario,
    targetKind: context.target.kind,
    action: operation.action,
    ...(operation.node ? { node: operation.node } : {}),
    seconds,
    operationSeconds: outcome.converged ? round(((outcome.at === undefined ? endMs : outcome.at - load.t0) - startMs) / 1000) : null,
    usersPerCell: context.timing.faultUsersPerCell,
    userRate: context.timing.faultUserRate,
    events: [...events, ...pool.events].sort((a, b) => a.second - b.second),
    replicasBefore,
    replicasAfter: pool.current(),
    ...(tasksPerNodeBefore ? { tasksPerNodeBefore, tasksPerNodeAfter: await tasksPerNode(swarm!) } : {}),
    cells: load.cells.map((c) => replacementCell(c.mode, c.strategy, c.running.ledgers, { seconds, startMs, endMs, stoppedMs })),
    notes: outcome.notes,
  };
}

/** A cell's figures from its users' ledgers (pure). Round-robin users have no home replica, so "moved" is not theirs. */
export function replacementCell(
  mode: string,
  strategy: string,
  ledgers: readonly UserLedger[],
  at: { seconds: number; startMs: number; endMs: number; stoppedMs?: number },
): ReplacementCellResult {
  const timeline = mergeTimeline(ledgers, at.seconds);
  const startSecond = Math.floor(at.startMs / 1000);
  const endSecond = Math.max(startSecond + 1, Math.ceil(at.endMs / 1000));
  const affinity = strategy !== 'round-robin';
  const loggedOut = (l: UserLedger): boolean => countBetween(l, 'logouts', startSecond) > 0;
  const moved = affinity ? movedUsers(ledgers, at.startMs) : null;
  return {
    mode,
    strategy,
    users: ledgers.length,
    counts: totalCounts(ledgers),
    timeline,
    movesPerSecond: affinity ? movesPerSecond(ledgers, at.seconds) : null,
    usersLoggedOut: ledgers.filter(loggedOut).length,
    usersMoved: moved ? moved.length : null,
    movedLoggedOut: moved ? moved.filter(loggedOut).length : null,
    // skip second 0: every user's first request is then, not the steady state
    okShareBefore: okShare(timeline, Math.min(1, startSecond), startSecond),
    okShareDuring: okShare(timeline, startSecond, endSecond),
    errorsStopAfterSeconds: errorsStopAfter(timeline, startSecond),
    // whole seconds only: the one the load stopped in is partial
    longestSilenceSeconds: Math.max(0, ...ledgers.map((l) => longestSilence(l, startSecond, Math.floor((at.stoppedMs ?? at.seconds * 1000) / 1000)))),
    errorKinds: sumErrorKinds(ledgers),
  };
}

/** The most whole seconds in a row, within [fromSecond, toSecond), in which the user got no answer at all (pure). */
export function longestSilence(ledger: UserLedger, fromSecond: number, toSecond: number): number {
  let longest = 0;
  let run = 0;
  for (let second = fromSecond; second < toSecond; second++) {
    const c = ledger.buckets.get(second);
    const answered = c ? c.ok + c.logouts + c.errors + c.logins + c.other + c.refused : 0;
    run = answered > 0 ? 0 : run + 1;
    longest = Math.max(longest, run);
  }
  return longest;
}

/** Every user's errors by kind, summed (pure). */
export function sumErrorKinds(ledgers: readonly UserLedger[]): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const ledger of ledgers) {
    for (const [kind, n] of Object.entries(ledger.errorKinds ?? {})) kinds[kind] = (kinds[kind] ?? 0) + n;
  }
  return kinds;
}

/** Per second, how many times a user was answered by another replica than the one before (pure). */
export function movesPerSecond(ledgers: readonly UserLedger[], seconds: number): number[] {
  const moves = Array.from({ length: Math.max(0, seconds) }, () => 0);
  for (const ledger of ledgers) {
    for (const [at] of ledger.instances.slice(1)) {
      const second = Math.floor(at / 1000);
      if (second < moves.length) moves[second] += 1;
    }
  }
  return moves;
}

/** Why rolling-deploy cannot run against this target, or undefined. */
export function rollingDeployUnavailable(context: RunContext): string | undefined {
  if (context.target.swarm) return undefined;
  for (const replica of context.replicas) {
    const why = context.target.faults.unavailable(replica, 'stop') ?? context.target.faults.unavailable(replica, 'start');
    if (why) return `a rolling restart stops and starts every replica: ${why}`;
  }
  return context.replicas.length < 2 ? 'a rolling restart needs two replicas or more (one serves while the other restarts)' : undefined;
}

/** Every replica restarted in turn: swarm's own rolling update, or stop/start/admitted one at a time (compose, the launcher). */
export function rollingDeploy(context: RunContext): ReplacementOperation {
  const { target } = context;
  const swarm = target.swarm;
  if (swarm) {
    return {
      scenario: 'rolling-deploy',
      action: swarm.rollingUpdateCommand,
      perform: async (mark) => {
        mark(swarm.rollingUpdateCommand, 'fault');
        await swarm.rollingUpdate();
        mark('update converged', 'recover');
        // Converged means every task runs; the proxy admits the last one a health check later.
        return settled(context, swarm);
      },
    };
  }
  const how = target.kind === 'docker compose' ? 'npm run rolling-restart -- --compose (docker compose stop, then start, per replica)'
    : target.kind === 'own cluster' ? 'npm run rolling-restart (the launcher\'s stop, then start, per replica)'
      : 'the target\'s stop and start of each replica, in turn';
  return {
    scenario: 'rolling-deploy',
    action: how,
    perform: async (mark) => {
      try {
        await restartInTurn(context.replicas, {
          stop: (replica) => target.faults.run(replica, 'stop'),
          start: (replica) => target.faults.run(replica, 'start'),
          admitted: async (replica, sinceMs) => admittedSince((await target.status()).upstreams, replica, sinceMs),
          onStep: (replica, step) => mark(`${step === 'stopping' ? 'stop' : step === 'started' ? 'started' : 'admitted'} ${replica}`, step === 'stopping' ? 'fault' : 'recover'),
        }, { signal: context.signal });
        return { converged: true, notes: [] };
      } catch (error) {
        if (error instanceof RollingRestartStopped) return { converged: false, notes: [error.message] };
        throw error;
      }
    },
  };
}

/** Why node-drain / node-crash cannot run against this target, or undefined. */
export function nodeScenarioUnavailable(context: RunContext, verb: 'drain' | 'crash'): string | undefined {
  const swarm = context.target.swarm;
  if (!swarm) return `${verb === 'drain' ? 'node-drain' : 'node-crash'} needs a swarm (--swarm): this target has no nodes`;
  if (!swarm.node) return context.target.faults.unavailable('', verb);
  return context.target.faults.unavailable(swarm.node, verb) ?? context.target.faults.unavailable(swarm.node, verb === 'drain' ? 'activate' : 'restore');
}

/** `docker node update --availability drain` under load: swarm stops the node's tasks (gracefully) and starts them elsewhere; then active again. */
export function nodeDrain(context: RunContext, swarm: SwarmControl, node: string): ReplacementOperation {
  return {
    scenario: 'node-drain',
    action: `docker node update --availability drain ${node}`,
    node,
    perform: async (mark) => {
      await context.target.faults.run(node, 'drain');
      mark(`drain ${node}`, 'fault');
      const full = await settled(context, swarm, node);
      if (full.converged) mark(`every task off ${node} and served`, 'recover');
      const failed = await undoStep(context, node, 'activate');
      if (failed) return { ...full, notes: [...full.notes, failed] };
      mark(`activate ${node} (its tasks stay where they went)`, 'recover');
      return full;
    },
  };
}

/** The user's command crashes the node; swarm notices it is down and starts its tasks elsewhere; then the node is restored. */
export function nodeCrash(context: RunContext, swarm: SwarmControl, node: string): ReplacementOperation {
  return {
    scenario: 'node-crash',
    action: `--crash-node (node ${node}), then --restore-node`,
    node,
    perform: async (mark) => {
      await context.target.faults.run(node, 'crash');
      mark(`crash ${node}`, 'fault');
      const noted: string[] = [];
      const down = await pollUntil(async () => (await swarm.nodes()).some((n) => n.hostname === node && n.state !== 'ready'), { timeoutMs: 120_000, stepMs: 500, stop: () => context.signal.aborted });
      if (down) mark(`swarm sees ${node} down`, 'fault');
      else noted.push(`swarm still listed ${node} as ready 120 s after the crash command`);
      const full = await settled(context, swarm, node);
      if (full.converged) mark(`every task off ${node} and served`, 'recover');
      const failed = await undoStep(context, node, 'restore');
      if (failed) return { ...full, notes: [...noted, ...full.notes, failed] };
      mark(`restore ${node}`, 'recover');
      const back = await pollUntil(async () => (await swarm.nodes()).some((n) => n.hostname === node && n.state === 'ready'), { timeoutMs: 180_000, stepMs: 1000, stop: () => context.signal.aborted });
      if (back) mark(`${node} ready again`, 'recover');
      else noted.push(`${node} was not ready 180 s after the restore command`);
      return { ...full, notes: [...noted, ...full.notes] };
    },
  };
}

/**
 * The step that puts the node back: a failure is a note (the users' figures stand), and the fault
 * journal tries it once more at the end of the run.
 */
async function undoStep(context: RunContext, node: string, verb: 'activate' | 'restore'): Promise<string | undefined> {
  try {
    await context.target.faults.run(node, verb);
    return undefined;
  } catch (error) {
    return `${verb} ${node} failed: ${(error as Error).message}`;
  }
}

/**
 * Before a node scenario: a node with no app task has nothing to lose (an earlier drain or crash
 * moved them, and swarm never moves tasks back by itself), so spread them again with a rolling update.
 */
export async function spreadOnto(context: RunContext, swarm: SwarmControl, node: string): Promise<void> {
  if ((await swarm.appTasks()).some((t) => t.node === node)) return;
  context.log(`${node} runs no app task (an earlier drain or crash moved them): spreading them again first with ${swarm.rollingUpdateCommand} (not measured)`);
  await swarm.rollingUpdate();
  await settled(context, swarm);
}

/**
 * Until the swarm runs its `replicas` app tasks, none on `avoid`, and the proxy serves from exactly
 * those tasks (a task's replica id ends with its task id: docker-stack.yml's INSTANCE_ID), bounded.
 */
async function settled(context: RunContext, swarm: SwarmControl, avoid?: string): Promise<OperationOutcome> {
  const done = await pollUntil(async () => {
    const [tasks, status] = await Promise.all([swarm.appTasks(), context.target.status()]);
    const serving = servingSet(status);
    const running = tasks.filter((t) => t.state.startsWith('Running'));
    return running.length >= swarm.replicas && tasks.every((t) => t.node !== avoid)
      && serving.length === running.length && running.every((t) => serving.some((id) => id.endsWith(`.${t.id}`)));
  }, { timeoutMs: OPERATION_BOUND_SECONDS * 1000, stepMs: 500, stop: () => context.signal.aborted });
  return done ? { converged: true, notes: [], at: Date.now() }
    : { converged: false, notes: [`the proxy was not serving from ${swarm.replicas} running tasks${avoid ? ` off ${avoid}` : ''} within ${OPERATION_BOUND_SECONDS} s`] };
}

async function tasksPerNode(swarm: SwarmControl): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const task of await swarm.appTasks()) counts[task.node] = (counts[task.node] ?? 0) + 1;
  return counts;
}

const round = (x: number): number => Math.round(x * 10) / 10;
