import type {
  BenchResults, Counts, FailoverRedisResult, FailoverVariantResult, FaultCellResult, FaultScenarioResult, ThroughputCellResult, TimelinePoint,
} from '../../../loadtest/results';

/** Synthetic results shaped like a real run, with the physics right; tests flip one figure. */
export function counts(partial: Partial<Counts> = {}): Counts {
  return { ok: 0, logouts: 0, errors: 0, logins: 0, other: 0, refused: 0, ...partial };
}

export function throughputCell(mode: string, strategy: string, partial: Partial<ThroughputCellResult> = {}): ThroughputCellResult {
  const c = partial.counts ?? counts({ ok: 30000, logins: 50 });
  const auth = c.ok + c.logouts;
  return {
    mode, strategy, seconds: 3, connections: 50, requestsPerSec: 10000, okPerSec: c.ok / 3,
    latencyP50Ms: 4, latencyP99Ms: 12, counts: c, logoutRate: auth ? c.logouts / auth : 0, errorRate: 0,
    shares: { app1: 10000, app2: 10000, app3: 10000 }, imbalance: 1.0, usersPerReplica: { app1: 17, app2: 17, app3: 16 }, userImbalance: 1.02,
    redisCommandsPerRequest: mode === 'redis' || mode === 'jwt-revocable' ? 1.1 : 0,
    ratioToBaseline: 0.8, ...partial,
  };
}

function timeline(seconds: number, perSecond: Partial<Counts>): TimelinePoint[] {
  return Array.from({ length: seconds }, (_, second) => ({ second, ...counts(perSecond) }));
}

export function faultCell(mode: string, strategy: string, partial: Partial<FaultCellResult> = {}): FaultCellResult {
  return {
    mode, strategy, users: 9, counts: counts({ ok: 900, logins: 9 }), timeline: timeline(12, { ok: 36 }),
    usersLoggedOut: 0, pinnedToTarget: { users: 3, loggedOut: 0 }, others: { users: 6, loggedOut: 0 },
    okShareBeforeFault: 1, okShareDuringFault: 1, usersWithoutAnswer: 0, errorsStopAfterSeconds: null, logoutsAfterRecovery: 0, ...partial,
  };
}

