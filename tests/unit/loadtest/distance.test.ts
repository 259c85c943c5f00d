import { ConfigError } from '../../../common/config';
import { parseBenchArgs } from '../../../loadtest/options';
import { quantile } from '../../../loadtest/paced-load';
import { renderReports } from '../../../loadtest/report';
import type { DistanceModeResult, DistancePoint, DistanceResult } from '../../../loadtest/results';
import { SCENARIO_NAMES } from '../../../loadtest/scenarios';
import { axisLinks, distancePrices, slope, splitByPhase, walksFor, MIN_WALKS, WALK_BUDGET_MS } from '../../../loadtest/scenarios/distance';
import { judgeClaims } from '../../../loadtest/verdicts';
import { syntheticResults } from './synthetic-results';

const defaults = { adminToken: 'tok', now: new Date('2026-11-28T09:00:00.000Z') };

function mode(name: string, p50: number, okPerSec: number, added: number | null): DistanceModeResult {
  return {
    mode: name, okPerSec, latencyP50Ms: p50, latencyP99Ms: p50 * 2, addedP50Ms: added, redisCommandsPerRequest: name === 'redis' ? 1 : 0,
    errors: 0, logouts: 0, steps: { loginP50Ms: 10, meP50Ms: p50, logoutP50Ms: p50 },
  };
}

/** redis mode pays one added round trip per request, memory none; the injector overshoots each setting by 0.2 ms. */
function sweep(): DistancePoint[] {
  return [0, 1, 2, 5].map((rtt) => ({
    axis: 'redis' as const, nominalRttMs: rtt, throughRttMs: 0.05 + rtt + (rtt ? 0.2 : 0), directRttMs: 0.05,
    measuredAddedRttMs: rtt + (rtt ? 0.2 : 0),
    modes: [
      mode('memory', 1, 1000, rtt ? 0 : null),
      mode('redis', 1.5 + rtt + (rtt ? 0.2 : 0), 800 - rtt * 40, rtt ? rtt + 0.2 : null),
    ],
  }));
}

describe('distance scenario (pure parts)', () => {
  it('when logins are cheap (or not timed yet), then every planned walk runs; at the production hash cost, as many as fit the budget, at least a few', () => {
    expect(walksFor(10, null)).toBe(10);
    expect(walksFor(10, 15)).toBe(10);
    expect(walksFor(10, WALK_BUDGET_MS / 4)).toBe(4);
    expect(walksFor(10, 900)).toBe(MIN_WALKS);
    expect(walksFor(10, 5000)).toBe(MIN_WALKS);
    expect(walksFor(2, 5000)).toBe(2);
  });

  it('when each request waits for one round trip, then the price is 1 ms of p50 per ms, and the 1 ms figure is p50 at 1 ms less p50 at 0 ms', () => {
    const prices = distancePrices(sweep());
    const redis = prices.find((p) => p.mode === 'redis');
    const memory = prices.find((p) => p.mode === 'memory');
    expect(redis?.p50MsPerMs).toBeCloseTo(1, 6);
    expect(redis?.addedP50AtOneMs).toBeCloseTo(1.2, 6);
    expect(redis?.okPerSecRatioAtMax).toBeCloseTo(600 / 800, 6);
    expect(memory?.p50MsPerMs).toBeCloseTo(0, 6);
    expect(memory?.addedP50AtOneMs).toBeCloseTo(0, 6);
  });

  it('when the sweep has no 1 ms point or one point only, then those figures say not measured instead of guessing', () => {
    const points = sweep().filter((p) => p.nominalRttMs !== 1);
    expect(distancePrices(points).every((p) => p.addedP50AtOneMs === null)).toBe(true);
    expect(slope([1], [2])).toBeNull();
    expect(slope([1, 1], [2, 3])).toBeNull();
  });

  it('when an axis is chosen, then only its links are delayed: redis alone, or the serving replicas', () => {
    expect(axisLinks('redis', ['redis', 'app1', 'app2'], ['app1', 'app2'])).toEqual(['redis']);
    expect(axisLinks('replicas', ['redis', 'app1', 'app2', 'app4'], ['app1', 'app2'])).toEqual(['app1', 'app2']);
    expect(axisLinks('redis', ['app1'], ['app1'])).toEqual([]);
  });

  it('when the delay alternates with 0 ms, then each request counts for the phase it ran in, and one that straddles a change or starts in the guard is dropped', () => {
    const phases = [{ value: 2, from: 0, to: 400 }, { value: 0, from: 410, to: 800 }];
    const split = splitByPhase([
      { startedAt: 50, endedAt: 53 }, // in the 2 ms phase
      { startedAt: 10, endedAt: 12 }, // inside the guard after the change
      { startedAt: 390, endedAt: 420 }, // straddles the change
      { startedAt: 500, endedAt: 501 }, // in the 0 ms phase
    ], phases, 30);
    expect(split.get(2)).toEqual([3]);
    expect(split.get(0)).toEqual([1]);
  });

  it('when latencies are sorted into quantiles, then p50 and p99 are nearest-rank values', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(quantile(values, 0.5)).toBe(50);
    expect(quantile(values, 0.99)).toBe(99);
    expect(quantile([], 0.5)).toBeNull();
  });
});

