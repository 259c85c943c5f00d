import { renderReports } from '../../../loadtest/report';
import { scalingCurveSvg } from '../../../loadtest/report/scaling-section';
import type { BenchResults, ScalingPoint, ScalingResult } from '../../../loadtest/results';
import { USER_STATE_PATTERNS, limitNote, parseRedisStats, parseUserState, projectedCores } from '../../../loadtest/scenarios/scaling';
import { judgeClaim7, scalingEvidence } from '../../../loadtest/verdicts';
import { counts, syntheticResults } from './synthetic-results';

function point(mode: string, replicas: number, okPerSec: number, limits: string[]): ScalingPoint {
  const apps = Array.from({ length: replicas }, (_, i) => ({ part: `app${i + 1}`, cpuSeconds: 1.6, cores: 0.2, cpuMsPerRequest: 1, quotaCores: 0.2, throttledShare: 0.7 }));
  return {
    mode, strategy: mode === 'memory' ? 'sticky-cookie' : 'round-robin', replicas, users: 8 * replicas, seconds: 8, okPerSec,
    requests: okPerSec * 8, counts: counts({ ok: okPerSec * 8 }), errorRate: 0, latencyP50Ms: 20, latencyP99Ms: 90, shares: {},
    redisCommandsPerRequest: mode === 'redis' ? 2 : 0, redisServerCpuSeconds: null,
    parts: [...apps, { part: 'proxy', cpuSeconds: 0.8, cores: 0.1 * replicas, cpuMsPerRequest: 0.5, quotaCores: null, throttledShare: null },
      { part: 'load generator', cpuSeconds: 0.4, cores: 0.05 * replicas, cpuMsPerRequest: 0.25, quotaCores: null, throttledShare: null }],
    limits, limitNote: limitNote(limits, apps.map((a) => a.part)), loadAverage1: 3, totals: counts({ ok: okPerSec * 10 }),
  };
}

function scaling(): ScalingResult {
  const points = [point('jwt', 1, 200, ['app1']), point('jwt', 2, 380, ['app1', 'app2']), point('jwt', 3, 420, ['proxy'])];
  return {
    replicaQuotaCores: 0.2, proxyQuotaCores: null, redisQuotaCores: null, usersPerReplica: 8, cellSeconds: 8, warmSeconds: 2, warmAllSeconds: 12, budgetCores: 1.6,
    hostCores: 2, accounting: 'containers: host cgroup', loadAverage: { start: [3.5, 3, 2], end: [3, 3, 2] },
    logins: [{ mode: 'jwt', users: 32, attempts: 32, refusedOrFailed: 0, seconds: 12, redisKeysPerUser: 1, redisBytesPerUser: 150 }],
    points, skipped: [{ mode: 'jwt', replicas: 4, reason: 'over the budget' }],
    models: [{
      mode: 'jwt', hostCores: 2,
      parts: [{ part: 'replicas', cpuSecondsPerRequest: 0.001, coresPerInstance: 0.2, scalesWithReplicas: true }],
      predictions: [1, 2, 3, 4].map((n) => ({ replicas: n, okPerSec: 200 * n, limit: 'replicas' })),
      checks: [{ replicas: 1, measured: 200, predicted: 200, error: 0 }, { replicas: 2, measured: 380, predicted: 400, error: -0.05 }, { replicas: 3, measured: 420, predicted: 600, error: -0.3 }],
      meanAbsError: 0.175, slope: 110,
    }],
    shared: { redisCommandsPerCoreSec: 61234, perMode: [{ mode: 'jwt', proxyRequestsPerCoreSec: 2000, replicaRequestsPerCoreSec: 1000, generatorRequestsPerCoreSec: 4000 }] },
    paper: {
      loggedInUsers: 1_000_000, requestsPerUserPerSec: 0.1, servers: 100, coresPerServer: 1, redisCommandsPerCoreSec: 61234,
      modes: [{ mode: 'jwt', redisCommandsPerRequest: 0, redisBytesPerUser: 150, replicaRequestsPerCoreSec: 1000, requestsPerSec: 100000, serversCapacity: 100000, redisCommandsPerSec: 0, redisMemoryBytes: 150e6, redisCoreShare: 0, serversOneRedisFeeds: null, shardsNeeded: 0 }],
    },
  };
}

