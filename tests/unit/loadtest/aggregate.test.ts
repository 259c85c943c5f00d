import {
  countBetween, errorsStopAfter, usersPerReplica, firstInstanceAfter, imbalance, instanceAt, mergeTimeline, moduloMovedFraction, okShare, sumShares, totalCounts,
} from '../../../loadtest/aggregate';
import { bucketSecond, createLedger, recordOutcome } from '../../../loadtest/ledger';

const T0 = 1_000_000;

describe('aggregation of user ledgers', () => {
  it('when outcomes arrive at various times, then each lands in the bucket of its whole second since the start', () => {
    expect(bucketSecond(T0, T0)).toBe(0);
    expect(bucketSecond(T0 + 999, T0)).toBe(0);
    expect(bucketSecond(T0 + 1000, T0)).toBe(1);
    expect(bucketSecond(T0 - 50, T0)).toBe(0);
  });

  it('when two users record outcomes, then the merged timeline sums them per second and fills silent seconds with zeros', () => {
    const a = createLedger(0, '0', T0);
    const b = createLedger(1, '1', T0);
    recordOutcome(a, 'ok', T0 + 100, 'app1');
    recordOutcome(b, 'ok', T0 + 200, 'app2');
    recordOutcome(b, 'logouts', T0 + 2500, 'app3');
    recordOutcome(a, 'errors', T0 + 9000); // beyond the window: not in the timeline
    const timeline = mergeTimeline([a, b], 3);
    expect(timeline.map((p) => [p.second, p.ok, p.logouts, p.errors])).toEqual([[0, 2, 0, 0], [1, 0, 0, 0], [2, 0, 1, 0]]);
    expect(totalCounts([a, b])).toMatchObject({ ok: 2, logouts: 1, errors: 1 });
  });

  it('when replicas serve unequal shares, then imbalance is max/mean, and a replica that served nothing still counts', () => {
    expect(imbalance({ app1: 100, app2: 100, app3: 100 })).toBeCloseTo(1);
    expect(imbalance({ app1: 200, app2: 100 }, ['app1', 'app2', 'app3'])).toBeCloseTo(2);
    expect(imbalance({}, ['app1'])).toBeNull();
  });

  it('when users record X-Instance, then shares sum per replica and the instance history answers "who served them at t"', () => {
    const a = createLedger(0, '0', T0);
    recordOutcome(a, 'logins', T0 + 10, 'app1');
    recordOutcome(a, 'ok', T0 + 20, 'app1');
    recordOutcome(a, 'ok', T0 + 5000, 'app4');
    expect(sumShares([a])).toEqual({ app1: 2, app4: 1 });
    expect(usersPerReplica([a])).toEqual({ app1: 1 });
    expect(instanceAt(a, 4000)).toBe('app1');
    expect(instanceAt(a, 5)).toBeUndefined();
    expect(firstInstanceAfter(a, 4000)).toBe('app4');
    expect(countBetween(a, 'ok', 1)).toBe(1);
    expect(countBetween(a, 'ok', 0, 1)).toBe(1);
  });

  it('when errors occur after a fault, then "errors stop after" is the end of the last erroring second, and null with none', () => {
    const timeline = mergeTimeline([], 10).map((p) => ({ ...p, errors: p.second === 4 || p.second === 6 ? 3 : 0, ok: 10 }));
    expect(errorsStopAfter(timeline, 3)).toBe(4);
    expect(errorsStopAfter(timeline, 7)).toBeNull();
    expect(okShare(timeline, 4, 5)).toBeCloseTo(10 / 13);
    expect(okShare(mergeTimeline([], 3), 0, 3)).toBeNull();
  });

  it('when 3 replicas become 4, then modulo hashing moves about 3/4 of many keys', () => {
    const keys = Array.from({ length: 4000 }, (_, i) => `10.0.${i >> 8}.${i & 255}`);
    expect(moduloMovedFraction(keys, 3, 4)).toBeGreaterThan(0.65);
    expect(moduloMovedFraction(keys, 3, 4)).toBeLessThan(0.85);
    expect(moduloMovedFraction([], 3, 4)).toBe(0);
  });
});
