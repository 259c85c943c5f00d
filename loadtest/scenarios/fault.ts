import { countBetween, errorsStopAfter, group, instanceAt, logoutRate, mergeTimeline, okShare, totalCounts } from '../aggregate';
import type { AuthModeSpec } from '../modes';
import { sleep, trackProgress, type RunContext } from '../context';
import type { UserLedger } from '../ledger';
import type { FaultCellResult, FaultScenarioResult, ScenarioEvent } from '../results';
import type { FaultVerb } from '../target';
import { prepareConcurrentCells, startConcurrentCells } from './concurrent-cells';

export interface FaultPlan {
  scenario: FaultScenarioResult['scenario'];
  service: string;
  fault: FaultVerb;
  recover: FaultVerb;
  /** Whether users can be pinned to the faulted service (a replica, not Redis). */
  replica: boolean;
  redisPersistence: boolean | null;
  /** Only these modes (the balancers scenario); every mode when absent. */
  modes?: readonly AuthModeSpec[];
}

/** Why this fault cannot be run against the target, or undefined when it can. */
export function faultUnavailable(context: RunContext, plan: FaultPlan): string | undefined {
  return context.target.faults.unavailable(plan.service, plan.fault) ?? context.target.faults.unavailable(plan.service, plan.recover);
}

/**
 * Load before, fault, wait, recover, load after; then per cell: the timeline, who was logged
 * out (split into users pinned to the faulted replica and the rest), ok share before and during.
 */
export async function runFault(context: RunContext, plan: FaultPlan): Promise<FaultScenarioResult> {
  const { beforeSeconds, faultSeconds, afterSeconds } = context.timing;
  const seconds = beforeSeconds + faultSeconds + afterSeconds;
  // A paused replica holds requests: let the proxy's timeout or health check answer first.
  const load = startConcurrentCells(context, seconds, 15, await prepareConcurrentCells(context, context.timing.faultUsersPerCell, plan.modes));
  const stopProgress = trackProgress(context, plan.scenario, seconds, load.ledgers);
  const events: ScenarioEvent[] = [];
  let faultMs = 0;
  let recoverMs = 0;
  try {
    await sleep(beforeSeconds * 1000);
    faultMs = Date.now() - load.t0;
    await context.target.faults.run(plan.service, plan.fault);
    // Logged once done: an interrupt that follows this line finds the fault in the journal to undo.
    context.log(`${plan.scenario}: ${plan.fault} ${plan.service}`);
    events.push({ second: faultMs / 1000, kind: 'fault', label: `${plan.fault} ${plan.service}` });
    await sleep(Math.max(0, load.t0 + (beforeSeconds + faultSeconds) * 1000 - Date.now()));
    recoverMs = Date.now() - load.t0;
    await context.target.faults.run(plan.service, plan.recover);
    context.log(`${plan.scenario}: ${plan.recover} ${plan.service}`);
    events.push({ second: recoverMs / 1000, kind: 'recover', label: `${plan.recover} ${plan.service}` });
    await load.done();
  } finally {
    load.stop();
    stopProgress();
  }
  return {
    scenario: plan.scenario,
    redisPersistence: plan.redisPersistence,
    target: plan.service,
    seconds,
    usersPerCell: context.timing.faultUsersPerCell,
    userRate: context.timing.faultUserRate,
    events: events.map((e) => ({ ...e, second: Math.round(e.second * 10) / 10 })),
    cells: load.cells.map((c) => ({
      ...(c.balancer ? { balancer: c.balancer } : {}),
      ...faultCell(c.mode, c.strategy, c.running.ledgers, { seconds, faultMs, recoverMs, target: plan.replica ? plan.service : undefined }),
    })),
  };
}

/** A cell's fault figures from its users' ledgers (pure). */
export function faultCell(
  mode: string,
  strategy: string,
  ledgers: readonly UserLedger[],
  at: { seconds: number; faultMs: number; recoverMs: number; target?: string },
): FaultCellResult {
  const timeline = mergeTimeline(ledgers, at.seconds);
  const faultSecond = Math.floor(at.faultMs / 1000);
  const recoverSecond = Math.floor(at.recoverMs / 1000);
  const pinned = at.target ? ledgers.filter((l) => instanceAt(l, at.faultMs) === at.target) : [];
  const others = at.target ? ledgers.filter((l) => instanceAt(l, at.faultMs) !== at.target) : [];
  return {
    mode,
    strategy,
    users: ledgers.length,
    counts: totalCounts(ledgers),
    timeline,
    usersLoggedOut: group(ledgers, faultSecond).loggedOut,
    pinnedToTarget: at.target ? group(pinned, faultSecond) : null,
    others: at.target ? group(others, faultSecond) : null,
    // skip second 0: every user logs in then, which is not the steady state
    okShareBeforeFault: okShare(timeline, Math.min(1, faultSecond), faultSecond),
    okShareDuringFault: okShare(timeline, faultSecond + 1, recoverSecond),
    logoutRateBeforeFault: logoutRate(timeline, Math.min(1, faultSecond), faultSecond),
    usersWithoutAnswer: ledgers.filter((l) => answeredBetween(l, faultSecond + 1, recoverSecond) === 0).length,
    errorsStopAfterSeconds: errorsStopAfter(timeline, faultSecond),
    logoutsAfterRecovery: ledgers.reduce((n, l) => n + countBetween(l, 'logouts', recoverSecond), 0),
  };
}

function answeredBetween(ledger: UserLedger, fromSecond: number, toSecond: number): number {
  if (toSecond <= fromSecond) return 1; // no full second of fault: nobody can be said to be stuck
  return (['ok', 'logouts', 'logins', 'other', 'errors'] as const).reduce((n, k) => n + countBetween(ledger, k, fromSecond, toSecond), 0);
}