describe('Redis figures', () => {
  it('when INFO cpu and commandstats are read, then commands exclude INFO and the CPU is the server\'s own', () => {
    const info = '# CPU\r\nused_cpu_sys:0.890052\r\nused_cpu_user:1.120270\r\nused_cpu_sys_children:0.5\r\n\r\n# Commandstats\r\ncmdstat_get:calls=100,usec=5\r\ncmdstat_info:calls=24,usec=3\r\n';
    const stats = parseRedisStats(info);
    expect(stats.commands).toBe(100);
    expect(stats.serverCpuSeconds).toBeCloseTo(2.010322, 6);
  });
});

describe('Redis state per user', () => {
  it('when the script answers two integers, then they are the keys and bytes; anything else is not a reading', () => {
    expect(parseUserState('96\n26368\n')).toEqual({ keys: 96, bytes: 26368 });
    expect(parseUserState('(error) ERR unknown command\n')).toBeUndefined();
    expect(parseUserState('')).toBeUndefined();
  });

  it('when the patterns are listed, then sessions, refresh families and denylists count and the login throttle does not', () => {
    expect(USER_STATE_PATTERNS).toEqual(expect.arrayContaining(['sess:*', 'authscale:refresh:*', 'authscale:denied-jti:*']));
    expect(USER_STATE_PATTERNS.some((p) => p.startsWith('login-fail:'))).toBe(false);
  });
});

describe('scaling limits', () => {
  it('when every serving replica is throttled, then the point is limited by the replicas', () => {
    expect(limitNote(['app1', 'app2'], ['app1', 'app2'])).toMatch(/^limited by the replicas/);
  });

  it('when the proxy is at its limit, then the point says it measures the proxy, not the auth mode', () => {
    expect(limitNote(['proxy', 'app1'], ['app1', 'app2'])).toMatch(/limited by proxy, not \(only\) the replicas/);
  });

  it('when no part reached its limit, then the host is named as the limit', () => {
    expect(limitNote([], ['app1'])).toMatch(/host's CPU/);
  });

  it('when N = 2 used 0.6 shared cores, then N = 3 is projected at 3 quotas plus 0.9 shared cores', () => {
    const p = point('jwt', 2, 380, []);
    p.parts = [...p.parts.filter((x) => x.part.startsWith('app')), { part: 'proxy', cpuSeconds: 4, cores: 0.5, cpuMsPerRequest: 1, quotaCores: null, throttledShare: null },
      { part: 'redis', cpuSeconds: 1, cores: 0.1, cpuMsPerRequest: 0.2, quotaCores: null, throttledShare: null }];
    expect(projectedCores(p, 0.2, 3)).toBeCloseTo(0.6 + 0.9);
  });
});

describe('scaling in the report and claim 7', () => {
  const withCurve = (): BenchResults => {
    const r = syntheticResults();
    r.scenarios.scaling = scaling();
    return r;
  };

  it('when the curve was measured, then claim 7 keeps its verdict and adds the slope per mode as evidence', () => {
    const without = judgeClaim7(syntheticResults());
    const withIt = judgeClaim7(withCurve());
    expect(withIt.verdict).toBe(without.verdict);
    expect(withIt.evidence.join(' ')).toMatch(/jwt 110 ok req\/s per added replica \(N = 1, 2, 3; 1 of 3 points not limited by the replicas\)/);
    expect(scalingEvidence(syntheticResults())).toEqual([]);
  });

  it('when claim 7 was not measured, then the curve does not make it measured', () => {
    const r = withCurve();
    delete r.scenarios.memory;
    delete r.scenarios.throughput;
    const v = judgeClaim7(r);
    expect(v.verdict).toBe('not measured');
    expect(v.evidence.join(' ')).toMatch(/scaling \(evidence only/);
  });

  it('when rendered, then the report shows each point with the model\'s prediction and error, the paper model marked as such, and the chart', () => {
    const { markdown, html } = renderReports(withCurve());
    expect(markdown).toMatch(/\| jwt \| 3 \| 24 \| 420 \| 600 \| -30\.0% \|/);
    expect(markdown).toContain('mean \\|error\\| N ≥ 2');
    expect(markdown).toContain('17.5%');
    expect(markdown).toMatch(/100 servers, on paper \(model, not measurement\)/);
    expect(markdown).toMatch(/61,234 commands per second on one core/);
    expect(markdown).toMatch(/jwt N=4: over the budget/);
    expect(html).toContain('stroke-dasharray="5,4"');
  });

  it('when the curve is drawn, then each mode has a measured line with a dot per point and a dashed model line', () => {
    const svg = scalingCurveSvg(scaling());
    expect(svg.match(/<circle/g)).toHaveLength(3);
    expect(svg).toContain('<title>jwt (model)</title>');
    expect(svg).toContain('<title>jwt (measured)</title>');
  });
});