export function syntheticResults(): BenchResults {
  const modes = ['memory', 'redis', 'jwt', 'jwt-revocable'];
  const strategies = ['round-robin', 'sticky-cookie', 'hash-ip'];
  const cells: ThroughputCellResult[] = strategies.map((s) => throughputCell('none', s, { requestsPerSec: 12000, okPerSec: 12000, ratioToBaseline: 1 }));
  for (const mode of modes) {
    for (const strategy of strategies) {
      let partial: Partial<ThroughputCellResult> = {};
      if (mode === 'memory' && strategy === 'round-robin') partial = { counts: counts({ ok: 5000, logouts: 10000, logins: 10050 }) };
      if (mode === 'jwt') partial = { counts: counts({ ok: 36000, logins: 50 }) };
      if (mode === 'redis') partial = { counts: counts({ ok: 24000, logins: 50 }) };
      if (mode === 'jwt-revocable') partial = { counts: counts({ ok: 27000, logins: 50 }) };
      if (strategy === 'hash-ip') partial = { ...partial, imbalance: 1.3, shares: { app1: 13000, app2: 10000, app3: 7000 } };
      cells.push(throughputCell(mode, strategy, partial));
    }
  }
  const killCells = modes.flatMap((mode) => strategies.map((strategy) => {
    if (mode === 'memory' && strategy !== 'round-robin') {
      return faultCell(mode, strategy, { counts: counts({ ok: 850, logouts: 3, logins: 12 }), usersLoggedOut: 3, pinnedToTarget: { users: 3, loggedOut: 3 } });
    }
    return faultCell(mode, strategy);
  }));
  const killReplica: FaultScenarioResult = {
    scenario: 'kill-replica', redisPersistence: null, target: 'app2', seconds: 12, usersPerCell: 9, userRate: 4,
    events: [{ second: 3, kind: 'fault', label: 'kill app2' }, { second: 8, kind: 'recover', label: 'start app2' }], cells: killCells,
  };
  const killRedis: FaultScenarioResult = {
    ...killReplica, scenario: 'kill-redis', target: 'redis', redisPersistence: true,
    events: [{ second: 3, kind: 'fault', label: 'kill redis' }, { second: 8, kind: 'recover', label: 'start redis' }],
    cells: modes.flatMap((mode) => strategies.map((strategy) => mode === 'redis' || mode === 'jwt-revocable'
      ? faultCell(mode, strategy, { counts: counts({ ok: 500, errors: 180 }), okShareDuringFault: 0, errorsStopAfterSeconds: 5, pinnedToTarget: null, others: null })
      : faultCell(mode, strategy, { pinnedToTarget: null, others: null }))),
  };
  return {
    schema: 1, startedAt: '2026-11-28T09:00:00.000Z', finishedAt: '2026-11-28T09:02:30.000Z', durationSeconds: 150,
    settings: {
      target: 'http://127.0.0.1:18080', localCluster: true, replicas: ['app1', 'app2', 'app3'],
      frontends: strategies.map((strategy, i) => ({ port: 18080 + i, strategy, url: `http://127.0.0.1:${18080 + i}` })),
      versions: { node: 'v20.20.0', autocannon: '9.0.0' }, passwordHashCost: '10', sessionTouch: 'app default', redisPersistence: true,
      quick: true, connections: 50, cellSeconds: 3, fault: { beforeSeconds: 3, faultSeconds: 5, afterSeconds: 4, usersPerCell: 9, userRate: 4 },
      memoryUsers: 1000, cpus: 2, platform: 'linux x64',
    },
    scenarios: {
      throughput: { cells },
      killReplica,
      killRedis: [killRedis],
      scaleOut: {
        seconds: 12, usersPerCell: 9, replicasBefore: 3, replicasAfter: 4, events: [{ second: 4, kind: 'scale', label: 'add app4' }],
        moduloMovedFraction: 0.75, consistentMovedFraction: 0.25,
        cells: [
          { mode: 'memory', strategy: 'hash-ip', users: 9, moved: 2, movedFraction: 2 / 9, movedToApp4: 2, movedLoggedOut: 2, stayedLoggedOut: 0, app4Share: 0.2, timeline: [] },
          { mode: 'jwt', strategy: 'sticky-cookie', users: 9, moved: 0, movedFraction: 0, movedToApp4: 0, movedLoggedOut: 0, stayedLoggedOut: 0, app4Share: 0, timeline: [] },
          { mode: 'jwt', strategy: 'round-robin', users: 9, moved: 9, movedFraction: 1, movedToApp4: 9, movedLoggedOut: 0, stayedLoggedOut: 0, app4Share: 0.25, timeline: [] },
        ],
      },
      memory: {
        replica: 'app1', gc: 'forced',
        modes: [
          { mode: 'memory', users: 1000, heapBeforeBytes: 10_000_000, heapAfterBytes: 11_500_000, bytesPerUser: 1500, redisBytesPerUser: null },
          { mode: 'redis', users: 1000, heapBeforeBytes: 10_000_000, heapAfterBytes: 10_050_000, bytesPerUser: 50, redisBytesPerUser: 300 },
          { mode: 'jwt', users: 1000, heapBeforeBytes: 10_000_000, heapAfterBytes: 10_020_000, bytesPerUser: 20, redisBytesPerUser: null },
        ],
      },
      revocation: {
        probeSeconds: 3,
        modes: [
          { mode: 'memory', strategy: 'sticky-cookie', okBeforeLogout: true, logoutStatus: 204, probes: 10, okAfterLogout: 0, firstRefusedAfterMs: 2, validUntil: null },
          { mode: 'redis', strategy: 'round-robin', okBeforeLogout: true, logoutStatus: 204, probes: 10, okAfterLogout: 0, firstRefusedAfterMs: 2, validUntil: null },
          { mode: 'jwt', strategy: 'round-robin', okBeforeLogout: true, logoutStatus: 200, probes: 10, okAfterLogout: 10, firstRefusedAfterMs: null, validUntil: '2026-11-28T09:17:00.000Z', redisCommandsPerRequest: 0 },
          { mode: 'jwt-revocable', strategy: 'round-robin', okBeforeLogout: true, logoutStatus: 204, probes: 10, okAfterLogout: 0, firstRefusedAfterMs: 2, validUntil: null, redisCommandsPerRequest: 1 },
        ],
      },
    },
    skipped: [],
    warnings: [],
    scenarioSeconds: {},
    verdicts: [],
  };
}

function failoverVariant(name: string, redis: 'ha' | 'single', lost: number): FailoverVariantResult {
  return {
    variant: name, redis, appendonly: true, waitReplicas: 0, replicaCutOff: false, killedAtSecond: 5,
    promotedAfterMs: redis === 'ha' ? 3400 : null, restartedAfterMs: redis === 'single' ? 300 : null, clientsFollowAfterMs: 4900,
    cohort: { users: 4, survived: 4 - lost, lost, unknown: 0, failedLogins: 0, lostLoginOffsetsMs: [] },
    loginPrice: redis === 'ha' ? { seconds: 5, logins: 430, failed: 0, loginsPerSec: 86, p50Ms: 41, p99Ms: 120 } : null,
    modes: [{ mode: 'redis', users: 36, secondsWithoutService: 5, errors: 662, logouts: 0, usersLoggedOut: 0, okShareBeforeFault: 1 }],
    events: [{ second: 5, kind: 'fault', label: 'kill redis (primary)' }],
    cells: [faultCell('redis', 'round-robin')],
  };
}

/** A failover-redis result: an HA variant that lost nothing, a single Redis without AOF that lost its cohort. */
export function failoverResult(): FailoverRedisResult {
  return {
    variants: [failoverVariant('ha', 'ha', 0), failoverVariant('single, AOF off', 'single', 4)], seconds: 20, cohortSeconds: 2, usersPerCell: 12,
    userRate: 5, sentinel: { quorum: 2, downAfterMs: 2000, failoverTimeoutMs: 10000 }, loginPriceConnections: 4,
  };
}
