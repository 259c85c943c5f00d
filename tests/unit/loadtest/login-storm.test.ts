import { cpuPercent, latencySummary } from '../../../loadtest/scenarios/login-storm';

test('when two CPU readings are 500 ms apart, then each replica\'s share of one core is their difference over the interval', () => {
  expect(cpuPercent({ app1: 10, app2: 4 }, { app1: 10.25, app2: 4.01 }, 500)).toEqual({ app1: 50, app2: expect.closeTo(2, 5) });
  // A restarted replica (counter went back) reads as 0, not negative.
  expect(cpuPercent({ app1: 10 }, { app1: 1 }, 500)).toEqual({ app1: 0 });
});

test('when latencies are summarised, then p99 is the value 99 % of answers do not exceed, and no answers give nulls', () => {
  const latencies = Array.from({ length: 200 }, (_, i) => i + 1);
  expect(latencySummary(latencies, 3)).toEqual({ count: 200, failed: 3, p50Ms: 100, p99Ms: 198, maxMs: 200 });
  expect(latencySummary([], 5)).toEqual({ count: 0, failed: 5, p50Ms: null, p99Ms: null, maxMs: null });
});