describe('distance on the command line', () => {
  it('when asked for all, then distance is not part of it; asked for alone, it gets the default sweep', () => {
    const all = parseBenchArgs([], defaults);
    expect(!all.help && all.config.scenarios).toEqual([...SCENARIO_NAMES]);
    expect(SCENARIO_NAMES).not.toContain('distance');
    const alone = parseBenchArgs(['--scenario', 'distance', '--rtts', '5,0,1', '--axes', 'redis'], defaults);
    expect(!alone.help && alone.config.distance).toEqual({ rttsMs: [0, 1, 5], axes: ['redis'], control: undefined });
  });

  it('when distance is mixed with another scenario, or run against --target with no injector control, then it is refused with the reason', () => {
    expect(() => parseBenchArgs(['--scenario', 'distance,throughput'], defaults)).toThrow(/distance runs on its own/);
    expect(() => parseBenchArgs(['--scenario', 'distance', '--target', 'http://127.0.0.1:8080'], defaults)).toThrow(/--latency-control/);
    expect(() => parseBenchArgs(['--scenario', 'distance', '--rtts', '1,x', '--axes', 'disk'], defaults)).toThrow(ConfigError);
  });
});

describe('distance in the report', () => {
  const distance: DistanceResult = {
    strategy: 'sticky-cookie', connections: 10, fixedRate: 100, secondsPerCell: 4, walks: 20, delayLayout: 'all on the request path',
    replicaSettings: { autoPipelining: 'off', sessionTouch: 'rolling' },
    points: sweep(), prices: distancePrices(sweep()),
  };

  it('when the sweep ran, then the report has its table, the price per ms and a chart per axis, and claim 6 quotes the price without changing its verdict', () => {
    const base = syntheticResults();
    const before = judgeClaims(base).find((v) => v.claim === 6);
    const results = { ...base, scenarios: { ...base.scenarios, distance } };
    const after = judgeClaims(results).find((v) => v.claim === 6);
    expect(after?.verdict).toBe(before?.verdict);
    expect(after?.evidence.join(' ')).toMatch(/distance sweep, replicas→Redis: .*redis 1\.\d\d ms of p50 per ms \(at 1 ms: \+1\.20 ms/);
    const reports = renderReports({ ...results, verdicts: judgeClaims(results) });
    expect(reports.markdown).toContain('## distance (the price of a round trip)');
    expect(reports.markdown).toMatch(/\| replicas → Redis \| redis \| 1\.00 \| \+1\.20 ms \| 0\.75 \|/);
    expect(reports.html).toContain('<svg');
    expect(reports.html).toContain('p50 (ms), replicas → Redis');
  });
});
